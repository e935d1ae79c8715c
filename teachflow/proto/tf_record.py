"""The TFRecord file format: a plain sequence of records, each framed so a reader can tell a
torn or corrupted record from a good one.

    uint64  length                  (little-endian)
    uint32  masked_crc32c(length bytes)
    byte    data[length]
    uint32  masked_crc32c(data)

``tf.python_io.TFRecordWriter`` writes it, ``tf.data.TFRecordDataset`` and
``tf.python_io.tf_record_iterator`` read it; event files are TFRecord files too.

    >>> framed = frame(b"abc")
    >>> len(framed), list(records(framed + frame(b"")))
    (19, [b'abc', b''])
"""

from __future__ import annotations

import struct

from teachflow.proto import crc32c

__all__ = ["RecordError", "frame", "records"]


class RecordError(ValueError):
    """A corrupted record; ``offset`` is where the bad bytes start (TF's DataLossError)."""

    def __init__(self, message, offset):
        super().__init__(message)
        self.offset = offset


def _masked(data: bytes) -> int:
    return crc32c.mask(crc32c.value(data))


def frame(data: bytes) -> bytes:
    """One record: its length, the length's masked CRC, the data, the data's masked CRC."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", _masked(header)) + data + struct.pack("<I", _masked(data))


def records(raw: bytes):
    """The data of each record of ``raw`` (a whole file), checking both CRCs as it goes.

    A bad CRC raises RecordError (TF's DataLossError), at the record's offset for its length
    and at its data's offset for the data. A torn last record ends the records without an
    error, as TensorFlow 2's reader does: a file still being written (an event file) reads
    up to its last whole record."""
    pos = 0
    while pos < len(raw):
        if pos + 12 > len(raw):
            return
        header = raw[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", raw[pos + 8 : pos + 12])
        if header_crc != _masked(header):
            hint = " (Is this even a TFRecord file?)" if pos == 0 else ""
            raise RecordError(f"corrupted record at {pos}{hint}", pos)
        end = pos + 12 + length
        if end + 4 > len(raw):
            return
        data = raw[pos + 12 : end]
        if struct.unpack("<I", raw[end : end + 4])[0] != _masked(data):
            raise RecordError(f"corrupted record at {pos + 12}", pos + 12)
        yield data
        pos = end + 4
