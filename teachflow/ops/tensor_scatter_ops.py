"""Scattering into a copy: ``tf.tensor_scatter_nd_update`` and its arithmetic kin (``_add``,
``_sub``, ``_min``, ``_max``), TF's functional twins of the ``scatter_nd_*`` variable ops.

The result is ``tensor`` with the slices at the coordinates ``indices[..., :]`` replaced by (or
combined with) ``updates``, whose shape is ``indices.shape[:-1] + tensor.shape[depth:]``.
Repeated coordinates combine one after another (numpy's unbuffered ``ufunc.at``, as TF's CPU
kernels loop); for ``_update`` the last one wins. The TF 1 names ``tf.tensor_scatter_update``,
``tf.tensor_scatter_add`` and ``tf.tensor_scatter_sub`` build the same ops.

    >>> import teachflow as tf
    >>> t = tf.constant([1.0, 2.0, 3.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.tensor_scatter_nd_add(t, [[0], [0], [2]], [5.0, 1.0, 1.0])).tolist())
    [7.0, 2.0, 4.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.ops.gathering import _coordinates, gather_nd, scatter_nd
from teachflow.ops.op_builder import INDEX, apply_op, as_output, check_index_dtype, to_host

__all__ = [
    "tensor_scatter_nd_update",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_min",
    "tensor_scatter_nd_max",
    "tensor_scatter_update",
    "tensor_scatter_add",
    "tensor_scatter_sub",
]

# How each op combines the slice it finds with its update (None: replace).
_COMBINE = {
    "TensorScatterUpdate": None,
    "TensorScatterAdd": np.add,
    "TensorScatterSub": np.subtract,
    "TensorScatterMin": np.minimum,
    "TensorScatterMax": np.maximum,
}


def _infer_tensor_scatter(op):
    tensor, _, updates = op.inputs
    check_index_dtype(op, 1, "Tindices")
    if updates.dtype.base_dtype is not tensor.dtype.base_dtype:
        raise TypeError(
            f"Input 'updates' of '{op.type}' Op has type {updates.dtype.base_dtype.name} that "
            f"does not match type {tensor.dtype.base_dtype.name} of argument 'tensor'."
        )
    return [(tensor.dtype.base_dtype, tensor.shape)]


def _tensor_scatter_kernel(op, device):
    xp = device.xp
    combine = _COMBINE[op.type]

    def tensor_scatter(tensor, indices, updates):
        result = np.array(to_host(tensor), copy=True)
        idx = np.asarray(to_host(indices))
        coords = _coordinates(idx, result.shape, "shape")
        rows = np.broadcast_to(
            np.asarray(to_host(updates)), idx.shape[:-1] + result.shape[idx.shape[-1] :]
        )
        if combine is None:
            result[coords] = rows
        else:
            combine.at(result, coords, rows)
        return as_output(result if xp is np else xp.asarray(result))

    return tensor_scatter


def _update_grad(op, grad):
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.identity_ops import identity

    indices = op.inputs[1]
    updates_grad = gather_nd(grad, indices)
    tensor_grad = tensor_scatter_nd_update(
        identity(grad), indices, zeros_like(op.inputs[2], dtype=grad.dtype)
    )
    return [tensor_grad, None, updates_grad]


def _add_grad(op, grad):
    from teachflow.ops.identity_ops import identity

    updates_grad = gather_nd(grad, op.inputs[1])
    return [identity(grad), None, updates_grad]


def _sub_grad(op, grad):
    from teachflow.ops.arithmetic_ops import negative
    from teachflow.ops.identity_ops import identity

    updates_grad = gather_nd(grad, op.inputs[1])
    return [identity(grad), None, negative(updates_grad)]


def _min_or_max_grad(op, grad):
    # TF's split: a tie between the tensor's element and updates shares the gradient.
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.shape_ops import shape

    x, indices, y = op.inputs
    output = op.outputs[0]
    x_indicators = cast(equal(x, output), grad.dtype)
    y_indicators = cast(equal(y, gather_nd(output, indices)), grad.dtype)
    ys_indicators = scatter_nd(indices, y_indicators, shape(x, out_type=indices.dtype))
    indicators = x_indicators + ys_indicators
    x_grad = grad * x_indicators / indicators
    y_grad = gather_nd(grad / indicators, indices) * y_indicators
    return [x_grad, None, y_grad]


_GRADS = {
    "TensorScatterUpdate": _update_grad,
    "TensorScatterAdd": _add_grad,
    "TensorScatterSub": _sub_grad,
    "TensorScatterMin": _min_or_max_grad,
    "TensorScatterMax": _min_or_max_grad,
}
for _type, _grad in _GRADS.items():
    registry.register(_type, _infer_tensor_scatter, _tensor_scatter_kernel, grad=_grad)


def _tensor_scatter(op_type, tensor, indices, updates, name):
    args = [(tensor, "tensor", None), (indices, "indices", INDEX), (updates, "updates", None)]
    return apply_op(op_type, name, args).outputs[0]


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """``tensor`` with the slices at ``indices`` replaced by ``updates``."""
    return _tensor_scatter("TensorScatterUpdate", tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` added at ``indices`` (repeated coordinates add up)."""
    return _tensor_scatter("TensorScatterAdd", tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` subtracted at ``indices``."""
    return _tensor_scatter("TensorScatterSub", tensor, indices, updates, name)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """``tensor`` with each slice at ``indices`` the minimum of itself and ``updates``."""
    return _tensor_scatter("TensorScatterMin", tensor, indices, updates, name)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """``tensor`` with each slice at ``indices`` the maximum of itself and ``updates``."""
    return _tensor_scatter("TensorScatterMax", tensor, indices, updates, name)


# The TF 1 names of the same ops.
tensor_scatter_update = tensor_scatter_nd_update
tensor_scatter_add = tensor_scatter_nd_add
tensor_scatter_sub = tensor_scatter_nd_sub
