"""``tf.python_io``: writing and reading TFRecord files from Python.

``TFRecordWriter`` frames each record it is given (`teachflow.proto.tf_record`), so the
file is the one TensorFlow writes for the same records — a serialized ``tf.train.Example``
as a rule. ``tf_record_iterator`` reads the records back; ``tf.data.TFRecordDataset``
reads them in the graph.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "data.tfrecord")
    >>> with tf.python_io.TFRecordWriter(path) as writer:
    ...     writer.write(b"first")
    ...     writer.write(b"second")
    >>> list(tf.python_io.tf_record_iterator(path))
    [b'first', b'second']
"""

from __future__ import annotations

import gzip
import zlib

from teachflow.framework import errors
from teachflow.proto import tf_record

__all__ = [
    "TFRecordCompressionType",
    "TFRecordOptions",
    "TFRecordWriter",
    "tf_record_iterator",
]


class TFRecordCompressionType:
    """How a TFRecord file is compressed as a whole."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_BY_NAME = {"": 0, "ZLIB": 1, "GZIP": 2}
_WINDOW_BITS = {1: zlib.MAX_WBITS, 2: zlib.MAX_WBITS + 16}  # +16: a gzip header and trailer


class TFRecordOptions:
    """``compression_type``: None/"", "ZLIB", "GZIP" or a `TFRecordCompressionType`."""

    def __init__(self, compression_type=None, compression_level=None):
        if compression_type is None:
            compression_type = 0
        if isinstance(compression_type, str):
            if compression_type not in _BY_NAME:
                raise ValueError(f'Unsupported compression type "{compression_type}"')
            compression_type = _BY_NAME[compression_type]
        self.compression_type = int(compression_type)
        self.compression_level = -1 if compression_level is None else int(compression_level)

    @classmethod
    def get_compression_type_string(cls, options):
        if options is None:
            return ""
        if not isinstance(options, TFRecordOptions):
            options = TFRecordOptions(options)
        return {0: "", 1: "ZLIB", 2: "GZIP"}[options.compression_type]


def _options(options):
    return options if isinstance(options, TFRecordOptions) else TFRecordOptions(options)


class TFRecordWriter:
    """Writes records (bytes) to the TFRecord file ``path``; use as a context manager or
    `close` it. ``options``: a `TFRecordOptions` or a compression type."""

    def __init__(self, path, options=None):
        options = _options(options)
        try:
            self._file = open(path, "wb")  # noqa: SIM115 - open until close(), as TF's writer
        except OSError as e:
            raise errors.NotFoundError(None, None, f"{path}; {e.strerror}") from None
        self._compressor = None
        if options.compression_type:
            # TensorFlow's ZlibCompressionOptions: memLevel 9, the default strategy.
            self._compressor = zlib.compressobj(
                options.compression_level, zlib.DEFLATED, _WINDOW_BITS[options.compression_type], 9
            )

    def write(self, record):
        """Append one record (bytes, or a str as UTF-8)."""
        data = tf_record.frame(record.encode() if isinstance(record, str) else bytes(record))
        self._file.write(self._compressor.compress(data) if self._compressor else data)

    def flush(self):
        if self._compressor is not None:
            self._file.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        if self._file.closed:
            return
        if self._compressor is not None:
            self._file.write(self._compressor.flush())
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tf_record_iterator(path, options=None):
    """The records of the TFRecord file ``path``, one at a time (DataLossError for a
    corrupted or truncated one)."""
    kind = _options(options).compression_type
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    if kind == TFRecordCompressionType.GZIP:
        raw = gzip.decompress(raw)
    elif kind == TFRecordCompressionType.ZLIB:
        raw = zlib.decompress(raw)
    try:
        yield from tf_record.records(raw)
    except tf_record.RecordError as e:
        raise errors.DataLossError(None, None, str(e)) from None
