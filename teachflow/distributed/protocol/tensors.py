"""Tensor values <-> ``TensorProto`` bytes: how a numpy array crosses the network.

A numeric tensor travels as its raw little-endian bytes in C order plus its dtype and
shape, so the receiver rebuilds it with one ``np.frombuffer`` and no parsing per
element; a string tensor travels as one ``bytes`` entry per element. Nothing is
pickled: a malformed message raises ``InvalidArgumentError`` rather than running code.

    >>> import numpy as np
    >>> from teachflow.distributed.protocol import tensors
    >>> proto = tensors.to_proto(np.arange(6, dtype=np.int32).reshape(2, 3))
    >>> tensors.from_proto(proto)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=int32)

Big tensors stream in chunks (``WorkerService.RecvTensor``): ``chunks`` slices the
bytes without copying the whole array first, ``from_chunks`` fills one preallocated
buffer.

    >>> parts = list(tensors.chunks(np.zeros(1000, np.float32), chunk_bytes=1024))
    >>> len(parts), tensors.from_chunks(parts).shape
    (4, (1000,))
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.distributed.protocol import teachflow_pb2
from teachflow.framework import dtypes, errors
from teachflow.ops.control_flow_primitives import DEAD

__all__ = [
    "to_proto",
    "from_proto",
    "array_from_proto",
    "chunks",
    "from_chunks",
    "dtype_to_enum",
    "dtype_from_enum",
]

DEFAULT_CHUNK_BYTES = 4 << 20


def dtype_to_enum(dtype) -> int:
    """The ``DataType`` number of a teachflow dtype (TensorFlow's numbering, refs + 100)."""
    return dtypes.as_dtype(dtype).enum


def dtype_from_enum(enum: int) -> dtypes.DType:
    """The teachflow dtype of a ``DataType`` number; InvalidArgumentError if unknown."""
    found = dtypes._BY_ENUM.get(enum)
    if found is None:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Unknown tensor dtype enum {enum} in a TensorProto (DT_INVALID or unsupported).",
        )
    return found


# -- sending -------------------------------------------------------------------------------
def _host_array(value, dtype):
    """``value`` as a host numpy array of ``dtype`` (inferred when None) and that dtype."""
    if hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):
        value = value.get()  # a cupy array: the bytes must be on the host to be sent
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype).base_dtype
    if isinstance(value, (bytes, str)):
        arr = np.empty((), dtype=object)
        arr[()] = value
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        arr = np.asarray(value)
    if dtype is None:
        # A big-endian array is still a float64 (say): look its type up in native order.
        dtype = dtypes.as_dtype(arr.dtype.newbyteorder("=")).base_dtype
    if dtype is dtypes.string:
        if arr.dtype != object:
            arr = arr.astype(object)
    elif arr.dtype != dtype.as_numpy_dtype:
        arr = arr.astype(dtype.as_numpy_dtype)
    return arr, dtype


def _wire_bytes(arr) -> memoryview:
    """A flat byte view of ``arr`` in C order, little-endian; copies only when it must."""
    arr = np.ascontiguousarray(arr)
    arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return memoryview(arr.reshape(-1)).cast("B")


def _string_values(arr) -> list:
    return [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in arr.reshape(-1)]


def _meta(arr, dtype) -> teachflow_pb2.TensorProto:
    proto = teachflow_pb2.TensorProto(dtype=dtype.enum)
    proto.tensor_shape.dim.extend(teachflow_pb2.TensorShapeProto.Dim(size=d) for d in arr.shape)
    return proto


def to_proto(value, dtype=None) -> teachflow_pb2.TensorProto:
    """A ``TensorProto`` holding ``value`` (array, scalar, bytes or object array of bytes).

    >>> import numpy as np
    >>> to_proto(np.float32(2.5)).tensor_content
    b'\\x00\\x00 @'
    """
    arr, dtype = _host_array(value, dtype)
    proto = _meta(arr, dtype)
    if dtype is dtypes.string:
        proto.string_val.extend(_string_values(arr))
    else:
        proto.tensor_content = _wire_bytes(arr).tobytes()
    return proto


