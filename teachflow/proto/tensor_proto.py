"""numpy arrays <-> TensorFlow's ``TensorProto``, with TensorFlow's encoding rules.

A ``TensorProto`` holds a tensor's dtype, shape and values. Values sit either in
``tensor_content`` (the raw little-endian bytes, C order) or in a typed repeated field
(``float_val``, ``int_val``, ``string_val``...). TensorFlow's ``make_tensor_proto`` picks:
raw bytes for a numeric tensor of more than one element, the typed field for a scalar, a
one-element tensor, a bool, complex or string tensor. A typed field may also hold *fewer*
values than the shape needs: the last one is repeated (``tf.zeros([1000])`` stores one 0).

    >>> import numpy as np
    >>> from teachflow.proto import tensor_proto
    >>> pb = tensor_proto.make_tensor_proto(np.float32(2.5))
    >>> list(pb.float_val), pb.tensor_content
    ([2.5], b'')
    >>> tensor_proto.make_tensor_proto(np.arange(3, dtype=np.int32)).tensor_content
    b'\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00'
    >>> tensor_proto.make_ndarray(pb)
    array(2.5, dtype=float32)

This module knows numpy and ``DataType`` numbers only; teachflow's ``DType`` objects are
mapped by their ``enum`` (TensorFlow's numbering) one layer up.
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.proto import messages

__all__ = ["make_tensor_proto", "make_ndarray", "numpy_dtype_of", "enum_of_numpy"]

# DataType number -> numpy dtype. bfloat16 has no numpy type: it is widened to float32 on
# the way in (its 16 bits are the top half of a float32) and never written.
_NUMPY = {
    1: np.float32,
    2: np.float64,
    3: np.int32,
    4: np.uint8,
    5: np.int16,
    6: np.int8,
    7: object,
    8: np.complex64,
    9: np.int64,
    10: np.bool_,
    14: np.float32,
    17: np.uint16,
    18: np.complex128,
    19: np.float16,
    22: np.uint32,
    23: np.uint64,
}
_ENUM = {np.dtype(t): e for e, t in _NUMPY.items() if e not in (7, 14)}
_BFLOAT16 = 14

# The typed field TensorFlow appends values of each dtype to (GetNumpyAppendFn).
_VALUE_FIELD = {
    1: "float_val",
    2: "double_val",
    3: "int_val",
    4: "int_val",
    5: "int_val",
    6: "int_val",
    7: "string_val",
    8: "scomplex_val",
    9: "int64_val",
    10: "bool_val",
    14: "half_val",
    17: "int_val",
    18: "dcomplex_val",
    19: "half_val",
    22: "uint32_val",
    23: "uint64_val",
}
# make_tensor_proto's _TENSOR_CONTENT_TYPES (those teachflow writes).
_CONTENT_TYPES = frozenset({1, 2, 3, 4, 5, 6, 9, 19, 22, 23})


def numpy_dtype_of(enum: int):
    """The numpy type of a ``DataType`` number; ValueError for one numpy cannot hold."""
    try:
        return _NUMPY[enum]
    except KeyError:
        name = messages.DataType.Name(enum) if enum in messages.DataType.values() else enum
        raise ValueError(f"Unsupported TensorProto dtype {name}.") from None


def enum_of_numpy(dtype) -> int:
    """The ``DataType`` number of a numpy dtype (object/bytes/str arrays are DT_STRING)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "OSU":
        return 7
    try:
        return _ENUM[dtype.newbyteorder("=")]
    except KeyError:
        raise ValueError(f"No TensorFlow dtype for numpy dtype {dtype}.") from None


