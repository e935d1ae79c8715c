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
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops import constant_op, reshaping, shape_ops
from teachflow.ops.allocation import check_output
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
    shape_text,
)
from teachflow.ops.static_value import constant_value, constant_value_as_shape

__all__ = [
    "fill",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "range",
    "lin_space",
    "linspace",
    "one_hot",
    "eye",
]


# -- fill --------------------------------------------------------------------------------------
def _infer_fill(op):
    dims, value = op.inputs
    # index_type is the dims' dtype (int32 or int64), as TF's wrapper infers it.
    op._attrs["index_type"] = check_index_dtype(op, 0, "index_type")
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
        check_output(device, sizes, np_type)
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
    return range(0, shape_ops.rank(t), 1)


registry.register("Fill", _infer_fill, _fill_kernel, grad=_fill_grad)


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` with every element ``value``.

    >>> import teachflow as tf
    >>> tf.fill([2, 3], 9).dtype
    tf.int32
    """
    args = [(dims, "dims", INDEX), (value, "value", None)]
    return apply_op("Fill", name, args).outputs[0]


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
        shape = reshaping.reshape(shape, [-1])
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
            return zeros(shape_ops.shape(t), dtype=target, name=scope)
        return t.graph.create_op("ZerosLike", [t], {"T": target}, name=scope).outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape of ``tensor``: ``Fill(Shape(tensor), 1)``."""
    with name_scope(name, "ones_like", [tensor]) as scope:
        t = convert_to_tensor(tensor, name="tensor")
        target = dtypes.as_dtype(dtype).base_dtype if dtype is not None else t.dtype.base_dtype
        if optimize and t.shape.is_fully_defined():
            # TF 2.21's shape_internal gives the known shape as a TensorShape, converted
            # inside its own "Shape" scope: ``ones_like/Shape/shape_as_tensor``.
            with name_scope(None, "Shape"):
                dims = t.shape.as_list()
                ones_shape = constant_op.constant(dims, dtypes.int32, name="shape_as_tensor")
        else:
            ones_shape = shape_ops.shape(t) if optimize else _shape_op(t)
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
        check_output(device, [n], np_type)
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
        (TensorShape([Dimension(5)]), tf.float32)
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


# -- linspace -----------------------------------------------------------------------------------
def _infer_lin_space(op):
    start, stop, num = op.inputs
    dt = start.dtype.base_dtype
    if not dt.is_floating:
        raise TypeError(
            f"Value passed to parameter 'start' has DataType {dt.name} not in list of allowed "
            "values: float16, float32, float64"
        )
    if stop.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'stop' of 'LinSpace' Op has type {stop.dtype.base_dtype.name} that does not "
            f"match type {dt.name} of argument 'start'."
        )
    check_index_dtype(op, 2, "Tidx")
    for t in op.inputs:
        check_rank(t.shape, 0)
    n = constant_value(num)
    if n is not None and int(n) <= 0:
        raise ValueError(f"Requires num > 0: {int(n)}")
    return [(dt, as_shape([None if n is None else int(n)]))]


def _lin_space_kernel(op, device):
    np_type = op.outputs[0].dtype.as_numpy_dtype
    xp = device.xp

    def lin_space_value(start, stop, num):
        for arg, v in (("start", start), ("stop", stop), ("num", num)):
            if np.ndim(v) != 0:
                raise invalid(f"{arg} must be a scalar, not shape {shape_text(np.shape(v))}")
        n = int(num)
        if n <= 0:
            raise invalid(f"Requires num > 0: {n}")
        check_output(device, [n], np_type)
        return xp.linspace(start, stop, n).astype(np_type, copy=False)

    return lin_space_value


registry.register("LinSpace", _infer_lin_space, _lin_space_kernel, not_differentiable=True)


def lin_space(start, stop, num, name=None):
    """``num`` evenly spaced values from ``start`` to ``stop``, both included.

    This is the one ``LinSpace`` op (TF's ``gen_math_ops.lin_space``); ``tf.linspace`` in
    TF 2.21's graph mode is the composite of ordinary ops in `linspace_ops`.

        >>> import teachflow as tf
        >>> tf.linspace(0.0, 1.0, 5).shape
        TensorShape([Dimension(5)])
    """
    with name_scope(name, "LinSpace", [start, stop, num]) as scope:
        start_t = convert_to_tensor(start, name="start")
        args = [
            (start_t, "start", None),
            (stop, "stop", start_t.dtype.base_dtype),
            (num, "num", INDEX),
        ]
        return apply_op("LinSpace", scope, args).outputs[0]


linspace = lin_space


# -- one_hot, eye -------------------------------------------------------------------------------
def _infer_one_hot(op):
    indices, depth, on_value, off_value = op.inputs
    check_index_dtype(op, 0, "TI", (dtypes.uint8, dtypes.int32, dtypes.int64))
    check_rank(depth.shape, 0)
    check_rank(on_value.shape, 0)
    check_rank(off_value.shape, 0)
    dt = on_value.dtype.base_dtype
    if off_value.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'off_value' of 'OneHot' Op has type {off_value.dtype.base_dtype.name} that "
            f"does not match type {dt.name} of argument 'on_value'."
        )
    n = constant_value(depth)
    if n is not None and int(n) < 0:
        raise ValueError(f"depth must be non-negative, got: {int(n)}")
    if indices.shape.ndims is None:
        return [(dt, TensorShape(None))]
    dims = indices.shape.as_list()
    axis = op._attrs["axis"]
    if not -1 <= axis <= len(dims):
        return [(dt, TensorShape([None] * (len(dims) + 1)))]
    dims.insert(len(dims) if axis == -1 else axis, None if n is None else int(n))
    return [(dt, TensorShape(dims))]


def _one_hot_kernel(op, device):
    axis = op._attrs["axis"]
    np_type = op.outputs[0].dtype.as_numpy_dtype
    xp = device.xp

    def one_hot_value(indices, depth, on_value, off_value):
        idx = xp.asarray(indices)
        n = int(depth)
        if n < 0:
            raise invalid(f"depth must be non-negative, got: {n}")
        if not -1 <= axis <= idx.ndim:
            raise invalid(
                f"Expected axis to be -1 or between [0, {idx.ndim + 1}).  But received: {axis}"
            )
        check_output(device, (*idx.shape, n), np_type)
        # Out-of-range (and negative) indices give a row of off_value, as in TF.
        hot = idx[..., None] == xp.arange(n)
        out = xp.where(hot, on_value, off_value).astype(np_type, copy=False)
        if axis not in (-1, idx.ndim):
            out = xp.moveaxis(out, -1, axis)
        return as_output(out)

    return one_hot_value


registry.register("OneHot", _infer_one_hot, _one_hot_kernel, not_differentiable=True)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Rows of ``off_value`` with ``on_value`` at position ``indices[...]`` along ``axis``.

        >>> import teachflow as tf
        >>> tf.one_hot([0, 2], 3).shape, tf.one_hot([0, 2], 3, on_value=5).dtype
        (TensorShape([Dimension(2), Dimension(3)]), tf.int32)

    The dtype comes from ``on_value``/``off_value`` when given (they must agree with
    each other and with ``dtype``), else ``dtype`` or float32.
    """
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else None
        on = _hinted(on_value, dtype)
        off = _hinted(off_value, dtype)
        given = [t.dtype.base_dtype for t in (on, off) if t is not None]
        if given:
            if dtype is not None:
                for t, which in ((on, "on_value"), (off, "off_value")):
                    if t is not None and t.dtype.base_dtype is not dtype:
                        raise TypeError(
                            f"dtype {t.dtype.base_dtype} of {which} does not match dtype "
                            f"parameter {dtype}"
                        )
            dtype = given[0]
            if (
                on is not None
                and off is not None
                and on.dtype.base_dtype is not off.dtype.base_dtype
            ):
                raise TypeError(
                    f"dtype {on.dtype.base_dtype} of on_value does not match dtype "
                    f"{off.dtype.base_dtype} of off_value"
                )
        elif dtype is None:
            dtype = dtypes.float32
        if on is None:
            on = convert_to_tensor(_one_of(dtype), dtype=dtype, name="on_value")
        if off is None:
            off = convert_to_tensor(_zero_of(dtype), dtype=dtype, name="off_value")
        args = [(indices, "indices", INDEX), (depth, "depth", dtypes.int32), (on, "on_value", None)]
        args.append((off, "off_value", None))
        attrs = {"axis": -1 if axis is None else int(axis), "T": dtype}
        return apply_op("OneHot", scope, args, attrs).outputs[0]


def _hinted(value, dtype):
    if value is None:
        return None
    if isinstance(value, Tensor) or dtype is None:
        return convert_to_tensor(value)
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """The identity matrix (or a batch of them): ones on the diagonal, zeros elsewhere.

    Built as TensorFlow builds it: ``MatrixDiag`` of ones for a square matrix,
    ``MatrixSetDiag`` of ones into zeros for a rectangular one.

        >>> import teachflow as tf
        >>> tf.eye(2, 3, batch_shape=[4]).shape
        TensorShape([Dimension(4), Dimension(2), Dimension(3)])
    """
    from teachflow.ops import joining
    from teachflow.ops.arithmetic_ops import minimum
    from teachflow.ops.diag_ops import matrix_diag, matrix_set_diag

    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "eye", [num_rows, num_columns, batch_shape]):
        is_square = num_columns is None
        batch_shape = [] if batch_shape is None else batch_shape
        num_columns = num_rows if num_columns is None else num_columns
        if isinstance(num_rows, Tensor) or isinstance(num_columns, Tensor):
            diag_size = minimum(num_rows, num_columns)
        else:
            if not all(isinstance(n, (int, np.integer)) for n in (num_rows, num_columns)):
                raise TypeError(
                    "Arguments `num_rows` and `num_columns` must be positive integer values. "
                    f"Received: num_rows={num_rows}, num_columns={num_columns}"
                )
            is_square = num_rows == num_columns
            diag_size = min(num_rows, num_columns)
        if isinstance(batch_shape, Tensor) or isinstance(diag_size, Tensor):
            batch_shape = convert_to_tensor(batch_shape, name="shape", dtype=dtypes.int32)
            diag_shape = joining.concat((batch_shape, [diag_size]), axis=0)
            if not is_square:
                shape = joining.concat((batch_shape, [num_rows, num_columns]), axis=0)
        else:
            batch_shape = [int(d) for d in batch_shape]
            diag_shape = batch_shape + [diag_size]
            if not is_square:
                shape = batch_shape + [num_rows, num_columns]
        diag_ones = ones(diag_shape, dtype=dtype)
        if is_square:
            return matrix_diag(diag_ones)
        return matrix_set_diag(zeros(shape, dtype=dtype), diag_ones)
