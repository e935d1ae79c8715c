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

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.example_features import (
    ExampleRecord,
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    check_dtype,
    numpy_type,
)
from teachflow.ops.reader_resources import as_bytes

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature", "parse_single_example"]


def _text(key):
    return key.decode() if isinstance(key, bytes) else key


def _parse_kernel(op, device):
    a = op._attrs
    sparse = list(zip([_text(k) for k in a["sparse_keys"]], a["sparse_types"]))
    dense = list(zip([_text(k) for k in a["dense_keys"]], a["Tdense"], a["dense_shapes"]))

    def parse(serialized, *defaults):
        record = ExampleRecord.parse(as_bytes(serialized), "<unknown>", 0)
        indices, values, shapes = [], [], []
        for key, dtype in sparse:
            v = record.sparse_values(key, dtype)
            indices.append(np.arange(len(v), dtype=np.int64).reshape(-1, 1))
            values.append(v)
            shapes.append(np.array([len(v)], dtype=np.int64))
        dense_out = [
            record.dense_value(key, dtype, TensorShape(shape).as_list(), default)
            for (key, dtype, shape), default in zip(dense, defaults)
        ]
        return tuple(indices + values + shapes + dense_out)

    return parse


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
            dtype, shape = check_dtype(key, f.dtype), as_shape(f.shape)
            if f.default_value is None:
                default = convert_to_tensor(
                    np.zeros(0, numpy_type(dtype)) if dtype is not dtypes.string else [],
                    dtype=dtype,
                )
            else:
                default = convert_to_tensor(
                    np.reshape(
                        np.asarray(f.default_value, dtype=numpy_type(dtype)), shape.as_list()
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
            "sparse_types": [check_dtype(k, features[k].dtype) for k in sparse],
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
