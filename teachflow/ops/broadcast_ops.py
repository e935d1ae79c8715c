"""Shapes by broadcasting: ``tf.broadcast_static_shape`` (while building),
``tf.broadcast_dynamic_shape`` (``BroadcastArgs``, at run time), and ``tf.meshgrid``, the
coordinate grids numpy's ``meshgrid`` makes, built as TensorFlow builds them (reshape each
vector to its own axis, multiply by ones).

    >>> import teachflow as tf
    >>> X, Y = tf.meshgrid([1, 2, 3], [4, 5])
    >>> with tf.Session() as sess:
    ...     print(sess.run(X).tolist(), sess.run(Y).tolist())
    [[1, 2, 3], [1, 2, 3]] [[4, 4, 4], [5, 5, 5]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape, broadcast_shapes
from teachflow.ops.array_ops import INDEX_DTYPES, apply_op, invalid, to_host
from teachflow.ops.elementwise import check_allowed

__all__ = ["broadcast_static_shape", "broadcast_dynamic_shape", "meshgrid"]


def broadcast_static_shape(shape_x, shape_y) -> TensorShape:
    """The broadcast of two static shapes; ValueError when they are incompatible."""
    x, y = as_shape(shape_x), as_shape(shape_y)
    try:
        return broadcast_shapes(x, y)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: {x} and {y}") from None


def _infer_broadcast_args(op):
    s0, s1 = op.inputs
    dt = check_allowed(s0, INDEX_DTYPES, "s0")
    n0 = s0.shape.as_list()[0] if s0.shape.ndims == 1 else None
    n1 = s1.shape.as_list()[0] if s1.shape.ndims == 1 else None
    return [(dt, TensorShape([None if n0 is None or n1 is None else max(n0, n1)]))]


def _broadcast_args_kernel(op, device):
    def broadcast_args(s0, s1):
        a, b = np.asarray(to_host(s0)), np.asarray(to_host(s1))
        try:
            out = np.broadcast_shapes(tuple(int(d) for d in a), tuple(int(d) for d in b))
        except ValueError:
            raise invalid(
                f"Incompatible shapes: [{','.join(map(str, a))}] vs. [{','.join(map(str, b))}]"
            ) from None
        return np.asarray(out, a.dtype)

    return broadcast_args


registry.register(
    "BroadcastArgs", _infer_broadcast_args, _broadcast_args_kernel, not_differentiable=True
)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two shapes given as 1-D integer tensors (``BroadcastArgs``)."""
    s0 = convert_to_tensor(shape_x, name="s0")
    args = [(s0, "s0", None), (shape_y, "s1", s0.dtype.base_dtype)]
    return apply_op("BroadcastArgs", None, args, {"T": s0.dtype.base_dtype}).outputs[0]


def meshgrid(*args, **kwargs):
    """Coordinate grids from N vectors: ``indexing="xy"`` (default, Cartesian: the first
    two outputs have shape ``[len(y), len(x), ...]``) or ``"ij"`` (matrix indexing)."""
    from teachflow.ops.array_ops import size
    from teachflow.ops.filling import ones
    from teachflow.ops.joining import stack
    from teachflow.ops.reshaping import reshape

    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = next(iter(kwargs))
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(
            f"Argument `indexing` parameter must be either 'xy' or 'ij', got '{indexing}'"
        )
    with name_scope(name, "meshgrid", args):
        ndim = len(args)
        s0 = (1,) * ndim
        if not ndim:
            return []
        output = [reshape(stack(x), s0[:i] + (-1,) + s0[i + 1 :]) for i, x in enumerate(args)]
        shapes = [size(x) for x in args]
        dtype = convert_to_tensor(args[0]).dtype.base_dtype
        if indexing == "xy" and ndim > 1:
            output[0] = reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        mult_fact = ones(stack(shapes), dtype)
        return [x * mult_fact for x in output]  # the operator: ops named "mul", as in TF