def _as_bytes(v) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def make_tensor_proto(value, dtype_enum: int | None = None) -> messages.TensorProto:
    """``value`` (array, numpy scalar, bytes, str) as TensorFlow writes it in a GraphDef.

    ``dtype_enum`` forces the ``DataType`` (a string tensor from an object array, say);
    by default it follows the numpy dtype.
    """
    if isinstance(value, (bytes, str)):
        arr = np.empty((), dtype=object)
        arr[()] = value
    else:
        arr = np.asarray(value)
    enum = enum_of_numpy(arr.dtype) if dtype_enum is None else dtype_enum
    pb = messages.TensorProto(dtype=enum)
    pb.tensor_shape.SetInParent()  # a scalar's shape is written, empty, as TensorFlow does
    for d in arr.shape:
        pb.tensor_shape.dim.add(size=d)
    if enum == 7:
        pb.string_val.extend(_as_bytes(v) for v in arr.reshape(-1))
        return pb
    arr = arr.astype(np.dtype(numpy_dtype_of(enum)).newbyteorder("<"), copy=False)
    if enum in _CONTENT_TYPES and arr.size > 1:
        pb.tensor_content = np.ascontiguousarray(arr).tobytes()
        return pb
    flat = arr.reshape(-1)
    field = _VALUE_FIELD[enum]
    if enum == 19:
        getattr(pb, field).extend(int(v) for v in flat.view(np.uint16))
    elif enum in (8, 18):
        getattr(pb, field).extend(float(p) for v in flat for p in (v.real, v.imag))
    else:
        getattr(pb, field).extend(flat.tolist())
    return pb


def _shape(pb) -> tuple:
    if pb.tensor_shape.unknown_rank:
        raise ValueError("A TensorProto's shape must be fully defined, got unknown rank.")
    shape = tuple(d.size for d in pb.tensor_shape.dim)
    if any(d < 0 for d in shape):
        raise ValueError(f"A TensorProto's shape must be fully defined, got {list(shape)}.")
    return shape


def _typed_values(pb, enum):
    values = getattr(pb, _VALUE_FIELD[enum])
    if enum == 7:
        arr = np.empty(len(values), dtype=object)
        arr[:] = list(values)
        return arr
    if enum == 19:
        return np.array(values, dtype=np.uint16).view(np.float16)
    if enum == _BFLOAT16:
        return (np.array(values, dtype=np.uint32) << 16).view(np.float32)
    if enum in (8, 18):
        pairs = np.array(values, dtype=np.float64).reshape(-1, 2)
        out = np.empty(len(pairs), dtype=_NUMPY[enum])
        out.real, out.imag = pairs[:, 0], pairs[:, 1]  # not re + 1j*im: 1j*inf is nan+infj
        return out
    return np.array(values, dtype=_NUMPY[enum])


def make_ndarray(pb) -> np.ndarray:
    """The value of a ``TensorProto`` as a (writable) ndarray, 0-d for a scalar.

    Reads ``tensor_content`` and every typed ``*_val`` field, repeating the last value
    where the message holds fewer than the shape needs (TensorFlow's ``MakeNdarray``).
    """
    enum = pb.dtype
    shape = _shape(pb)
    count = math.prod(shape)
    numpy_type = numpy_dtype_of(enum)
    if pb.tensor_content:
        if enum == _BFLOAT16:
            bits = np.frombuffer(pb.tensor_content, dtype="<u2").astype(np.uint32) << 16
            return bits.view(np.float32).reshape(shape)
        wire = np.dtype(numpy_type).newbyteorder("<")
        if len(pb.tensor_content) != count * wire.itemsize:
            raise ValueError(
                f"TensorProto content has {len(pb.tensor_content)} bytes but a tensor of "
                f"shape {list(shape)} needs {count * wire.itemsize} bytes."
            )
        arr = np.frombuffer(pb.tensor_content, dtype=wire).astype(numpy_type)
        return arr.reshape(shape)
    values = _typed_values(pb, enum)
    if values.size == count:
        return values.reshape(shape)
    if values.size > count:
        raise ValueError(
            f"TensorProto holds {values.size} values but a tensor of shape {list(shape)} "
            f"takes at most {count}."
        )
    out = np.empty(count, dtype=numpy_type)
    if values.size == 0:
        out[...] = b"" if enum == 7 else 0
    else:
        out[: values.size] = values
        out[values.size :] = values[-1]
    return out.reshape(shape)
