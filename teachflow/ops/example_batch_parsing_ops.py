"""``tf.parse_example``: the features of a batch of serialized ``tf.train.Example``s.

Input pipelines batch serialized records and parse the batch at once. As in TensorFlow
2.21, one ``ParseExampleV2`` op does it; the feature keys are string inputs (not attrs),
and the outputs are, for the sparse features, their indices, values and dense shapes, then
the dense features. A `FixedLenFeature` of shape ``s`` becomes ``[batch, *s]`` (its default
filling the Examples that lack it); a `VarLenFeature` a 2-D SparseTensor (indices
``[example, i]``, dense shape ``[batch, longest]``); a `FixedLenSequenceFeature`
``[batch, longest, *s]``, padded with its default.

    >>> import teachflow as tf
    >>> def example(x):
    ...     return tf.train.Example(features=tf.train.Features(feature={
    ...         "x": tf.train.Feature(int64_list=tf.train.Int64List(value=x))})).SerializeToString()
    >>> parsed = tf.parse_example([example([1, 2]), example([3])], {
    ...     "x": tf.VarLenFeature(tf.int64),
    ...     "y": tf.FixedLenFeature([], tf.float32, default_value=0.5)})
    >>> parsed["y"].op.type, parsed["y"].op.name
    ('ParseExampleV2', 'ParseExample/ParseExampleV2')
    >>> with tf.Session() as sess:
    ...     x, y = sess.run([parsed["x"], parsed["y"]])
    >>> x.indices.tolist(), x.dense_shape.tolist(), y.tolist()
    ([[0, 0], [0, 1], [1, 0]], [2, 2], [0.5, 0.5])
"""

from __future__ import annotations

import re

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Tensor
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
    serialized_shape,
)
from teachflow.ops.reshaping import reshape

__all__ = ["parse_example"]


def _text(value):
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else str(value)


def _is_sequence(shape):
    """A dense shape whose first dimension is unknown: a FixedLenSequenceFeature's."""
    return bool(shape.ndims) and shape.as_list()[0] is None


def _dense_output(records, key, dtype, shape, default):
    """A dense feature of every record, stacked: ``[batch, *shape]``."""
    if not _is_sequence(shape):
        dims = shape.as_list()
        rows = [r.dense_value(key, dtype, dims, default) for r in records]
        return np.stack(rows) if rows else np.zeros([0, *dims], dtype=numpy_type(dtype))
    element = shape.as_list()[1:]
    rows = [r.sequence_value(key, dtype, element) for r in records]
    longest = max((len(row) for row in rows), default=0)
    # Shorter Examples are padded with the default: the scalar padding value.
    out = np.full([len(rows), longest, *element], np.asarray(default).item(), numpy_type(dtype))
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _sparse_output(records, key, dtype):
    """A VarLenFeature of every record: indices ``[example, i]``, values, dense shape."""
    rows = [r.sparse_values(key, dtype) for r in records]
    indices = [[i, j] for i, row in enumerate(rows) for j in range(len(row))]
    values = np.concatenate(rows) if rows else np.zeros(0, dtype=numpy_type(dtype))
    longest = max((len(row) for row in rows), default=0)
    return (
        np.array(indices, dtype=np.int64).reshape(-1, 2),
        values.astype(numpy_type(dtype)),
        np.array([len(rows), longest], dtype=np.int64),
    )


def _parse_kernel(op, device):
    a = op._attrs
    sparse_types, tdense = list(a["sparse_types"]), list(a["Tdense"])
    dense_shapes = [TensorShape(s) for s in a["dense_shapes"]]

    def parse(serialized, names, sparse_keys, dense_keys, ragged_keys, *defaults):
        # A scalar ``serialized`` is one Example: no batch dimension in the outputs.
        scalar = np.ndim(serialized) == 0
        batch = np.reshape(np.asarray(serialized, dtype=object), [-1])
        names = np.reshape(np.asarray(names, dtype=object), [-1])
        records = [
            ExampleRecord.parse(bytes(s), _text(names[i]) if names.size else "<unknown>", i)
            for i, s in enumerate(batch)
        ]
        indices, values, shapes = [], [], []
        for key, dtype in zip(sparse_keys, sparse_types):
            ind, val, shape = _sparse_output(records, _text(key), dtype)
            indices.append(ind[:, 1:] if scalar else ind)
            values.append(val)
            shapes.append(shape[1:] if scalar else shape)
        dense = [
            _dense_output(records, _text(key), dtype, shape, default)
            for key, dtype, shape, default in zip(dense_keys, tdense, dense_shapes, defaults)
        ]
        return tuple(indices + values + shapes + [d[0] if scalar else d for d in dense])

    return parse


