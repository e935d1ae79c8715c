"""Sparse updates of a ref variable: ``tf.scatter_update`` and its arithmetic kin
(``scatter_add``, ``scatter_sub``, ``scatter_mul``, ``scatter_div``, ``scatter_max``,
``scatter_min``) change the rows ``indices`` of a variable in place, as TF1's ops do.

``updates`` has shape ``indices.shape + ref.shape[1:]``. Repeated indices accumulate for the
arithmetic ops; for ``scatter_update`` the last one wins here (TensorFlow leaves the order
unspecified).

    >>> import teachflow as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(tf.scatter_add(v, [1, 1, 3], [1.0, 2.0, 5.0])).tolist())
    [1.0, 5.0, 3.0, 9.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import INDEX_DTYPES, invalid, to_host
from teachflow.ops.elementwise import check_allowed

__all__ = [
    "scatter_update",
    "scatter_add",
    "scatter_sub",
    "scatter_mul",
    "scatter_div",
    "scatter_max",
    "scatter_min",
]

# How each op combines a row with its updates: numpy's unbuffered ufunc.at applies repeated
# indices one after another, as TensorFlow's CPU kernels do.
_COMBINE = {
    "ScatterUpdate": None,
    "ScatterAdd": np.add,
    "ScatterSub": np.subtract,
    "ScatterMul": np.multiply,
    "ScatterDiv": np.divide,
    "ScatterMax": np.maximum,
    "ScatterMin": np.minimum,
}


def _infer_scatter(op):
    ref, indices, updates = op.inputs
    if not ref.dtype.is_ref_dtype:
        raise TypeError(
            f"'{op.type}' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)"
        )
    check_allowed(indices, INDEX_DTYPES, "indices")
    dt = ref.dtype.base_dtype
    if updates.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'updates' of '{op.type}' Op has type {updates.dtype.base_dtype.name} that "
            f"does not match type {dt.name} of argument 'ref'."
        )
    if ref.shape.ndims is not None and indices.shape.ndims is not None:
        if updates.shape.ndims is not None and updates.shape.ndims:
            want = indices.shape.concatenate(ref.shape[1:])
            if want.ndims != updates.shape.ndims:
                raise ValueError(
                    f"Shapes must be equal rank, but are {updates.shape.ndims} and {want.ndims}"
                )
            for i, (a, b) in enumerate(zip(want.as_list(), updates.shape.as_list())):
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Dimension {i} in both shapes must be equal, but are {b} and {a}. "
                        f"Shapes are {updates.shape} and {want}."
                    )
    return [(ref.dtype, ref.shape if ref.shape.ndims is not None else TensorShape(None))]


def _scatter_kernel(op, device):
    combine = _COMBINE[op.type]
    locking = bool(op._attrs.get("use_locking", False))

    def scatter(ref, indices, updates):
        def apply():
            current = np.asarray(to_host(ref.read()))
            idx = np.asarray(to_host(indices)).astype(np.int64)
            n = current.shape[0] if current.ndim else 0
            bad = (idx < 0) | (idx >= n)
            if bad.any():
                first = int(np.flatnonzero(bad.reshape(-1))[0])
                raise invalid(
                    f"indices[{first}] = {int(idx.reshape(-1)[first])} is not in [0, {n})"
                )
            rows = np.broadcast_to(np.asarray(to_host(updates)), idx.shape + current.shape[1:])
            new = current.copy()
            flat_idx, flat_rows = idx.reshape(-1), rows.reshape((-1,) + current.shape[1:])
            if combine is None:
                new[flat_idx] = flat_rows
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    combine.at(new, flat_idx, flat_rows)
            # In place, as TF1's kernels write: earlier reads of the variable see it.
            ref.write(device.xp.asarray(new))

        if locking:
            with ref.lock:
                apply()
        else:
            apply()
        return ref

    return scatter


for _type in _COMBINE:
    registry.register(
        _type,
        _infer_scatter,
        _scatter_kernel,
        stateful=True,
        ref_inputs=(0,),
        not_differentiable=True,
    )


# ResourceScatterAdd/Sub (what a TF 2 compat.v1 optimizer emits for a resource variable's
# IndexedSlices gradient): the ref kernel on the handle's state record, no output.
class _AsRefScatter:
    def __init__(self, op):
        self.type = op.type[len("Resource") :]
        self._attrs = op._attrs


def _infer_resource_scatter(op):
    if op.inputs[0].dtype.base_dtype is not dtypes.resource:
        raise TypeError(
            f"Input 'resource' of '{op.type}' Op has type {op.inputs[0].dtype.name} that "
            "does not match expected type of resource."
        )
    check_allowed(op.inputs[1], INDEX_DTYPES, "indices")
    return []


def _resource_scatter_kernel(op, device):
    scatter = _scatter_kernel(_AsRefScatter(op), device)

    def scatter_into(state, indices, updates):
        scatter(state, indices, updates)

    return scatter_into


for _type in ("ResourceScatterAdd", "ResourceScatterSub"):
    registry.register(
        _type,
        _infer_resource_scatter,
        _resource_scatter_kernel,
        stateful=True,
        not_differentiable=True,
    )


def _scatter(op_type, ref, indices, updates, use_locking, name):
    from teachflow.ops.state_ops import _ref_of

    ref = _ref_of(ref)
    with name_scope(name, op_type, [ref, indices, updates]) as scope:
        indices = convert_to_tensor(indices, name="indices")
        updates = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
        attrs = {
            "T": ref.dtype.base_dtype,
            "Tindices": indices.dtype.base_dtype,
            "use_locking": bool(use_locking),
        }
        return ref.graph.create_op(op_type, [ref, indices, updates], attrs, name=scope).outputs[0]


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Set rows ``indices`` of the variable ``ref`` to ``updates``; returns ``ref``."""
    return _scatter("ScatterUpdate", ref, indices, updates, use_locking, name)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """Add ``updates`` to rows ``indices`` of ``ref`` (repeated indices add up)."""
    return _scatter("ScatterAdd", ref, indices, updates, use_locking, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtract ``updates`` from rows ``indices`` of ``ref``."""
    return _scatter("ScatterSub", ref, indices, updates, use_locking, name)


def scatter_mul(ref, indices, updates, use_locking=False, name=None):
    """Multiply rows ``indices`` of ``ref`` by ``updates``."""
    return _scatter("ScatterMul", ref, indices, updates, use_locking, name)


def scatter_div(ref, indices, updates, use_locking=False, name=None):
    """Divide rows ``indices`` of ``ref`` by ``updates``."""
    return _scatter("ScatterDiv", ref, indices, updates, use_locking, name)


def scatter_max(ref, indices, updates, use_locking=False, name=None):
    """Rows ``indices`` of ``ref`` become the larger of themselves and ``updates``."""
    return _scatter("ScatterMax", ref, indices, updates, use_locking, name)


def scatter_min(ref, indices, updates, use_locking=False, name=None):
    """Rows ``indices`` of ``ref`` become the smaller of themselves and ``updates``."""
    return _scatter("ScatterMin", ref, indices, updates, use_locking, name)
