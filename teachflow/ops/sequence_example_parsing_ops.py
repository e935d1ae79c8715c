"""``tf.parse_single_sequence_example`` and ``tf.io.parse_sequence_example``: the features
of serialized ``tf.train.SequenceExample``s.

A SequenceExample has *context* features (one value list each, as an Example's) and
*feature lists*: for each name, one Feature per step of a sequence (the words of a
sentence, the frames of a clip). As in TensorFlow 2.21 one ``ParseSequenceExampleV2`` op
parses a scalar (one record) or a vector (a batch) of them; its outputs are, for the
context, the sparse features' indices, values and shapes then the dense features, and
for the feature lists the same, then each dense feature list's length (its number of
steps). A `FixedLenSequenceFeature` of shape ``s`` becomes ``[steps, *s]`` (``[batch,
longest, *s]`` for a batch, shorter ones padded with 0 or b""); a `VarLenFeature` of a
feature list a SparseTensor indexed ``[step, i]`` (``[example, step, i]``).

    >>> import teachflow as tf
    >>> words = tf.train.FeatureList(feature=[
    ...     tf.train.Feature(bytes_list=tf.train.BytesList(value=[w])) for w in (b"tea", b"time")])
    >>> record = tf.train.SequenceExample(
    ...     context=tf.train.Features(feature={
    ...         "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))}),
    ...     feature_lists=tf.train.FeatureLists(feature_list={"words": words}))
    >>> context, lists = tf.parse_single_sequence_example(
    ...     record.SerializeToString(),
    ...     context_features={"label": tf.FixedLenFeature([], tf.int64)},
    ...     sequence_features={"words": tf.FixedLenSequenceFeature([], tf.string)})
    >>> with tf.Session() as sess:
    ...     print(sess.run([context["label"], lists["words"]]))
    [np.int64(1), array([b'tea', b'time'], dtype=object)]
"""

from __future__ import annotations

import numpy as np
from google.protobuf import message

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.example_batch_parsing_ops import _dense_default, _strings, _text
from teachflow.ops.example_features import (
    _TF_NAME,
    KIND,
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    check_dtype,
    fixed_length,
    invalid,
    numpy_type,
    serialized_shape,
)
from teachflow.proto import example as example_pb

__all__ = ["parse_sequence_example", "parse_single_sequence_example"]


def _shape_text(dims):
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


class SequenceRecord:
    """One serialized SequenceExample of a batch, read as TF's parser reads it."""

    def __init__(self, serialized: bytes, name: str):
        try:
            self.proto = example_pb.SequenceExample.FromString(serialized)
        except message.DecodeError:
            raise invalid(f"Invalid protocol message input, example id: {name}") from None
        self.name = name

    def _context(self, key, dtype):
        """The values of context feature ``key`` (None when absent)."""
        features = self.proto.context.feature
        if key not in features:
            return None
        return _values(features[key], dtype, f"Name: {self.name}, Context feature: {key}.")

    def context_sparse(self, key, dtype):
        v = self._context(key, dtype)
        return np.zeros(0, numpy_type(dtype)) if v is None else v

    def context_dense(self, key, dtype, dims, default):
        return fixed_length(
            self._context(key, dtype), dtype, dims, default,
            missing=f"Feature: {key} (data type: {_TF_NAME[KIND[dtype]]}) is required but "
            "could not be found.",
            wrong_count=lambda n: f"Inconsistent max number of elements for feature {key}: "
            f"expected {int(np.prod(dims))}, but found {n}",
        )  # fmt: skip

    def steps(self, key, dtype):
        """The values of each step of feature list ``key`` (None when absent)."""
        lists = self.proto.feature_lists.feature_list
        if key not in lists:
            return None
        return [
            _values(f, dtype, f"Name: {self.name}, Feature list: {key}, Index: {t}.")
            for t, f in enumerate(lists[key].feature)
        ]

    def dense_steps(self, key, dtype, element, allow_missing):
        """``[steps, *element]``: TF checks the total count, then each step's."""
        steps = self.steps(key, dtype)
        if steps is None:
            if not allow_missing:
                raise invalid(
                    f"Name: {self.name}, Feature list '{key}' is required but could not be "
                    "found.  Did you mean to include it in "
                    "feature_list_dense_missing_assumed_empty or feature_list_dense_defaults?"
                )
            steps = []
        stride = int(np.prod(element))
        total = sum(len(s) for s in steps)
        if stride and total % stride:
            raise invalid(
                f"Feature list '{key}' has an unexpected number of values.  Total values "
                f"size: {total} is not consistent with output shape: "
                f"{_shape_text([None, *element])}"
            )
        for t, s in enumerate(steps):
            if len(s) != stride:
                raise invalid(
                    f"Name: {self.name}, Key: {key}, Index: {t}.  Number of values != "
                    f"expected.  values size: {len(s)} but output shape: {_shape_text(element)}"
                )
        if not steps:
            return np.zeros([0, *element], numpy_type(dtype))
        return np.concatenate(steps).astype(numpy_type(dtype)).reshape([len(steps), *element])


