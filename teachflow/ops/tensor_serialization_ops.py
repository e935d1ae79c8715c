"""A whole tensor as one string and back: ``tf.io.serialize_tensor`` / ``tf.io.parse_tensor``
(ops ``SerializeTensor`` and ``ParseTensor``).

The string is a serialized ``TensorProto``, written as TensorFlow's kernel writes it: numbers
as raw little-endian bytes in ``tensor_content`` (even a scalar), strings one per
``string_val``. So a tensor serialized here parses in TensorFlow, and the other way round —
handy to store any tensor in a ``tf.train.Example`` bytes feature.

    >>> import teachflow as tf
    >>> s = tf.io.serialize_tensor(tf.constant([[1, 2], [3, 4]]))
    >>> back = tf.io.parse_tensor(s, out_type=tf.int32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(back))
    [[1 2]
     [3 4]]

``parse_tensor`` knows neither the shape nor (until it runs) the dtype written in the
string: its result has an unknown shape, and a dtype other than ``out_type`` is an
InvalidArgumentError when it runs.
"""

from __future__ import annotations

import base64

import numpy as np
from google.protobuf.message import DecodeError

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.shapes import TensorShape
from teachflow.ops.op_builder import apply_op
from teachflow.ops.reader_resources import as_bytes
from teachflow.proto import messages
from teachflow.proto.tensor_proto import enum_of_numpy, make_ndarray

__all__ = ["parse_tensor", "serialize_tensor"]

_STRING = 7


def _type_string(enum: int) -> str:
    # TF's DataTypeString: DT_FLOAT -> "float", DT_DOUBLE -> "double".
    return messages.DataType.Name(enum)[len("DT_") :].lower()


def tensor_proto_bytes(value, dtype) -> bytes:
    """``value`` (of ``dtype``) as the bytes SerializeTensor writes."""
    arr = np.asarray(value)
    enum = dtype.as_datatype_enum
    pb = messages.TensorProto(dtype=enum)
    pb.tensor_shape.SetInParent()
    for d in arr.shape:
        pb.tensor_shape.dim.add(size=d)
    if enum == _STRING:
        pb.string_val.extend(as_bytes(v) for v in arr.reshape(-1))
    else:
        wire = arr.dtype.newbyteorder("<") if arr.dtype.byteorder != "|" else arr.dtype
        pb.tensor_content = np.ascontiguousarray(arr.astype(wire, copy=False)).tobytes()
    return pb.SerializeToString()


def _serialize_kernel(op, device):
    dtype = op.inputs[0].dtype.base_dtype

    def serialize(value):
        out = np.empty((), dtype=object)
        out[()] = tensor_proto_bytes(value, dtype)
        return out

    return serialize


def _parse_kernel(op, device):
    out_enum = dtypes.as_dtype(op._attrs["out_type"]).as_datatype_enum

    def parse(serialized):
        arr = np.asarray(serialized, dtype=object)
        if arr.shape != ():
            raise errors.InvalidArgumentError(
                None, None, f"Expected `serialized` to be a scalar, got shape: {list(arr.shape)}"
            )
        data = as_bytes(arr[()])
        pb = messages.TensorProto()
        try:
            pb.ParseFromString(data)
            value = make_ndarray(pb)
        except (DecodeError, ValueError):
            raise errors.InvalidArgumentError(
                None,
                None,
                "Could not parse `serialized` as TensorProto, base64: "
                + base64.b64encode(data).decode(),
            ) from None
        if pb.dtype != out_enum:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Type mismatch between parsed tensor ({_type_string(pb.dtype)}) and dtype "
                f"({_type_string(out_enum)})",
            )
        if pb.dtype != _STRING and enum_of_numpy(value.dtype) != pb.dtype:
            value = value.astype(dtypes.as_dtype(out_enum).as_numpy_dtype)
        return value

    return parse


# Neither is differentiable in TF either (parsing_grad.py: NotDifferentiable).
registry.register(
    "SerializeTensor",
    lambda op: [(dtypes.string, TensorShape([]))],
    kernels={"CPU": _serialize_kernel},
    not_differentiable=True,
)
registry.register(
    "ParseTensor",
    lambda op: [(dtypes.as_dtype(op._attrs["out_type"]), TensorShape(None))],
    kernels={"CPU": _parse_kernel},
    not_differentiable=True,
)


def serialize_tensor(tensor, name=None):
    """``tensor`` as a scalar string: its serialized ``TensorProto``."""
    return apply_op("SerializeTensor", name, [(tensor, "tensor", None)]).outputs[0]


def parse_tensor(serialized, out_type, name=None):
    """The tensor a scalar string from `serialize_tensor` holds, of dtype ``out_type``."""
    attrs = {"out_type": dtypes.as_dtype(out_type)}
    return apply_op(
        "ParseTensor", name, [(serialized, "serialized", dtypes.string)], attrs
    ).outputs[0]
