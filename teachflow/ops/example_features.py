"""The features of one ``tf.train.Example``, read as the parsing kernels read them.

A feature is asked for by name with a spec: `FixedLenFeature` (a dense tensor of a known
shape, with an optional default), `VarLenFeature` (any number of values, parsed as a
SparseTensor) or `FixedLenSequenceFeature` (a dense tensor whose first dimension is the
number of values an Example has, padded across a batch). An `ExampleRecord` is one
serialized Example of a batch: both ``ParseSingleExample`` and ``ParseExampleV2`` read
their values through it, so they check dtypes and counts with the same words, which name
the Example (``Name:``) and its place in the batch (``Index:``), as TensorFlow's do.

    >>> import teachflow as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))}))
    >>> record = ExampleRecord.parse(ex.SerializeToString(), "<unknown>", 0)
    >>> record.dense_value("x", tf.float32, [2], default=None).tolist()
    [1.0, 2.0]
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np
from google.protobuf import message

from teachflow.framework import dtypes, errors
from teachflow.proto import example as example_pb

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature"]

FixedLenFeature = collections.namedtuple(
    "FixedLenFeature", ["shape", "dtype", "default_value"], defaults=[None]
)
FixedLenFeature.__doc__ = """A dense feature of ``shape`` and ``dtype`` (int64, float32 or
string); without a ``default_value`` every Example must have it."""
VarLenFeature = collections.namedtuple("VarLenFeature", ["dtype"])
VarLenFeature.__doc__ = """A feature of any number of values, parsed as a SparseTensor."""
FixedLenSequenceFeature = collections.namedtuple(
    "FixedLenSequenceFeature",
    ["shape", "dtype", "allow_missing", "default_value"],
    defaults=[False, None],
)
FixedLenSequenceFeature.__doc__ = """A dense feature of any number of ``shape`` elements:
``[batch, longest, *shape]`` from ``tf.parse_example``, shorter Examples padded with
``default_value`` (a scalar; 0 or b"" without one). ``allow_missing`` must be True."""

# The list of an Example's Feature that holds each dtype, and TF's name for that dtype.
KIND = {dtypes.int64: "int64_list", dtypes.float32: "float_list", dtypes.string: "bytes_list"}
_TF_NAME = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}


def invalid(message_text):
    return errors.InvalidArgumentError(None, None, message_text)


def numpy_type(dtype):
    """The numpy dtype of a feature's values: strings are object arrays of bytes."""
    return object if dtype is dtypes.string else dtype.as_numpy_dtype


def check_dtype(key, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in KIND:
        raise ValueError(
            f"Unsupported dtype {dtype.name} for feature {key!r}: int64, float32 or string"
        )
    return dtype


def fixed_length(values, dtype, dims, default, missing, wrong_count) -> np.ndarray:
    """A fixed-length feature's ``values`` (None when the record lacks it) shaped ``dims``:
    ``default`` (size 0 when required) fills it, else ``missing``; a wrong number of values
    is ``wrong_count(n)``. The messages are the parsing kernel's own (they differ by op)."""
    size = int(np.prod(dims))
    if values is None:
        if np.size(default) == 0 and size != 0:
            raise invalid(missing)
        values = np.broadcast_to(np.asarray(default, dtype=numpy_type(dtype)), dims)
    elif values.size != size:
        raise invalid(wrong_count(values.size))
    return np.array(values, dtype=numpy_type(dtype)).reshape(dims)


def serialized_shape(op):
    """The static shape of a parsing op's records: a scalar (one) or a vector (a batch)."""
    serialized = op.inputs[0].shape
    if serialized.ndims is not None and serialized.ndims > 1:
        raise ValueError(
            f"Shape must be at most rank 1 but is rank {serialized.ndims} for '{op.name}' "
            f"(op: '{op.type}') with input shapes: {serialized}"
        )
    return serialized


def _shape_text(dims):
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


@dataclass(frozen=True, slots=True)
class ExampleRecord:
    """One serialized Example: its features, its name in messages, its index in the batch."""

    features: example_pb.Features
    name: str
    index: int

    @classmethod
    def parse(cls, serialized: bytes, name: str, index: int) -> ExampleRecord:
        try:
            features = example_pb.Example.FromString(serialized).features
        except message.DecodeError:
            text = serialized.decode("utf-8", "backslashreplace")
            raise invalid(f"Could not parse example input, value: '{text}'") from None
        return cls(features, name, index)

    def _where(self, key):
        return f"Name: {self.name}, Key: {key}, Index: {self.index}."

    def _values(self, key, dtype, sparse):
        """The values of feature ``key`` as a 1-D numpy array, or None if it is absent."""
        if key not in self.features.feature:
            return None
        feature = self.features.feature[key]
        kind = feature.WhichOneof("kind")
        if kind is None:
            return np.zeros(0, dtype=numpy_type(dtype))
        if kind != KIND[dtype]:
            # TF's fast parser words the two checks differently; both name the Example.
            expected, actual = _TF_NAME[KIND[dtype]], _TF_NAME[kind]
            detail = (
                f"Expected type: {expected}, Actual type: {actual}"
                if sparse
                else f"Data type: {actual} but expected type: {expected}"
            )
            raise invalid(f"{self._where(key)}  Data types don't match. {detail}")
        values = list(getattr(feature, kind).value)
        if dtype is dtypes.string:
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
        return np.asarray(values, dtype=dtype.as_numpy_dtype)

    def sparse_values(self, key, dtype) -> np.ndarray:
        """A `VarLenFeature`'s values: empty when the Example lacks it."""
        v = self._values(key, dtype, sparse=True)
        return np.zeros(0, dtype=numpy_type(dtype)) if v is None else v

    def dense_value(self, key, dtype, dims, default) -> np.ndarray:
        """A `FixedLenFeature` of shape ``dims``; ``default`` (size 0 when required) fills
        it when the Example lacks it."""
        return fixed_length(
            self._values(key, dtype, sparse=False), dtype, dims, default,
            missing=f"Name: {self.name}, Feature: {key} (data type: {_TF_NAME[KIND[dtype]]}) "
            "is required but could not be found.",
            wrong_count=lambda n: f"{self._where(key)}  Number of {_TF_NAME[KIND[dtype]]} "
            f"values != expected.  Values size: {n} but output shape: {_shape_text(dims)}",
        )  # fmt: skip

    def sequence_value(self, key, dtype, element_dims) -> np.ndarray:
        """A `FixedLenSequenceFeature`'s ``[n, *element_dims]`` values (n = 0 when absent)."""
        v = self._values(key, dtype, sparse=False)
        v = np.zeros(0, dtype=numpy_type(dtype)) if v is None else v
        stride = int(np.prod(element_dims))
        if stride == 0:
            return np.zeros([0, *element_dims], dtype=numpy_type(dtype))
        if v.size % stride:
            raise invalid(
                f"{self._where(key)}  Number of {_TF_NAME[KIND[dtype]]} values is not a "
                f"multiple of stride length. Saw {v.size} values but output shape is: "
                f"{_shape_text([None, *element_dims])}"
            )
        return v.reshape([v.size // stride, *element_dims])