def _values(feature, dtype, where):
    """One Feature's values as a 1-D array of ``dtype``; TF's words when its kind differs."""
    kind = feature.WhichOneof("kind")
    if kind is None:
        return np.zeros(0, numpy_type(dtype))
    if kind != KIND[dtype]:
        expected = _TF_NAME[KIND[dtype]]
        raise invalid(f"{where}  Data types don't match. Expected type: {expected}")
    values = list(getattr(feature, kind).value)
    if dtype is dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=dtype.as_numpy_dtype)


def _sparse(rows, dtype):
    """Values per record (a list of 1-D arrays, or of step lists) as one SparseTensor."""
    indices, values = [], []
    for i, row in enumerate(rows):
        if isinstance(row, list):  # a feature list: [example, step, j]
            for t, step in enumerate(row):
                indices += [[i, t, j] for j in range(len(step))]
                values += list(step)
        else:
            indices += [[i, j] for j in range(len(row))]
            values += list(row)
    depth = 3 if rows and isinstance(rows[0], list) else 2
    if rows and isinstance(rows[0], list):
        shape = [
            len(rows),
            max((len(r) for r in rows), default=0),
            max((len(s) for r in rows for s in r), default=0),
        ]
    else:
        shape = [len(rows), max((len(r) for r in rows), default=0)]
    array = np.empty(len(values), numpy_type(dtype))
    array[:] = values
    return (
        np.array(indices, dtype=np.int64).reshape(-1, depth),
        array,
        np.array(shape, dtype=np.int64),
    )


def _parse_kernel(op, device):
    a = op._attrs
    context_sparse_types = list(a["context_sparse_types"])
    context_dense = list(
        zip(a["Tcontext_dense"], [TensorShape(s) for s in a["context_dense_shapes"]])
    )
    list_sparse_types = list(a["feature_list_sparse_types"])
    list_dense = list(
        zip(a["feature_list_dense_types"], [TensorShape(s) for s in a["feature_list_dense_shapes"]])
    )

    def parse(serialized, names, c_sparse, c_dense, c_ragged, l_sparse, l_dense, l_ragged,
              assumed_empty, *defaults):  # fmt: skip
        scalar = np.ndim(serialized) == 0
        batch = np.reshape(np.asarray(serialized, dtype=object), [-1])
        names = np.reshape(np.asarray(names, dtype=object), [-1])
        records = [
            SequenceRecord(bytes(s), _text(names[i]) if names.size > i else "<unknown>")
            for i, s in enumerate(batch)
        ]
        out_c_sparse = [
            _sparse([r.context_sparse(_text(k), t) for r in records], t)
            for k, t in zip(c_sparse, context_sparse_types)
        ]
        out_c_dense = []
        for key, (t, shape), default in zip(c_dense, context_dense, defaults):
            rows = [r.context_dense(_text(key), t, shape.as_list(), default) for r in records]
            out_c_dense.append(np.stack(rows) if rows else np.zeros([0, *shape.as_list()]))
        out_l_sparse = []
        for key, t in zip(l_sparse, list_sparse_types):
            out_l_sparse.append(_sparse([r.steps(_text(key), t) or [] for r in records], t))
        out_l_dense, lengths = [], []
        for key, (t, shape), missing_ok in zip(l_dense, list_dense, np.reshape(assumed_empty, -1)):
            element = shape.as_list()
            rows = [r.dense_steps(_text(key), t, element, bool(missing_ok)) for r in records]
            longest = max((len(row) for row in rows), default=0)
            padded = np.full([len(rows), longest, *element], b"" if t is dtypes.string else 0,
                             numpy_type(t))  # fmt: skip
            for i, row in enumerate(rows):
                padded[i, : len(row)] = row
            out_l_dense.append(padded)
            lengths.append(np.array([len(row) for row in rows], dtype=np.int64))
        if scalar:  # one record: no batch dimension
            out_c_sparse = [(ind[:, 1:], val, shp[1:]) for ind, val, shp in out_c_sparse]
            out_l_sparse = [(ind[:, 1:], val, shp[1:]) for ind, val, shp in out_l_sparse]
            out_c_dense = [d[0] for d in out_c_dense]
            out_l_dense = [d[0] for d in out_l_dense]
            lengths = [n[0] for n in lengths]
        return tuple(
            [s[0] for s in out_c_sparse] + [s[1] for s in out_c_sparse]
            + [s[2] for s in out_c_sparse] + out_c_dense
            + [s[0] for s in out_l_sparse] + [s[1] for s in out_l_sparse]
            + [s[2] for s in out_l_sparse] + out_l_dense + lengths
        )  # fmt: skip

    return parse


