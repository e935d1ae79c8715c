"""Strings to and from other things: numbers as text (``tf.as_string``),
web-safe base64 (``tf.encode_base64``) and hash buckets (``tf.strings.to_hash_bucket_fast``).

A hash bucket is ``hash(s) mod num_buckets`` with the hash TensorFlow's kernel uses
(`teachflow.ops.string_hashes`), so a string lands in the same bucket as under TensorFlow: the
out-of-vocabulary ids of ``tf.lookup.StaticVocabularyTable`` come from here.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.strings.to_hash_bucket_fast(["hello", "world"], 10)))
    [6 8]
"""

from __future__ import annotations

import base64
import binascii
import re

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.ops.op_builder import apply_op
from teachflow.ops.reader_resources import as_bytes
from teachflow.ops.string_hashes import fingerprint64, legacy_hash64, siphash24
from teachflow.ops.string_ops import elementwise

__all__ = [
    "as_string",
    "decode_base64",
    "encode_base64",
    "string_to_hash_bucket",
    "string_to_hash_bucket_fast",
    "string_to_hash_bucket_strong",
]


def _same_shape(out_dtype):
    return lambda op: [(out_dtype, op.inputs[0].shape)]


def _register(op_type, infer, kernel):
    registry.register(op_type, infer, kernels={"CPU": kernel}, not_differentiable=True)


# -- hash buckets --------------------------------------------------------------------------
def _bucket_kernel(hash_of):
    def make(op, device):
        n = int(op._attrs["num_buckets"])
        return elementwise(lambda s: hash_of(op, s) % n, np.int64)

    return make


_register(
    "StringToHashBucketFast",
    _same_shape(dtypes.int64),
    _bucket_kernel(lambda op, s: fingerprint64(s)),
)
_register(
    "StringToHashBucket",
    _same_shape(dtypes.int64),
    _bucket_kernel(lambda op, s: legacy_hash64(s)),
)
_register(
    "StringToHashBucketStrong",
    _same_shape(dtypes.int64),
    _bucket_kernel(lambda op, s: siphash24(tuple(op._attrs["key"]), s)),
)


# -- AsString ------------------------------------------------------------------------------
def _as_string_format(attrs, dtype):
    """The printf format TF's AsString kernel builds from its attrs."""
    fill, width, precision = (
        attrs.get("fill", ""),
        attrs.get("width", -1),
        attrs.get("precision", -1),
    )
    fmt = "%"
    if fill:
        if fill[0] not in " +-0#":
            raise errors.InvalidArgumentError(None, None, f'Fill argument not supported: "{fill}"')
        fmt += fill
    if width > -1:
        fmt += str(width)
    if precision > -1:
        fmt += f".{precision}"
    if dtype.is_floating or dtype.is_complex:
        return fmt + ("g" if attrs.get("shortest") else "e" if attrs.get("scientific") else "f")
    if dtype is dtypes.string:
        return fmt + "s"
    return fmt + "d"


def _as_string_kernel(op, device):
    dtype = op.inputs[0].dtype.base_dtype
    fmt = _as_string_format(op._attrs, dtype)

    def one(v):
        if dtype is dtypes.bool_:
            return b"true" if v else b"false"
        if dtype.is_complex:
            return f"({fmt % v.real},{fmt % v.imag})".encode()
        if dtype is dtypes.string:
            return (fmt % as_bytes(v).decode("latin-1")).encode("latin-1")
        return (fmt % (float(v) if dtype.is_floating else int(v))).encode()

    def as_string(values):
        arr = np.asarray(values)
        out = np.empty(arr.shape, dtype=object)
        for i in np.ndindex(arr.shape):
            out[i] = one(arr[i])
        return out

    return as_string


_register("AsString", _same_shape(dtypes.string), _as_string_kernel)


# -- base64 (web-safe alphabet: - and _ for + and /) ---------------------------------------
def _encode(pad):
    def encode(s: bytes) -> bytes:
        text = base64.urlsafe_b64encode(s)
        return text if pad else text.rstrip(b"=")

    return encode


def _decode(s: bytes) -> bytes:
    body = s.rstrip(b"=")
    if re.search(rb"[^A-Za-z0-9_-]", body) or len(body) % 4 == 1:
        raise errors.InvalidArgumentError(None, None, "Invalid character found in base64.")
    try:
        return base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
    except binascii.Error:
        raise errors.InvalidArgumentError(
            None, None, "Invalid character found in base64."
        ) from None


_register(
    "EncodeBase64",
    _same_shape(dtypes.string),
    lambda op, d: elementwise(_encode(bool(op._attrs.get("pad", False)))),
)
_register("DecodeBase64", _same_shape(dtypes.string), lambda op, d: elementwise(_decode))


# -- the Python API ------------------------------------------------------------------------
def _bucket(op_type, string_tensor, num_buckets, name, **attrs):
    attrs["num_buckets"] = int(num_buckets)
    return apply_op(op_type, name, [(string_tensor, "input", dtypes.string)], attrs).outputs[0]


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's name
    """``Fingerprint64(s) mod num_buckets`` for each string (FarmHash, stable across runs)."""
    return _bucket("StringToHashBucketFast", input, num_buckets, name)


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """``SipHash-2-4(key, s) mod num_buckets``: buckets an adversary cannot aim at without ``key``."""
    return _bucket("StringToHashBucketStrong", input, num_buckets, name, key=[int(k) for k in key])


def string_to_hash_bucket(string_tensor, num_buckets, name=None):
    """The legacy bucketing (TF's MurmurHash64A ``Hash64``); prefer the ``_fast`` one."""
    args = [(string_tensor, "string_tensor", dtypes.string)]
    return apply_op("StringToHashBucket", name, args, {"num_buckets": int(num_buckets)}).outputs[0]


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):  # noqa: A002
    """Each element written as text, as C's printf would with the format these build
    (``%f`` for floats, ``%d`` for integers; ``true``/``false`` for booleans)."""
    attrs = {
        "precision": precision,
        "scientific": scientific,
        "shortest": shortest,
        "width": width,
        "fill": fill,
    }
    return apply_op("AsString", name, [(input, "input", None)], attrs).outputs[0]


def encode_base64(input, pad=False, name=None):  # noqa: A002
    """Each string in web-safe base64 (``-`` and ``_``), ``=`` padded only when ``pad``."""
    return apply_op(
        "EncodeBase64", name, [(input, "input", dtypes.string)], {"pad": bool(pad)}
    ).outputs[0]


def decode_base64(input, name=None):  # noqa: A002
    """Each web-safe base64 string decoded (padding optional)."""
    return apply_op("DecodeBase64", name, [(input, "input", dtypes.string)]).outputs[0]
