"""``tf.io.decode_json_example``: ``tf.train.Example``s written in protobuf's JSON mapping,
as serialized Examples for ``parse_example``.

TensorFlow converts the JSON text straight to the binary form, field by field in the order
the text gives them, each repeated value written on its own (not packed); so does this
kernel, after protobuf's JSON parser has checked the text and typed the values. The bytes
are TensorFlow's, and parse to the same Example as any other encoding of it.

    >>> import teachflow as tf
    >>> text = '{"features": {"feature": {"x": {"int64List": {"value": ["7"]}}}}}'
    >>> parsed = tf.parse_single_example(tf.io.decode_json_example(text),
    ...                                  {"x": tf.FixedLenFeature([], tf.int64)})
    >>> with tf.Session() as sess:
    ...     print(sess.run(parsed["x"]))
    7
"""

from __future__ import annotations

import json
import struct

from google.protobuf import json_format

from teachflow.framework import dtypes, errors, registry
from teachflow.ops.op_builder import apply_op
from teachflow.ops.string_ops import elementwise
from teachflow.proto import example as example_pb

__all__ = ["decode_json_example"]


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # a negative int64 is its two's complement: ten bytes
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _feature(feature) -> bytes:
    kind = feature.WhichOneof("kind")
    if kind is None:
        return b""
    values = getattr(feature, kind).value
    if kind == "bytes_list":
        body = b"".join(_field(1, v) for v in values)
        return _field(1, body)
    if kind == "float_list":
        return _field(2, b"".join(b"\x0d" + struct.pack("<f", v) for v in values))
    return _field(3, b"".join(b"\x08" + _varint(v) for v in values))


def to_binary(text: bytes) -> bytes:
    """A JSON Example as TF's converter writes it (JSON order, unpacked values)."""
    try:
        example = json_format.Parse(text, example_pb.Example())
        tree = json.loads(text, object_pairs_hook=list)
    except (json_format.ParseError, ValueError) as e:
        raise errors.InvalidArgumentError(None, None, f"Error while parsing JSON: {e}") from None
    out = b""
    for name, features in tree:
        if name != "features":
            continue
        body = b""
        for inner, entries in features or []:
            if inner != "feature":
                continue
            for key, _ in entries or []:
                entry = _field(1, key.encode()) + _field(2, _feature(example.features.feature[key]))
                body += _field(1, entry)
        out += _field(1, body)
    return out


registry.register(
    "DecodeJSONExample",
    lambda op: [(dtypes.string, op.inputs[0].shape)],
    kernels={"CPU": lambda op, device: elementwise(to_binary)},
    not_differentiable=True,
)


def decode_json_example(json_examples, name=None):
    """Each JSON Example of ``json_examples`` (a string tensor) as a serialized Example."""
    return apply_op(
        "DecodeJSONExample", name, [(json_examples, "json_examples", dtypes.string)]
    ).outputs[0]
