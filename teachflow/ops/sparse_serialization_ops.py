"""SparseTensors as strings and back: ``tf.serialize_sparse`` writes one SparseTensor as three
serialized ``TensorProto``s (indices, values, dense shape: the bytes ``tf.io.serialize_tensor``
writes for each), ``tf.serialize_many_sparse`` writes each row of a batch that way (an
``[N, 3]`` string matrix), and ``tf.deserialize_many_sparse`` joins such rows back into one
SparseTensor with a new first axis (each other dimension the largest of the rows').

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 1], [1, 0]], [5, 6], [2, 3])
    >>> back = tf.deserialize_many_sparse(tf.serialize_many_sparse(sp), tf.int32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(back.indices).tolist(), sess.run(back.dense_shape).tolist())
    [[0, 1], [1, 0]] [2, 3]
"""

from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.op_builder import invalid, to_host
from teachflow.ops.reader_resources import as_bytes
from teachflow.ops.sparse_indicator_ops import _as_sparse
from teachflow.ops.tensor_serialization_ops import tensor_proto_bytes
from teachflow.proto import messages
from teachflow.proto.tensor_proto import make_ndarray

__all__ = ["serialize_sparse", "serialize_many_sparse", "deserialize_many_sparse"]


def _check_string_out(op):
    out_type = dtypes.as_dtype(op._attrs.get("out_type", dtypes.string))
    if out_type is not dtypes.string:
        raise TypeError(f"teachflow serializes sparse tensors as strings, not {out_type.name}")
    return out_type


def _serialized(indices, values, shape, dtype):
    return [
        tensor_proto_bytes(indices, dtypes.int64),
        tensor_proto_bytes(values, dtype),
        tensor_proto_bytes(shape, dtypes.int64),
    ]


def _serialize_sparse_kernel(op, device):
    dtype = op.inputs[1].dtype.base_dtype

    def serialize(indices, values, shape):
        parts = _serialized(*(np.asarray(to_host(v)) for v in (indices, values, shape)), dtype)
        return np.array(parts, dtype=object)

    return serialize


def _serialize_many_sparse_kernel(op, device):
    dtype = op.inputs[1].dtype.base_dtype

    def serialize_many(indices, values, shape):
        indices, values, shape = (np.asarray(to_host(v)) for v in (indices, values, shape))
        if shape.size < 2:
            raise invalid(f"Rank of input SparseTensor should be > 1, but saw rank: {shape.size}")
        rows = indices[:, 0]
        out = np.empty((int(shape[0]), 3), dtype=object)
        for b in range(int(shape[0])):
            mine = rows == b
            out[b] = _serialized(indices[mine, 1:], values[mine], shape[1:], dtype)
        return out

    return serialize_many


def _parse(data, what):
    pb = messages.TensorProto()
    try:
        pb.ParseFromString(as_bytes(data))
        return make_ndarray(pb)
    except (DecodeError, ValueError):
        raise invalid(f"Could not parse serialized sparse {what}") from None


def _deserialize_many_sparse_kernel(op, device):
    np_dtype = dtypes.as_dtype(op._attrs["dtype"]).as_numpy_dtype

    def deserialize_many(serialized):
        serialized = np.asarray(serialized, dtype=object)
        if serialized.ndim != 2 or serialized.shape[1] != 3:
            raise invalid(
                "Serialized sparse should be a matrix with 3 columns, got shape "
                f"{list(serialized.shape)}"
            )
        parts = [[_parse(s, w) for s, w in zip(row, ("indices", "values", "shape"))]
                 for row in serialized]  # fmt: skip
        rank = len(parts[0][2]) if parts else 0
        indices = [
            np.concatenate([np.full((len(i), 1), b, np.int64), i.reshape(-1, rank)], axis=1)
            for b, (i, _, _) in enumerate(parts)
        ]
        dims = np.max([p[2] for p in parts], axis=0) if parts else np.zeros([0], np.int64)
        return (
            np.concatenate(indices) if indices else np.zeros([0, rank + 1], np.int64),
            np.concatenate([p[1] for p in parts]).astype(np_dtype)
            if parts
            else np.zeros([0], np_dtype),
            np.concatenate([[len(parts)], dims]).astype(np.int64),
        )

    return deserialize_many


registry.register(
    "SerializeSparse",
    lambda op: [(_check_string_out(op), TensorShape([3]))],
    kernels={"CPU": _serialize_sparse_kernel},
    not_differentiable=True,
)
registry.register(
    "SerializeManySparse",
    lambda op: [(_check_string_out(op), TensorShape([None, 3]))],
    kernels={"CPU": _serialize_many_sparse_kernel},
    not_differentiable=True,
)
registry.register(
    "DeserializeManySparse",
    lambda op: [
        (dtypes.int64, TensorShape([None, None])),
        (dtypes.as_dtype(op._attrs["dtype"]), TensorShape([None])),
        (dtypes.int64, TensorShape([None])),
    ],
    kernels={"CPU": _deserialize_many_sparse_kernel},
    not_differentiable=True,
)


def _serialize(op_type, sp_input, name, out_type):
    sp_input = _as_sparse(sp_input)
    with name_scope(name, op_type) as scope:
        attrs = {"T": sp_input.dtype.base_dtype, "out_type": dtypes.as_dtype(out_type)}
        inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape]
        return sp_input.graph.create_op(op_type, inputs, attrs, name=scope).outputs[0]


def serialize_sparse(sp_input, name=None, out_type=dtypes.string):
    """``sp_input`` as a 3-vector of strings (its serialized indices, values, shape)."""
    return _serialize("SerializeSparse", sp_input, name, out_type)


def serialize_many_sparse(sp_input, name=None, out_type=dtypes.string):
    """Each row (first index) of ``sp_input`` serialized: an ``[N, 3]`` string matrix."""
    return _serialize("SerializeManySparse", sp_input, name, out_type)


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """The SparseTensor of the ``[N, 3]`` serialized rows, stacked along a new first axis
    (its other dimensions the largest of the rows'; ``rank`` the result's, if known)."""
    with name_scope(name, "DeserializeManySparse") as scope:
        serialized = convert_to_tensor(
            serialized_sparse, dtype=dtypes.string, name="serialized_sparse"
        )
        attrs = {"dtype": dtypes.as_dtype(dtype)}
        op = serialized.graph.create_op("DeserializeManySparse", [serialized], attrs, name=scope)
        indices, values, shape = op.outputs
        if rank is not None:
            indices.set_shape([None, rank])
            shape.set_shape([rank])
        return SparseTensor(indices, values, shape)