def _parse_infer(op):
    a = op._attrs
    serialized = serialized_shape(op)
    rank = serialized.ndims
    nc, nl = a["Ncontext_sparse"], a["Nfeature_list_sparse"]

    def sparse(n, types, depth):
        dims = None if rank is None else rank + depth
        return (
            [(dtypes.int64, TensorShape([None, dims]))] * n
            + [(t, TensorShape([None])) for t in types]
            + [(dtypes.int64, TensorShape([dims]))] * n
        )

    def batch(shape):
        return TensorShape(None) if rank is None else serialized.concatenate(shape)

    return (
        sparse(nc, a["context_sparse_types"], 1)
        + [
            (t, batch(TensorShape(s)))
            for t, s in zip(a["Tcontext_dense"], a["context_dense_shapes"])
        ]
        + sparse(nl, a["feature_list_sparse_types"], 2)
        + [
            (t, batch(TensorShape([None]).concatenate(s)))
            for t, s in zip(a["feature_list_dense_types"], a["feature_list_dense_shapes"])
        ]
        + [(dtypes.int64, batch(TensorShape([])))] * a["Nfeature_list_dense"]
    )


registry.register(
    "ParseSequenceExampleV2", _parse_infer, kernels={"CPU": _parse_kernel}, not_differentiable=True
)


def _split(features, dense_kinds, what):
    """(sparse keys, dense keys) of a feature dict, sorted, refusing other kinds."""
    features = features or {}
    sparse, dense = [], []
    for key in sorted(features):
        f = features[key]
        if isinstance(f, VarLenFeature):
            sparse.append(key)
        elif isinstance(f, dense_kinds):
            if f.shape is None:
                raise ValueError(f"Missing shape for feature {key}. Received feature={f}.")
            dense.append(key)
        else:
            raise ValueError(f"Unsupported {what} feature type {type(f).__name__} for {key!r}")
    return sparse, dense


