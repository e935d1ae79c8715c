"""``tf.make_tensor_proto`` and ``tf.make_ndarray``: values <-> TensorFlow's ``TensorProto``.

The public face of `teachflow.proto.tensor_proto` with TensorFlow's argument rules: a
Python float is float32 and a Python int int32 (int64 when it does not fit), a ``shape``
may hold more elements than the value (the proto then stores the values given and a
reader repeats the last one), and ``verify_shape`` / ``allow_broadcast`` check it.

    >>> import teachflow as tf
    >>> pb = tf.make_tensor_proto([1.0, 2.0])
    >>> tf.as_dtype(pb.dtype).name, [d.size for d in pb.tensor_shape.dim]
    ('float32', [2])
    >>> tf.make_ndarray(tf.make_tensor_proto(7, shape=[2, 2]))
    array([[7, 7],
           [7, 7]], dtype=int32)
"""

from __future__ import annotations

import numbers

import numpy as np

from teachflow.framework import dtypes
from teachflow.proto import messages, tensor_proto

__all__ = ["make_tensor_proto", "make_ndarray"]


def _dense_shape(values) -> list:
    """The shape nested Python lists describe, following each first element."""
    if isinstance(values, (list, tuple)):
        return [len(values)] + (_dense_shape(values[0]) if values else [])
    return []


def _first_misfit(values, fits):
    """The first leaf of nested lists ``fits`` rejects, or None."""
    if isinstance(values, (list, tuple)):
        for v in values:
            bad = _first_misfit(v, fits)
            if bad is not None:
                return bad
        return None
    return None if fits(values) else values


# What each dtype family accepts as a Python leaf (make_tensor_proto's _AssertCompatible).
def _fits(dtype):
    if dtype.is_bool:
        return lambda v: isinstance(v, (bool, np.bool_))
    if dtype.is_integer:
        return lambda v: isinstance(v, (numbers.Integral, np.integer))
    if dtype.is_floating:
        return lambda v: isinstance(v, (numbers.Real, np.integer, np.floating))
    if dtype.is_complex:
        return lambda v: isinstance(v, (numbers.Complex, np.number))
    return lambda v: isinstance(v, (bytes, str))


def _assert_compatible(values, dtype):
    if dtype is None:
        return
    bad = _first_misfit(values, _fits(dtype))
    if bad is not None:
        raise TypeError(f"Expected {dtype.name}, but got {bad} of type '{type(bad).__name__}'.")


def _as_numpy(values, dtype):
    if isinstance(values, (np.ndarray, np.generic)):
        if dtype is not None and dtype.is_numpy_compatible:
            return values.astype(dtype.as_numpy_dtype)
        return values
    if values is None:
        raise ValueError("None values not supported.")
    np_dtype = dtype.as_numpy_dtype if dtype is not None and dtype.is_numpy_compatible else None
    _assert_compatible(values, dtype)
    arr = np.array(values, dtype=np_dtype)
    if list(arr.shape) != _dense_shape(values):
        raise ValueError(
            f"Expected values {values} to be a dense tensor with shape "
            f"{_dense_shape(values)}, but got shape {list(arr.shape)}."
        )
    if dtype is None and arr.dtype == np.float64:
        return arr.astype(np.float32)
    if dtype is None and arr.dtype == np.int64:
        narrow = arr.astype(np.int32)
        return narrow if np.array_equal(narrow, arr) else arr
    return arr


def _checked_shape(shape, arr, verify_shape, allow_broadcast):
    shape = [int(d) for d in shape]
    size = int(np.prod(shape, dtype=np.int64))
    if allow_broadcast:
        if arr.shape not in ((1,), ()) and arr.size != size:
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got {arr.shape}.")
    else:
        if verify_shape and arr.shape != tuple(shape):
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got {arr.shape}.")
        if arr.size > size:
            raise ValueError(
                f"Too many elements provided. Takes at most {size:d}, but got {arr.size:d}."
            )
    return shape


def make_tensor_proto(
    values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False
) -> messages.TensorProto:
    """``values`` as a ``TensorProto`` of ``dtype`` and ``shape``, as TensorFlow writes it.

    TypeError when ``dtype`` does not fit the values or ``verify_shape`` fails, ValueError
    for more values than ``shape`` holds or a ragged list.
    """
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if shape is not None and int(np.prod(shape, dtype=np.int64)) == 0:
        arr = np.empty(shape, dtype=dtype.as_numpy_dtype if dtype is not None else np.float32)
    else:
        arr = _as_numpy(values, dtype)
    found = dtypes.string if arr.dtype.kind in "OSU" else dtypes.as_dtype(arr.dtype)
    if dtype is not None and dtype.base_dtype != found.base_dtype:
        raise TypeError(f"`dtype` {dtype} is not compatible with {values} of dtype {arr.dtype}.")
    if shape is None:
        return tensor_proto.make_tensor_proto(arr, found.enum)
    shape = _checked_shape(shape, arr, verify_shape, allow_broadcast)
    if arr.size == int(np.prod(shape, dtype=np.int64)):
        return tensor_proto.make_tensor_proto(arr.reshape(shape), found.enum)
    # Fewer values than the shape holds: the typed field keeps just those (a reader
    # repeats the last), never tensor_content.
    pb = messages.TensorProto(dtype=found.enum)
    for d in shape:
        pb.tensor_shape.dim.add(size=d)
    for value in arr.reshape(-1):
        pb.MergeFrom(tensor_proto.make_tensor_proto(value, found.enum))
    return pb


def make_ndarray(tensor) -> np.ndarray:
    """The value of a ``TensorProto`` as a numpy array (see `make_tensor_proto`)."""
    return tensor_proto.make_ndarray(tensor)
