"""Values crossing the Session boundary: feeds going in, fetched results coming out.

Feeds are converted the way TensorFlow converts them (``np.asarray`` to the tensor's dtype,
shape checked against the static shape); fetched results are numpy values, with numpy
scalars for 0-d tensors and ``bytes`` for strings.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.runtime.resources import VariableState

_SCALAR_TYPES = (np.generic, bytes)


def fetch_value(v):
    t = type(v)
    if t is np.ndarray:
        if v.ndim == 0:
            return v[()]
        return v if v.flags.writeable else v.copy()
    if t is VariableState:
        return fetch_value(v.read().copy())
    if isinstance(v, _SCALAR_TYPES):
        return v
    get = getattr(v, "get", None)  # a device (cupy) array
    if get is not None and hasattr(v, "__cuda_array_interface__"):
        return fetch_value(get())
    return v


def expand_sparse_feeds(feed_dict):
    """``feed_dict`` with each SparseTensor key (a ``sparse_placeholder``) replaced by its
    indices, values and dense_shape, fed the three parts of its value, as TF's session does
    (an IndexedSlices key: its values, indices and dense_shape, if it has one)."""
    if not any(isinstance(key, (SparseTensor, IndexedSlices)) for key in feed_dict):
        return feed_dict
    expanded = {}
    for key, value in feed_dict.items():
        if isinstance(key, IndexedSlices):
            parts = [key.values, key.indices]
            if key.dense_shape is not None:
                parts.append(key.dense_shape)
            expanded.update(zip(parts, value))
            continue
        if not isinstance(key, SparseTensor):
            expanded[key] = value
            continue
        if len(value) != 3:
            raise TypeError(
                f"The value of a SparseTensor feed must be a SparseTensorValue or a "
                f"(indices, values, dense_shape) tuple, got {type(value).__name__}"
            )
        indices, values, dense_shape = value
        expanded[key.indices] = indices
        expanded[key.values] = values
        expanded[key.dense_shape] = dense_shape
    return expanded


def feed_value(tensor, value):
    if isinstance(value, Tensor):
        raise TypeError(
            "The value of a feed cannot be a tf.Tensor object. Acceptable feed values include "
            "Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, "
            f"the tensor object was {value} which was passed to the feed with key {tensor}."
        )
    dtype = tensor.dtype.base_dtype
    if dtype is dtypes.string:
        arr = as_bytes_array(value)
    else:
        np_dtype = dtype.as_numpy_dtype
        if isinstance(value, int) and not isinstance(value, bool):
            info = np.iinfo(np_dtype) if dtype.is_integer else None
            if info is not None and not info.min <= value <= info.max:
                raise TypeError(
                    f"Type of feed value {value} with type {type(value)} is not compatible "
                    f"with Tensor type {dtype}. Try explicitly setting the type of the feed "
                    "tensor to a larger type (e.g. int64)."
                )
        try:
            arr = np.array(value, dtype=np_dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Cannot feed value {value!r} to Tensor {tensor.name!r} of dtype {dtype.name}: {e}"
            ) from None
    if not tensor.shape.is_compatible_with(arr.shape):
        raise ValueError(
            f"Cannot feed value of shape {arr.shape!r} for Tensor {tensor.name!r}, which has "
            f"shape '{tensor.shape}'"
        )
    return arr[()] if arr.ndim == 0 and dtype is not dtypes.string else arr


def as_bytes_array(value):
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, x in enumerate(flat):
        if isinstance(x, str):
            flat[i] = x.encode()
        elif not isinstance(x, bytes):
            raise TypeError(f"Cannot feed {x!r} of type {type(x)} to a string tensor.")
    return arr
