"""``tf.io.decode_compressed``: each string of a tensor inflated from ZLIB or GZIP (as
``TFRecordDataset``'s compressed records are), through TensorFlow's zlib input stream:
a stream cut short gives what it holds, a bad header is a DataLossError with zlib's words.

    >>> import zlib
    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.io.decode_compressed([zlib.compress(b"tea")], "ZLIB")))
    [b'tea']
"""

from __future__ import annotations

import zlib

from teachflow.framework import dtypes, errors, registry
from teachflow.ops.op_builder import apply_op
from teachflow.ops.string_ops import elementwise

__all__ = ["decode_compressed"]

_WINDOW = {"ZLIB": zlib.MAX_WBITS, "GZIP": 16 + zlib.MAX_WBITS}


def _inflate(data: bytes, window: int) -> bytes:
    stream = zlib.decompressobj(window)
    try:
        return stream.decompress(data) + stream.flush()
    except zlib.error as e:
        # "Error -3 while decompressing data: incorrect header check", as TF words it.
        code, reason = str(e).split()[1], str(e).split(": ", 1)[-1]
        raise errors.DataLossError(
            None, None, f"inflate() failed with error {code}: {reason}"
        ) from None


def _kernel(op, device):
    kind = op._attrs["compression_type"]
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "":
        return elementwise(lambda s: s)
    if kind == "ZSTD":
        raise errors.UnimplementedError(
            None, None, "ZSTD decompression is not available in teachflow: use ZLIB or GZIP"
        )
    if kind not in _WINDOW:
        raise errors.InvalidArgumentError(
            None, None, "Only ZLIB, ZSTD, GZIP or NONE are supported compressions"
        )
    return elementwise(lambda s: _inflate(s, _WINDOW[kind]))


registry.register(
    "DecodeCompressed",
    lambda op: [(dtypes.string, op.inputs[0].shape)],
    kernels={"CPU": _kernel},
    not_differentiable=True,
)


def decode_compressed(bytes, compression_type="", name=None):  # noqa: A002 - TF's name
    """Every string of ``bytes`` decompressed: ``compression_type`` "ZLIB", "GZIP" or ""
    (none: the strings unchanged)."""
    attrs = {"compression_type": compression_type}
    return apply_op("DecodeCompressed", name, [(bytes, "bytes", dtypes.string)], attrs).outputs[0]