def chunks(value, chunk_bytes: int = DEFAULT_CHUNK_BYTES):
    """Yield ``TensorChunk`` messages of at most ``chunk_bytes`` data bytes each.

    The first chunk carries ``meta`` (dtype, shape and, for strings, every value) and
    ``total_bytes``; the others only their slice of the bytes.

        >>> import numpy as np
        >>> [len(c.data) for c in chunks(np.zeros(5, np.int64), chunk_bytes=16)]
        [16, 16, 8]
    """
    if chunk_bytes <= 0:
        raise ValueError(f"chunk_bytes must be positive, got {chunk_bytes}")
    if value is DEAD:
        # A dead tensor (a branch not taken by a Switch): one chunk whose meta has no
        # dtype (DT_INVALID), the stream's form of TF's RecvTensorResponse.is_dead.
        yield teachflow_pb2.TensorChunk(meta=teachflow_pb2.TensorProto(), total_bytes=0)
        return
    arr, dtype = _host_array(value, None)
    meta = _meta(arr, dtype)
    if dtype is dtypes.string:
        meta.string_val.extend(_string_values(arr))
        yield teachflow_pb2.TensorChunk(meta=meta, total_bytes=0)
        return
    data = _wire_bytes(arr)
    total = len(data)
    first = teachflow_pb2.TensorChunk(meta=meta, total_bytes=total)
    first.data = data[:chunk_bytes].tobytes()
    yield first
    for start in range(chunk_bytes, total, chunk_bytes):
        yield teachflow_pb2.TensorChunk(data=data[start : start + chunk_bytes].tobytes())


# -- receiving ----------------------------------------------------------------------------
def _shape_of(shape_proto) -> tuple:
    if shape_proto.unknown_rank:
        raise errors.InvalidArgumentError(
            None, None, "A TensorProto's shape must be fully defined, got unknown rank."
        )
    shape = tuple(d.size for d in shape_proto.dim)
    if any(d < 0 for d in shape):
        raise errors.InvalidArgumentError(
            None,
            None,
            f"A TensorProto's shape must be fully defined, got negative dimension in {list(shape)}.",
        )
    return shape


def _array_from_bytes(buffer, dtype, shape):
    count = math.prod(shape)
    expected = count * dtype.size
    if len(buffer) != expected:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"TensorProto content has {len(buffer)} bytes but a {dtype.name} tensor of shape "
            f"{list(shape)} needs {expected} bytes.",
        )
    wire = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    arr = np.frombuffer(buffer, dtype=wire, count=count).reshape(shape)
    arr = arr.astype(dtype.as_numpy_dtype, copy=False)
    return arr


def _strings(values, shape):
    count = math.prod(shape)
    if len(values) != count:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"TensorProto has {len(values)} string values but a string tensor of shape "
            f"{list(shape)} needs {count}.",
        )
    arr = np.empty(count, dtype=object)
    arr[:] = list(values)
    arr = arr.reshape(shape)
    return arr


def array_from_proto(proto, shape=None) -> np.ndarray:
    """The value of a ``TensorProto`` as an ndarray, 0-d included (a Const's ``value``).

    ``shape`` overrides the message's shape (the caller has validated its own).
    """
    dtype = dtype_from_enum(proto.dtype).base_dtype
    if shape is None:
        shape = _shape_of(proto.tensor_shape)
    if dtype is dtypes.string:
        return _strings(proto.string_val, shape)
    # A bytearray copy: the array must be writable, and the message may be freed.
    return _array_from_bytes(bytearray(proto.tensor_content), dtype, shape)


def _unwrap(arr):
    # Runtime values follow numpy: a 0-d result is a numpy scalar (or ``bytes``).
    return arr[()] if arr.ndim == 0 else arr


def from_proto(proto):
    """The value a ``TensorProto`` holds: an array, a numpy scalar (0-d) or ``bytes``.

    >>> from_proto(to_proto([b"a", b"bc"]))
    array([b'a', b'bc'], dtype=object)
    """
    return _unwrap(array_from_proto(proto))


def from_chunks(iterable):
    """Reassemble the value streamed by `chunks` into one preallocated buffer."""
    it = iter(iterable)
    first = next(it, None)
    if first is None or not first.HasField("meta"):
        raise errors.InvalidArgumentError(
            None, None, "A tensor stream must start with a chunk carrying its meta (dtype, shape)."
        )
    if first.meta.dtype == 0:  # DT_INVALID: a dead tensor (see `chunks`)
        return DEAD
    dtype = dtype_from_enum(first.meta.dtype).base_dtype
    shape = _shape_of(first.meta.tensor_shape)
    if dtype is dtypes.string:
        for extra in it:
            if extra.data:
                raise errors.InvalidArgumentError(
                    None, None, "A string tensor stream must not carry data bytes."
                )
        return _unwrap(_strings(first.meta.string_val, shape))
    total = first.total_bytes
    if total < 0:
        raise errors.InvalidArgumentError(
            None, None, f"Negative total_bytes {total} in a tensor stream."
        )
    buffer = bytearray(total)
    view = memoryview(buffer)
    filled = 0
    for chunk in _chain(first, it):
        n = len(chunk.data)
        if filled + n > total:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Tensor stream carries more bytes than its total_bytes ({total}).",
            )
        view[filled : filled + n] = chunk.data
        filled += n
    if filled != total:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Tensor stream ended after {filled} of its {total} bytes.",
        )
    view.release()
    return _unwrap(_array_from_bytes(buffer, dtype, shape))


def _chain(first, rest):
    yield first
    yield from rest
