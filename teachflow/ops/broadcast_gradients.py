"""Summing a broadcasting binary op's gradient back to each input's shape, as TensorFlow 2.21's
``math_grad.py`` does it (``SmartBroadcastGradientArgs`` and ``_ReduceGradientArgs``).

``x + y`` with ``x`` of shape ``[2, 3]`` and ``y`` of shape ``[3]`` sends the ``[2, 3]``
gradient to both; ``y``'s share must be summed over axis 0. When both static shapes are
known (no ``None`` where it decides a broadcast), the axes are Python lists and the graph
holds only ``Shape``/``Shape_1`` constants, ``Sum`` (with ``Sum/reduction_indices``) and a
``Reshape``; otherwise a ``BroadcastGradientArgs`` op computes them from the runtime shapes.
An input that was not broadcast gets its gradient untouched.

    >>> import teachflow.compat.v1 as tf
    >>> x = tf.placeholder(tf.float32, [2, 3], name="x")
    >>> y = tf.placeholder(tf.float32, [3], name="y")
    >>> _, gy = tf.gradients(x + y, [x, y])
    >>> gy.op.type, gy.op.inputs[0].op.inputs[1].op.name
    ('Reshape', 'gradients/add_grad/Sum/reduction_indices')
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor


@dataclass(slots=True)
class BroadcastReduction:
    """What one input's gradient needs: its ``shape`` (a tensor), the ``axes`` to sum (a list
    when known statically, else a ``BroadcastGradientArgs`` output) and whether to sum."""

    shape: Tensor
    axes: list | Tensor
    must_reduce: bool


def infer_reduction_axes(x_shape, y_shape):
    """The axes along which ``x`` and ``y`` were broadcast, from their static shapes, or
    ``(None, None)`` where only the runtime shapes can tell (TF's
    ``_InferGradientReductionAxes``)."""
    if x_shape.ndims is None or y_shape.ndims is None:
        return None, None
    x_dims, y_dims = x_shape.as_list(), y_shape.as_list()
    rank = max(len(x_dims), len(y_dims))
    x_dims = [1] * (rank - len(x_dims)) + x_dims
    y_dims = [1] * (rank - len(y_dims)) + y_dims
    x_axes, y_axes = [], []
    for axis, (x_dim, y_dim) in enumerate(zip(x_dims, y_dims)):
        if x_dim == 1 and y_dim != 1:
            x_axes.append(axis)
        elif y_dim == 1 and x_dim != 1:
            y_axes.append(axis)
        elif x_dim is None or y_dim is None:
            return None, None
    return x_axes, y_axes


def smart_broadcast_gradient_args(x, y):
    """One :class:`BroadcastReduction` per input of a broadcasting binary op ``f(x, y)``."""
    from teachflow.ops import array_ops

    x_shape, y_shape = array_ops.shape(x), array_ops.shape(y)
    x_axes, y_axes = infer_reduction_axes(x.shape, y.shape)
    if x_axes is None or y_axes is None:
        args = x.graph.create_op(
            "BroadcastGradientArgs", [x_shape, y_shape], {"T": dtypes.int32}
        ).outputs
        return BroadcastReduction(x_shape, args[0], True), BroadcastReduction(
            y_shape, args[1], True
        )
    # A lower-rank input was broadcast even when no axis of its own was stretched.
    x_must = bool(x_axes) or x.shape.ndims < y.shape.ndims
    y_must = bool(y_axes) or y.shape.ndims < x.shape.ndims
    return BroadcastReduction(x_shape, x_axes, x_must), BroadcastReduction(y_shape, y_axes, y_must)


def reduce_gradient_arg(grad, reduction: BroadcastReduction):
    """``grad`` summed over ``reduction.axes`` (kept as size 1) and reshaped to the input's
    shape, when the input was broadcast."""
    if grad is None or not reduction.must_reduce:
        return grad
    from teachflow.ops import array_ops, math_ops

    summed = math_ops.reduce_sum(grad, reduction.axes, keepdims=True)
    return array_ops.reshape(summed, reduction.shape)


def reduce_gradient_args(x, y, gx, gy):
    """``[gx, gy]``, each summed back to the shape of its input ``x`` or ``y``."""
    if gx is not None or gy is not None:
        bx, by = smart_broadcast_gradient_args(x, y)
        gx, gy = reduce_gradient_arg(gx, bx), reduce_gradient_arg(gy, by)
    return [gx, gy]


def plain_broadcast_gradient_args(x, y):
    """``(shape(x), shape(y), rx, ry)`` with ``rx, ry`` from a ``BroadcastGradientArgs`` op
    even where the shapes are static: the form the gradients of ``Xlog1py`` and
    ``NextAfter`` still build in TF 2.21 (``reshape(reduce_sum(g, rx), sx)`` each)."""
    from teachflow.ops import array_ops

    sx, sy = array_ops.shape(x), array_ops.shape(y)
    args = sx.graph.create_op(
        "BroadcastGradientArgs", [sx, sy], {"T": dtypes.int32}, name="BroadcastGradientArgs"
    )
    return sx, sy, args.outputs[0], args.outputs[1]
