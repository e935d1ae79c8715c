"""Tensors made from a shape and a value: ``fill``, ``zeros``/``ones`` (and ``_like``).

TF1 graph mode keeps small known tensors as constants (``tf.zeros([2, 3])`` is a ``Const``)
but builds a ``Fill`` op for large or unknown shapes, so GraphDefs stay small. None of
these ops has a gradient with respect to its shape.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> tf.zeros_like(x).op.type, tf.ones_like(x).op.type, tf.fill([2], 7.0).op.type
    ('ZerosLike', 'Fill', 'Fill')
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import unary
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import as_shape
from teachflow.ops import array_ops, constant_op
from teachflow.ops.array_ops import (
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
    shape_text,
)
from teachflow.ops.static_value import constant_value, constant_value_as_shape

__all__ = ["fill", "zeros", "ones", "zeros_like", "ones_like", "range"]


# -- fill --------------------------------------------------------------------------------------
def _infer_fill(op):
    dims, value = op.inputs
    check_index_dtype(op, 0, "index_type")
    check_rank(dims.shape, 1)
    check_rank(value.shape, 0)
    known = constant_value(dims)
    if known is not None and np.any(np.asarray(known) < 0):
        raise ValueError("Fill dimensions must be >= 0")
    out = constant_value_as_shape(dims)
    return [(value.dtype.base_dtype, out)]


def _fill_kernel(op, device):
    xp = device.xp
    dtype = op.outputs[0].dtype
    np_type = object if dtype is dtypes.string else dtype.as_numpy_dtype

    def fill_value(dims, value):
        if np.ndim(dims) != 1:
            raise invalid(f"dims must represent a vector, got shape {shape_text(np.shape(dims))}")
        if np.ndim(value) != 0:
            raise invalid(f"value must represent a scalar, got shape {shape_text(np.shape(value))}")
        sizes = int_list(dims)
        for d in sizes:
            if d < 0:
                raise invalid(f"Dimension {d} must be >= 0")
        if isinstance(value, np.ndarray):
            value = value[()]
        return as_output(xp.full(sizes, value, dtype=np_type))

    return fill_value


def _fill_grad(op, grad):
    # TF's _FillGrad: every output element came from the one scalar value.
    from teachflow.ops import math_ops

    axes = all_axes(grad)
    return [None, math_ops.make_op("Sum", [grad, axes], "Sum", {"keep_dims": False})]


def all_axes(t):
    """``range(rank(t))``: every axis, as a constant when the rank is known."""
    if t.shape.ndims is not None:
        return constant_op.constant(np.arange(t.shape.ndims, dtype=np.int32), name="range")
    return range(0, array_ops.rank(t), 1)


registry.register("Fill", _infer_fill, _fill_kernel, grad=_fill_grad)


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` with every element ``value``.

    >>> import teachflow as tf
    >>> tf.fill([2, 3], 9).dtype
    tf.int32
    """
    args = [(dims, "dims", None), (value, "value", None)]
    return apply_op("Fill", name, args, {"index_type": dtypes.int32}).outputs[0]


def _zero_of(dtype):
    if dtype is dtypes.bool_:
        return False
    if dtype is dtypes.string:
        return ""
    return 0


def _one_of(dtype):
    if dtype is dtypes.bool_:
        return True
    if dtype is dtypes.string:
        raise TypeError("Expected string, but got 1 of type 'int'.")
    return 1


def _filled(value, shape, dtype, scope):
    """TF's zeros/ones: a Const when small and known, else ``Fill`` (smaller GraphDefs)."""
    if not isinstance(shape, Tensor):
        try:
            static = as_shape(shape)
        except (TypeError, ValueError):
            static = None
        if static is not None and static.is_fully_defined():
            n = static.num_elements()
            if n < 1000:
                return constant_op.constant(value, dtype=dtype, shape=static.as_list(), name=scope)
            big = any(d >= 2**31 for d in static.as_list())
            shape = constant_op.constant(
                static.as_list(),
                dtype=dtypes.int64 if big else dtypes.int32,
                name="shape_as_tensor",
            )
        else:
            shape = convert_to_tensor(shape, dtype=dtypes.int32)
    if shape.shape.ndims == 0:
        shape = array_ops.reshape(shape, [-1])
    return fill(shape, constant_op.constant(value, dtype=dtype), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):  # noqa: A002
    """A tensor of ``shape`` with every element zero (``False``, ``b""``).

    >>> import teachflow as tf
    >>> tf.zeros([2, 3], tf.int32).op.type, tf.zeros([100, 100]).op.type
    ('Const', 'Fill')
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "zeros", [shape]) as scope:
        return _filled(_zero_of(dtype), shape, dtype, scope)


def ones(shape, dtype=dtypes.float32, name=None):  # noqa: A002
    """A tensor of ``shape`` with every element one (``True`` for bool)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "ones", [shape]) as scope:
        return _filled(_one_of(dtype), shape, dtype, scope)


