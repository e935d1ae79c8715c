"""``tf.parse_single_example``: the features of a serialized ``tf.train.Example``.

Each feature is asked for by name with a `FixedLenFeature` (a dense tensor of a known
shape, with an optional default when the Example lacks it) or a `VarLenFeature` (any
number of values: a 1-D `SparseTensor`). One ``ParseSingleExample`` op parses the record
and outputs, for the sparse features, their indices, values and dense shapes, then the
dense features, as TensorFlow's kernel does.

    >>> import teachflow as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[7])),
    ...     "words": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"a", b"b"]))}))
    >>> parsed = tf.parse_single_example(ex.SerializeToString(), {
    ...     "label": tf.FixedLenFeature([], tf.int64),
    ...     "words": tf.VarLenFeature(tf.string),
    ...     "weight": tf.FixedLenFeature([], tf.float32, default_value=1.0)})
    >>> with tf.Session() as sess:
    ...     label, words, weight = sess.run([parsed["label"], parsed["words"], parsed["weight"]])
    >>> int(label), words.values.tolist(), float(weight)
    (7, [b'a', b'b'], 1.0)
"""

from __future__ import annotations

import collections

import numpy as np
from google.protobuf import message

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.reader_resources import as_bytes
from teachflow.proto import example as example_pb

__all__ = ["FixedLenFeature", "VarLenFeature", "parse_single_example"]

FixedLenFeature = collections.namedtuple(
    "FixedLenFeature", ["shape", "dtype", "default_value"], defaults=[None]
)
FixedLenFeature.__doc__ = """A dense feature of ``shape`` and ``dtype`` (int64, float32 or
string); without a ``default_value`` every Example must have it."""
VarLenFeature = collections.namedtuple("VarLenFeature", ["dtype"])
VarLenFeature.__doc__ = """A feature of any number of values, parsed as a 1-D SparseTensor."""

# The list of an Example's Feature that holds each dtype, and TF's name for that dtype.
_KIND = {dtypes.int64: "int64_list", dtypes.float32: "float_list", dtypes.string: "bytes_list"}
_TF_NAME = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}


def _invalid(message_text):
    return errors.InvalidArgumentError(None, None, message_text)


def _values(features, key, dtype):
    """The values of feature ``key`` as a numpy array of ``dtype``, or None if absent."""
    if key not in features.feature:
        return None
    feature = features.feature[key]
    kind = feature.WhichOneof("kind")
    if kind is None:
        return np.zeros(0, dtype=dtype.as_numpy_dtype)
    if kind != _KIND[dtype]:
        raise _invalid(
            f"Name: <unknown>, Key: {key}, Index: 0.  Data types don't match. Data type: "
            f"{_TF_NAME[kind]} but expected type: {_TF_NAME[_KIND[dtype]]}"
        )
    values = list(getattr(feature, kind).value)
    if dtype is dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=dtype.as_numpy_dtype)


def _parse_kernel(op, device):
    a = op._attrs
    sparse = list(
        zip(
            [k.decode() if isinstance(k, bytes) else k for k in a["sparse_keys"]], a["sparse_types"]
        )
    )
    dense = list(
        zip(
            [k.decode() if isinstance(k, bytes) else k for k in a["dense_keys"]],
            a["Tdense"],
            a["dense_shapes"],
        )
    )

    def parse(serialized, *defaults):
        try:
            features = example_pb.Example.FromString(as_bytes(serialized)).features
        except message.DecodeError:
            raise _invalid("Could not parse example input, value: '<binary>'") from None
        indices, values, shapes = [], [], []
        for key, dtype in sparse:
            v = _values(features, key, dtype)
            v = np.zeros(0, dtype=dtype.as_numpy_dtype) if v is None else v
            indices.append(np.arange(len(v), dtype=np.int64).reshape(-1, 1))
            values.append(v)
            shapes.append(np.array([len(v)], dtype=np.int64))
        dense_out = []
        for (key, dtype, shape), default in zip(dense, defaults):
            v = _values(features, key, dtype)
            dims = [int(d) for d in TensorShape(shape).as_list()]
            if v is None:
                if np.size(default) == 0 and int(np.prod(dims)) != 0:
                    raise _invalid(
                        f"Feature: {key} (data type: {_TF_NAME[_KIND[dtype]]}) is required "
                        "but could not be found."
                    )
                v = np.broadcast_to(np.asarray(default, dtype=_numpy_type(dtype)), dims)
            elif v.size != int(np.prod(dims)):
                raise _invalid(
                    f"Name: <unknown>, Key: {key}, Index: 0.  Number of {_TF_NAME[_KIND[dtype]]} "
                    f"values != expected.  Values size: {v.size} but output shape: "
                    f"[{','.join(str(d) for d in dims)}]"
                )
            dense_out.append(np.array(v, dtype=_numpy_type(dtype)).reshape(dims))
        return tuple(indices + values + shapes + dense_out)

    return parse


