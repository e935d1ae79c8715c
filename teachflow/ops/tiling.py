"""Repeating a tensor: ``tile`` (whole copies) and ``broadcast_to`` (stretching size-1
dimensions without copying in TensorFlow; numpy broadcasting here).

The gradient of a repetition sums the incoming gradient over the copies.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> tf.tile(x, [2, 2]).shape, tf.broadcast_to(tf.zeros([3]), [4, 3]).shape
    (TensorShape([Dimension(None), Dimension(6)]), TensorShape([Dimension(4), Dimension(3)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import reshaping, shape_ops
from teachflow.ops.allocation import check_output
from teachflow.ops.joining import stack
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
)
from teachflow.ops.static_value import constant_value_as_shape

__all__ = ["tile", "broadcast_to"]


# -- tile -----------------------------------------------------------------------------------------
def _infer_tile(op):
    x, multiples = op.inputs
    check_index_dtype(op, 1, "Tmultiples")
    check_rank(multiples.shape, 1)
    dt = x.dtype.base_dtype
    rank = x.shape.ndims
    if rank is None and multiples.shape.ndims == 1:
        rank = dimension_value(multiples.shape[0])
    if rank is None:
        return [(dt, TensorShape(None))]
    if multiples.shape.ndims == 1 and dimension_value(multiples.shape[0]) not in (None, rank):
        raise ValueError(
            f"Shape must be rank {rank} but is rank {dimension_value(multiples.shape[0])}"
        )
    times = constant_value_as_shape(multiples)
    times = times.as_list() if times.ndims == rank else [None] * rank
    in_dims = x.shape.as_list() if x.shape.ndims is not None else [None] * rank
    out = [None if d is None or m is None else d * m for d, m in zip(in_dims, times)]
    return [(dt, TensorShape(out))]


def _tile_kernel(op, device):
    xp = device.xp

    def tile_value(x, multiples):
        times = int_list(multiples)
        rank = np.ndim(x)
        if np.ndim(multiples) != 1 or len(times) != rank:
            raise invalid(
                "Expected multiples argument to be a vector of length "
                f"{rank} but got length {len(times)}"
            )
        for i, m in enumerate(times):
            if m < 0:
                raise invalid(f"Expected multiples[{i}] >= 0, but got {m}")
        x = xp.asarray(x)
        check_output(device, [d * m for d, m in zip(x.shape, times)], x.dtype)
        return as_output(xp.tile(x, times))

    return tile_value


def _tile_grad(op, grad):
    # Reshape the gradient to [m0, d0, m1, d1, ...] and sum over the multiples' axes.
    from teachflow.ops import filling, math_ops

    multiples = op.inputs[1]
    input_shape = shape_ops.shape(op.inputs[0], out_type=multiples.dtype.base_dtype)
    split_shape = reshaping.reshape(reshaping.transpose(stack([multiples, input_shape])), [-1])
    axes = filling.range(0, shape_ops.size(split_shape), 2)
    summed = math_ops.make_op(
        "Sum", [reshaping.reshape(grad, split_shape), axes], "Sum", {"keep_dims": False}
    )
    summed.set_shape(op.inputs[0].shape)
    return [summed, None]


registry.register("Tile", _infer_tile, _tile_kernel, grad=_tile_grad)


def tile(input, multiples, name=None):  # noqa: A002
    """``input`` repeated ``multiples[i]`` times along each dimension ``i``.

    >>> import teachflow as tf
    >>> tf.tile(tf.zeros([2, 3]), [2, 1]).shape
    TensorShape([Dimension(4), Dimension(3)])
    """
    args = [(input, "input", None), (multiples, "multiples", INDEX)]
    return apply_op("Tile", name, args).outputs[0]


# -- broadcast_to -------------------------------------------------------------------------------
def _infer_broadcast_to(op):
    x, shape_t = op.inputs
    check_index_dtype(op, 1, "Tidx")
    check_rank(shape_t.shape, 1)
    target = constant_value_as_shape(shape_t)
    dt = x.dtype.base_dtype
    if target.ndims is None:
        return [(dt, TensorShape(None))]
    if x.shape.ndims is None:
        return [(dt, target)]
    if x.shape.ndims > target.ndims:
        raise ValueError(f"Shape must be at most rank {target.ndims} but is rank {x.shape.ndims}")
    out = target.as_list()
    offset = target.ndims - x.shape.ndims
    for i, d in enumerate(x.shape.as_list()):
        t = out[offset + i]
        if d is None or d == 1:
            continue
        if t is None:
            out[offset + i] = d
        elif t != d:
            raise ValueError(f"Dimensions must be equal, but are {d} and {t}")
    return [(dt, TensorShape(out))]


def _broadcast_to_kernel(op, device):
    xp = device.xp

    def broadcast_to_value(x, shape):
        x = xp.asarray(x)
        dims = int_list(shape)
        check_output(device, dims, x.dtype)
        try:
            # A copy: numpy's broadcast view is read-only and shares memory.
            return as_output(xp.array(xp.broadcast_to(x, dims)))
        except ValueError:
            raise invalid(
                f"Incompatible shapes: [{','.join(map(str, x.shape))}] vs. "
                f"[{','.join(map(str, dims))}]"
            ) from None

    return broadcast_to_value


def _broadcast_to_grad(op, grad):
    # Sum over the broadcast dimensions, as the gradient of a broadcasting add does.
    from teachflow.ops import math_ops

    return [math_ops.reduce_to_shape(grad, op.inputs[0]), None]


registry.register("BroadcastTo", _infer_broadcast_to, _broadcast_to_kernel, grad=_broadcast_to_grad)


def broadcast_to(input, shape, name=None):  # noqa: A002
    """``input`` broadcast (NumPy rules) to ``shape``.

    >>> import teachflow as tf
    >>> tf.broadcast_to(tf.zeros([3]), [2, 3]).shape
    TensorShape([Dimension(2), Dimension(3)])
    """
    args = [(input, "input", None), (shape, "shape", INDEX)]
    return apply_op("BroadcastTo", name, args).outputs[0]