def _like_kernel(fill_value):
    def make(op, device):
        xp = device.xp
        dtype = op.outputs[0].dtype
        value = fill_value(dtype)
        np_type = object if dtype is dtypes.string else dtype.as_numpy_dtype
        if value == "":
            value = b""

        def like(x):
            return as_output(xp.full(np.shape(x), value, dtype=np_type))

        return like

    return make


registry.register("ZerosLike", unary, _like_kernel(_zero_of))
registry.register("OnesLike", unary, _like_kernel(_one_of))
registry.NotDifferentiable("ZerosLike")
registry.NotDifferentiable("OnesLike")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape of ``tensor`` (a constant when that shape is fully known).

    >>> import teachflow as tf
    >>> tf.zeros_like(tf.placeholder(tf.float32, [None])).op.type
    'ZerosLike'
    """
    with name_scope(name, "zeros_like", [tensor]) as scope:
        t = convert_to_tensor(tensor, name="tensor")
        target = dtypes.as_dtype(dtype).base_dtype if dtype is not None else t.dtype.base_dtype
        if optimize and t.shape.is_fully_defined():
            return zeros(t.shape.as_list(), dtype=target, name=scope)
        if target is not t.dtype.base_dtype:
            return zeros(array_ops.shape(t), dtype=target, name=scope)
        return t.graph.create_op("ZerosLike", [t], {"T": target}, name=scope).outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape of ``tensor``: ``Fill(Shape(tensor), 1)``."""
    with name_scope(name, "ones_like", [tensor]) as scope:
        t = convert_to_tensor(tensor, name="tensor")
        target = dtypes.as_dtype(dtype).base_dtype if dtype is not None else t.dtype.base_dtype
        ones_shape = array_ops.shape(t) if optimize else _shape_op(t)
        result = ones(ones_shape, dtype=target, name=scope)
        result.set_shape(t.shape)
        return result


def _shape_op(t):
    return t.graph.create_op("Shape", [t], {"out_type": dtypes.int32}, name="Shape").outputs[0]


# -- range --------------------------------------------------------------------------------------
_RANGE_DTYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _range_size(start, limit, delta, is_int):
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if is_int:
        return (abs(limit - start) + abs(delta) - 1) // abs(delta)
    return int(np.ceil(abs((limit - start) / delta)))


def _infer_range(op):
    dt = op.inputs[0].dtype.base_dtype
    for t, arg in zip(op.inputs, ("start", "limit", "delta")):
        check_rank(t.shape, 0)
        if t.dtype.base_dtype is not dt:
            raise TypeError(
                f"Input '{arg}' of 'Range' Op has type {t.dtype.base_dtype.name} that does not "
                f"match type {dt.name} of argument 'start'."
            )
    values = [constant_value(t) for t in op.inputs]
    if any(v is None for v in values):
        return [(dt, as_shape([None]))]
    start, limit, delta = (v.item() for v in values)
    return [(dt, as_shape([_range_size(start, limit, delta, dt.is_integer)]))]


def _range_kernel(op, device):
    dt = op.outputs[0].dtype
    np_type = dt.as_numpy_dtype
    xp = device.xp

    def range_value(start, limit, delta):
        start, limit, delta = start.item(), limit.item(), delta.item()
        try:
            n = _range_size(start, limit, delta, dt.is_integer)
        except ValueError as e:
            raise invalid(str(e)) from None
        return (
            xp.asarray(start + delta * np.arange(n), dtype=np_type) if n else xp.zeros(0, np_type)
        )

    return range_value


registry.register("Range", _infer_range, _range_kernel, not_differentiable=True)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """The sequence ``start, start + delta, ...`` up to but excluding ``limit``.

    ``tf.range(5)`` counts from 0. The dtype is the widest of the arguments' (int32 by
    default, floats when any argument is a float) unless ``dtype`` is given.

        >>> import teachflow as tf
        >>> tf.range(5).shape, tf.range(1, 2.0, 0.5).dtype
        (TensorShape([2]), tf.float32)
    """
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        target = dtypes.as_dtype(dtype).base_dtype if dtype is not None else None
        tensors = [
            _range_arg(v, target, arg)
            for v, arg in zip((start, limit, delta), ("start", "limit", "delta"))
        ]
        if target is None:
            rank_of = {d: i for i, d in enumerate(_RANGE_DTYPES)}
            target = max((t.dtype.base_dtype for t in tensors), key=lambda d: rank_of.get(d, 0))
        from teachflow.ops import math_ops

        tensors = [math_ops.cast(t, target) for t in tensors]
        return tensors[0].graph.create_op("Range", tensors, {"Tidx": target}, name=scope).outputs[0]


def _range_arg(value, dtype, arg):
    if dtype is not None and not isinstance(value, Tensor):
        try:
            return convert_to_tensor(value, dtype=dtype, name=arg)
        except (TypeError, ValueError):
            pass
    return convert_to_tensor(value, name=arg)