def _numpy_type(dtype):
    return object if dtype is dtypes.string else dtype.as_numpy_dtype


def _parse_infer(op):
    a = op._attrs
    n = len(a["sparse_types"])
    return (
        [(dtypes.int64, TensorShape([None, 1]))] * n
        + [(t, TensorShape([None])) for t in a["sparse_types"]]
        + [(dtypes.int64, TensorShape([1]))] * n
        + [(t, TensorShape(s)) for t, s in zip(a["Tdense"], a["dense_shapes"])]
    )


registry.register(
    "ParseSingleExample", _parse_infer, kernels={"CPU": _parse_kernel}, not_differentiable=True
)


def _check_dtype(key, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _KIND:
        raise ValueError(
            f"Unsupported dtype {dtype.name} for feature {key!r}: int64, float32 or string"
        )
    return dtype


def parse_single_example(serialized, features, name=None, example_names=None):
    """The ``features`` (name -> `FixedLenFeature` / `VarLenFeature`) of one serialized
    Example (a string scalar): a dict of Tensors and SparseTensors by name.

    InvalidArgumentError when a required feature is missing, has another dtype, or has
    another number of values than its shape holds."""
    if not features:
        raise ValueError("Missing: features was empty.")
    sparse = sorted(k for k, f in features.items() if isinstance(f, VarLenFeature))
    dense = sorted(k for k, f in features.items() if isinstance(f, FixedLenFeature))
    unknown = set(features) - set(sparse) - set(dense)
    if unknown:
        raise ValueError(f"Unsupported feature types for {sorted(unknown)}")
    with name_scope(name, "ParseSingleExample") as scope:
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        serialized.shape.with_rank(0)
        defaults, shapes, tdense = [], [], []
        for key in dense:
            f = features[key]
            dtype, shape = _check_dtype(key, f.dtype), as_shape(f.shape)
            if f.default_value is None:
                default = convert_to_tensor(
                    np.zeros(0, _numpy_type(dtype)) if dtype is not dtypes.string else [],
                    dtype=dtype,
                )
            else:
                default = convert_to_tensor(
                    np.reshape(
                        np.asarray(f.default_value, dtype=_numpy_type(dtype)), shape.as_list()
                    ),
                    dtype=dtype,
                )
            defaults.append(default)
            shapes.append(shape)
            tdense.append(dtype)
        attrs = {
            "num_sparse": len(sparse),
            "sparse_keys": [k.encode() for k in sparse],
            "dense_keys": [k.encode() for k in dense],
            "sparse_types": [_check_dtype(k, features[k].dtype) for k in sparse],
            "Tdense": tdense,
            "dense_shapes": shapes,
        }
        op = get_default_graph().create_op(
            "ParseSingleExample", [serialized, *defaults], attrs, name=scope
        )
    n = len(sparse)
    out = op.outputs
    result = {key: SparseTensor(out[i], out[n + i], out[2 * n + i]) for i, key in enumerate(sparse)}
    result.update({key: out[3 * n + i] for i, key in enumerate(dense)})
    return result