def _parse_infer(op):
    a = op._attrs
    serialized = serialized_shape(op)
    n = len(a["sparse_types"])
    if serialized.ndims is None:
        return (
            [(dtypes.int64, TensorShape([None, None]))] * n
            + [(t, TensorShape([None])) for t in a["sparse_types"]]
            + [(dtypes.int64, TensorShape([None]))] * n
            + [(t, TensorShape(None)) for t in a["Tdense"]]
        )
    rank = serialized.ndims + 1
    return (
        [(dtypes.int64, TensorShape([None, rank]))] * n
        + [(t, TensorShape([None])) for t in a["sparse_types"]]
        + [(dtypes.int64, TensorShape([rank]))] * n
        + [
            (t, serialized.concatenate(TensorShape(s)))
            for t, s in zip(a["Tdense"], a["dense_shapes"])
        ]
    )


registry.register(
    "ParseExampleV2", _parse_infer, kernels={"CPU": _parse_kernel}, not_differentiable=True
)


def _spec(key, feature):
    """(sparse?, dtype, shape) of one feature, refusing what TF refuses when building."""
    if isinstance(feature, VarLenFeature):
        return True, check_dtype(key, feature.dtype), None
    if isinstance(feature, (FixedLenFeature, FixedLenSequenceFeature)):
        if feature.shape is None:
            raise ValueError(f"Missing shape for feature {key}. Received feature={feature}.")
        shape = as_shape(feature.shape)
        if isinstance(feature, FixedLenSequenceFeature):
            if not feature.allow_missing:
                raise ValueError(
                    "Unsupported: FixedLenSequenceFeature requires allow_missing to be True."
                )
            shape = TensorShape([None]).concatenate(shape)
        return False, check_dtype(key, feature.dtype), shape
    raise ValueError(f"Unsupported feature type {type(feature).__name__} for {key!r}")


def _dense_default(key, feature, dtype, shape):
    """The default input of a dense feature, built (and named) as TF's parsing_config does."""
    safe_key = re.sub(r"[^A-Za-z0-9_.\-/]", "_", key)
    default = feature.default_value
    if _is_sequence(shape):
        # A sequence's default is the padding value: a scalar, 0 or b"" when not given.
        if default is None:
            return convert_to_tensor(b"" if dtype is dtypes.string else 0, dtype=dtype)
        return reshape(convert_to_tensor(default, dtype=dtype, name="padding_" + safe_key), [])
    if default is None:
        # An empty default marks the feature required.
        return convert_to_tensor(np.zeros(0, numpy_type(dtype)), dtype=dtype)
    if isinstance(default, Tensor):
        return default
    # Reshaped to the TensorShape itself (one int32 Const, as TF's parsing_config: a list
    # would leave op_def_library's dead float attempt for []).
    return reshape(convert_to_tensor(default, dtype=dtype, name="key_" + safe_key), shape)


def _strings(values, name):
    """A string vector input (the keys, the names), as the op wrapper converts it."""
    if isinstance(values, Tensor):
        return values
    vector = np.empty(len(values), dtype=object)
    vector[:] = list(values)
    return convert_to_tensor(vector, dtype=dtypes.string, name=name)


def parse_example(serialized, features, name=None, example_names=None):
    """The ``features`` (name -> `FixedLenFeature` / `VarLenFeature` /
    `FixedLenSequenceFeature`) of a batch of serialized Examples (a string vector): a dict
    of Tensors and SparseTensors by name, each with the batch as its first dimension.

    ``example_names`` (strings, one per Example) name the Examples in error messages.
    InvalidArgumentError when an Example is not one, lacks a required feature, or has one
    of another dtype or another number of values than its shape holds; the message gives
    the Example's name and its index in the batch."""
    if not features:
        raise ValueError(f"Argument `features` cannot be None or falsy. Got {features}")
    specs = {key: _spec(key, features[key]) for key in sorted(features)}
    sparse = [k for k, (is_sparse, _, _) in specs.items() if is_sparse]
    dense = [k for k, (is_sparse, _, _) in specs.items() if not is_sparse]
    with name_scope(name, "ParseExample"):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        defaults = [_dense_default(k, features[k], *specs[k][1:]) for k in dense]
        # TF passes ``name`` to the op too: ParseExample/ParseExampleV2, or pp/pp.
        with name_scope(name or "ParseExampleV2") as op_scope:
            inputs = [
                serialized,
                _strings([] if example_names is None else example_names, "names"),
                _strings([k.encode() for k in sparse], "sparse_keys"),
                _strings([k.encode() for k in dense], "dense_keys"),
                _strings([], "ragged_keys"),
                *defaults,
            ]
            attrs = {
                "num_sparse": len(sparse),
                "sparse_types": [specs[k][1] for k in sparse],
                "Tdense": [specs[k][1] for k in dense],
                "dense_shapes": [specs[k][2] for k in dense],
                "ragged_value_types": [],
                "ragged_split_types": [],
            }
            op = get_default_graph().create_op("ParseExampleV2", inputs, attrs, name=op_scope)
    n = len(sparse)
    out = op.outputs
    result = {key: SparseTensor(out[i], out[n + i], out[2 * n + i]) for i, key in enumerate(sparse)}
    result.update({key: out[3 * n + i] for i, key in enumerate(dense)})
    return result
