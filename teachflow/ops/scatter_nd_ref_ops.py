"""Scattering into a variable by coordinates: ``tf.scatter_nd_update``, ``tf.scatter_nd_add`` and
``tf.scatter_nd_sub`` change the slices at ``indices[..., :]`` of a ref variable in place, as
TF1's ``ScatterNdUpdate``/``ScatterNdAdd``/``ScatterNdSub`` kernels do, and return the ref.

``updates`` has shape ``indices.shape[:-1] + ref.shape[depth:]``; repeated coordinates add up
(``_add``/``_sub``) or the last one wins (``_update``). ``use_locking`` holds the variable's
lock for the whole update (``scatter_nd_update`` locks by default, as TF's op does).

    >>> import teachflow as tf
    >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(tf.scatter_nd_add(v, [[1, 0], [1, 0]], [1.0, 2.0])).tolist())
    [[1.0, 2.0], [6.0, 4.0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.gathering import _coordinates
from teachflow.ops.op_builder import check_index_dtype, to_host

__all__ = ["scatter_nd_update", "scatter_nd_add", "scatter_nd_sub"]

_COMBINE = {"ScatterNdUpdate": None, "ScatterNdAdd": np.add, "ScatterNdSub": np.subtract}


def _infer_scatter_nd_ref(op):
    ref, _, updates = op.inputs
    if not ref.dtype.is_ref_dtype:
        raise TypeError(
            f"'{op.type}' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)"
        )
    check_index_dtype(op, 1, "Tindices")
    if updates.dtype.base_dtype is not ref.dtype.base_dtype:
        raise TypeError(
            f"Input 'updates' of '{op.type}' Op has type {updates.dtype.base_dtype.name} that "
            f"does not match type {ref.dtype.base_dtype.name} of argument 'ref'."
        )
    return [(ref.dtype, ref.shape)]


def _scatter_nd_ref_kernel(op, device):
    combine = _COMBINE[op.type]
    locking = bool(op._attrs.get("use_locking", False))

    def apply(ref, indices, updates):
        new = np.array(to_host(ref.read()), copy=True)
        idx = np.asarray(to_host(indices))
        coords = _coordinates(idx, new.shape, "shape")
        rows = np.broadcast_to(
            np.asarray(to_host(updates)), idx.shape[:-1] + new.shape[idx.shape[-1] :]
        )
        if combine is None:
            new[coords] = rows
        else:
            combine.at(new, coords, rows)
        # In place, as TF1's kernels write: earlier reads of the variable see it.
        ref.write(device.xp.asarray(new))

    def scatter_nd_ref(ref, indices, updates):
        if locking:
            with ref.lock:
                apply(ref, indices, updates)
        else:
            apply(ref, indices, updates)
        return ref

    return scatter_nd_ref


for _type in _COMBINE:
    registry.register(
        _type,
        _infer_scatter_nd_ref,
        _scatter_nd_ref_kernel,
        stateful=True,
        ref_inputs=(0,),
        not_differentiable=True,
    )


def _scatter_nd_ref(op_type, ref, indices, updates, use_locking, name):
    from teachflow.ops.state_ops import _ref_of

    ref = _ref_of(ref)
    with ref.graph.as_default(), name_scope(name, op_type, [ref, indices, updates]) as scope:
        indices = convert_to_tensor(indices, name="indices", preferred_dtype=np.int32)
        updates = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
        attrs = {
            "T": ref.dtype.base_dtype,
            "Tindices": indices.dtype.base_dtype,
            "use_locking": bool(use_locking),
            "bad_indices_policy": "",
        }
        return ref.graph.create_op(op_type, [ref, indices, updates], attrs, name=scope).outputs[0]


def scatter_nd_update(ref, indices, updates, use_locking=True, name=None):
    """Set the slices of variable ``ref`` at ``indices`` to ``updates``; returns ``ref``."""
    return _scatter_nd_ref("ScatterNdUpdate", ref, indices, updates, use_locking, name)


def scatter_nd_add(ref, indices, updates, use_locking=False, name=None):
    """Add ``updates`` to the slices of ``ref`` at ``indices`` (repeats add up)."""
    return _scatter_nd_ref("ScatterNdAdd", ref, indices, updates, use_locking, name)


def scatter_nd_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtract ``updates`` from the slices of ``ref`` at ``indices``."""
    return _scatter_nd_ref("ScatterNdSub", ref, indices, updates, use_locking, name)