def _parse_raw(serialized, debug_name, context_features, sequence_features, name):
    c_sparse, c_dense = _split(context_features, FixedLenFeature, "context")
    l_sparse, l_dense = _split(sequence_features, FixedLenSequenceFeature, "sequence")
    if not (c_sparse or c_dense or l_sparse or l_dense):
        raise ValueError("Must provide at least one feature key.")
    context_features, sequence_features = context_features or {}, sequence_features or {}
    for key in l_dense:
        if sequence_features[key].default_value is not None:
            raise ValueError(f"Value feature_list.dense_defaults[{key}] must be None")
    with name_scope(name, "ParseSequenceExample"):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        c_types = {k: check_dtype(k, context_features[k].dtype) for k in c_sparse + c_dense}
        l_types = {k: check_dtype(k, sequence_features[k].dtype) for k in l_sparse + l_dense}
        c_shapes = [as_shape(context_features[k].shape) for k in c_dense]
        defaults = [
            _dense_default(k, context_features[k], c_types[k], s) for k, s in zip(c_dense, c_shapes)
        ]
        with name_scope(name or "ParseSequenceExampleV2") as op_scope:
            missing_ok = np.array([bool(sequence_features[k].allow_missing) for k in l_dense])
            inputs = [
                serialized,
                _strings([] if debug_name is None else debug_name, "debug_name"),
                _strings([k.encode() for k in c_sparse], "context_sparse_keys"),
                _strings([k.encode() for k in c_dense], "context_dense_keys"),
                _strings([], "context_ragged_keys"),
                _strings([k.encode() for k in l_sparse], "feature_list_sparse_keys"),
                _strings([k.encode() for k in l_dense], "feature_list_dense_keys"),
                _strings([], "feature_list_ragged_keys"),
                convert_to_tensor(
                    missing_ok.astype(bool), dtypes.bool_,
                    name="feature_list_dense_missing_assumed_empty",
                ),
                *defaults,
            ]  # fmt: skip
            attrs = {
                "Ncontext_sparse": len(c_sparse),
                "Tcontext_dense": [c_types[k] for k in c_dense],
                "context_sparse_types": [c_types[k] for k in c_sparse],
                "context_ragged_value_types": [],
                "context_ragged_split_types": [],
                "context_dense_shapes": c_shapes,
                "Nfeature_list_sparse": len(l_sparse),
                "Nfeature_list_dense": len(l_dense),
                "feature_list_dense_types": [l_types[k] for k in l_dense],
                "feature_list_sparse_types": [l_types[k] for k in l_sparse],
                "feature_list_ragged_value_types": [],
                "feature_list_ragged_split_types": [],
                "feature_list_dense_shapes": [
                    as_shape(sequence_features[k].shape) for k in l_dense
                ],
            }
            op = get_default_graph().create_op(
                "ParseSequenceExampleV2", inputs, attrs, name=op_scope
            )
    out = list(op.outputs)

    def take(n):
        taken = out[:n]
        del out[:n]
        return taken

    def sparse_tensors(keys):
        ind, val, shp = take(len(keys)), take(len(keys)), take(len(keys))
        return {k: SparseTensor(i, v, s) for k, i, v, s in zip(keys, ind, val, shp)}

    context = sparse_tensors(c_sparse)
    context.update(zip(c_dense, take(len(c_dense))))
    lists = sparse_tensors(l_sparse)
    lists.update(zip(l_dense, take(len(l_dense))))
    lengths = dict(zip(l_dense, take(len(l_dense))))
    return context, lists, lengths


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):  # fmt: skip
    """``(context, feature_lists)``: dicts of the ``context_features`` (`FixedLenFeature`,
    `VarLenFeature`) and ``sequence_features`` (`FixedLenSequenceFeature`, `VarLenFeature`)
    of one serialized SequenceExample (a string scalar); see the module's text."""
    if not (context_features or sequence_features):
        raise ValueError(
            "Both `context_features` and `sequence_features` argument are None, but at least "
            "one should have values."
        )
    with name_scope(name, "ParseSingleSequenceExample"):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        if serialized.shape.ndims not in (None, 0):
            raise ValueError(f"Input serialized must be a scalar, got shape {serialized.shape}")
        context, lists, _ = _parse_raw(
            serialized, example_name, context_features, sequence_features, None
        )
    return context, lists


def parse_sequence_example(serialized, context_features=None, sequence_features=None,
                           example_names=None, name=None):  # fmt: skip
    """``(context, feature_lists, lengths)`` of a batch (a string vector) of serialized
    SequenceExamples: each feature with the batch as its first dimension, dense feature
    lists padded to the longest, ``lengths`` their number of steps per example."""
    if not (context_features or sequence_features):
        raise ValueError(
            "Both `context_features` and `sequence_features` argument are None, but at least "
            "one should have values."
        )
    with name_scope(name, "ParseSequenceExample"):
        return _parse_raw(serialized, example_names, context_features, sequence_features, None)
