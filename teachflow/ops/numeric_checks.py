"""Checks on values and dtypes: ``tf.debugging.assert_near``, ``is_non_decreasing``,
``is_strictly_increasing``, ``is_numeric_tensor``, ``assert_same_float_dtype`` and
``assert_proper_iterable``, as TensorFlow builds them.

``assert_near`` fails unless ``|x - y| < atol + rtol * |y|`` everywhere (both tolerances
default to ten times the dtype's epsilon). The monotonic predicates compare each element
with the one before it, inside a ``cond`` so that fewer than two elements count as sorted.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.debugging.is_non_decreasing([1, 2, 2])),
    ...           sess.run(tf.debugging.is_strictly_increasing([1, 2, 2])))
    True False
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.check_ops import Assert, _message_prefix

__all__ = [
    "assert_near",
    "assert_proper_iterable",
    "assert_same_float_dtype",
    "is_non_decreasing",
    "is_numeric_tensor",
    "is_strictly_increasing",
]

NUMERIC_TYPES = frozenset(
    dtypes.as_dtype(name)
    for name in (
        "float16 float32 float64 bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 "
        "complex64 complex128 qint8 qint16 qint32 quint8 quint16"
    ).split()
    if hasattr(dtypes, name)
)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """An Assert op that fails unless ``|x - y| < atol + rtol * |y|`` element-wise."""
    from teachflow.ops.comparison_ops import less
    from teachflow.ops.reduction_ops import reduce_all
    from teachflow.ops.unary_ops import abs as abs_

    message = _message_prefix(message)
    with name_scope(name, "assert_near", [x, y, rtol, atol, data]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        dtype = x.dtype.base_dtype
        if dtype.is_complex:
            dtype = dtype.real_dtype
        eps = np.finfo(dtype.as_numpy_dtype).eps
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=dtype)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=dtype)
        if data is None:
            data = [
                message,
                f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                f"x ({x.name}) = ",
                x,
                f"y ({y.name}) = ",
                y,
            ]
        tol = atol + rtol * abs_(y)
        diff = abs_(x - y)
        return Assert(reduce_all(less(diff, tol)), data, summarize=summarize)


def is_numeric_tensor(tensor):
    """True for a Tensor of a numeric dtype (not bool or string)."""
    return isinstance(tensor, Tensor) and tensor.dtype.base_dtype in NUMERIC_TYPES


def _monotonic(x, compare):
    from teachflow.ops.comparison_ops import less
    from teachflow.ops.constant_op import constant
    from teachflow.ops.control_flow_cond import cond
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.shape_ops import shape, size
    from teachflow.ops.slicing import strided_slice

    x = reshape(convert_to_tensor(x, name="x"), [-1])
    if not is_numeric_tensor(x):
        raise TypeError(f"Expected x to be numeric, instead found: {x}")
    is_shorter_than_two = less(size(x), 2)
    s_len = shape(x) - 1
    return cond(
        is_shorter_than_two,
        # np.bool_ rather than [] with dtype bool: teachflow's constant reads [] as float.
        lambda: constant(np.zeros([0], np.bool_)),
        lambda: compare(strided_slice(x, [1], 1 + s_len), strided_slice(x, [0], s_len)),
    )


def is_non_decreasing(x, name=None):
    """A bool scalar: each element of ``x`` (flattened) is >= the one before it."""
    from teachflow.ops.comparison_ops import greater_equal
    from teachflow.ops.reduction_ops import reduce_all

    with name_scope(name, "is_non_decreasing", [x]):
        return reduce_all(_monotonic(x, greater_equal))


def is_strictly_increasing(x, name=None):
    """A bool scalar: each element of ``x`` (flattened) is > the one before it."""
    from teachflow.ops.comparison_ops import greater
    from teachflow.ops.reduction_ops import reduce_all

    with name_scope(name, "is_strictly_increasing", [x]):
        return reduce_all(_monotonic(x, greater))


def _same_base_type(items, expected_type=None):
    original = expected_type
    items = [item for item in items if item is not None]
    for item in items:
        if expected_type is None:
            expected_type = item.dtype.base_dtype
        elif expected_type != item.dtype.base_dtype:
            break
    else:
        return expected_type
    # A mismatch: name the first item that disagrees, as TensorFlow's message does.
    expected_type, first = original, None
    for item in items:
        item_type = item.dtype.base_dtype
        if expected_type is None:
            expected_type, first = item_type, getattr(item, "name", str(item))
        elif expected_type != item_type:
            raise ValueError(
                f"{getattr(item, 'name', str(item))}, type={item_type}, must be of the same "
                f"type ({expected_type}){f' as {first}' if first else ''}."
            )
    return expected_type


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one float dtype of ``tensors`` (and ``dtype`` if given), float32 when there is
    none; ValueError when they differ or the dtype is not floating."""
    if tensors:
        dtype = _same_base_type(tensors, dtypes.as_dtype(dtype) if dtype else None)
    if not dtype:
        return dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def assert_proper_iterable(values):
    """TypeError unless ``values`` is an iterable other than a Tensor, an ndarray or a
    string (whose iteration is rarely what was meant)."""
    from teachflow.framework.sparse_tensor import SparseTensor

    if isinstance(values, (Tensor, SparseTensor, np.ndarray, bytes, str)):
        raise TypeError(
            f'Expected argument "values" to be a "proper" iterable.  Found: {type(values)}'
        )
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')
