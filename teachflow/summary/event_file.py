"""Event files: the TFRecord file TensorBoard reads, one serialized ``Event`` per record.

A TFRecord file is a plain sequence of records, each framed so a reader can detect a torn
or corrupted write::

    uint64  length           little-endian
    uint32  masked_crc32c(length bytes)
    bytes   data[length]
    uint32  masked_crc32c(data)

CRC-32C is the Castagnoli polynomial (0x82F63B78 reflected), computed here with the usual
256-entry table. TensorFlow "masks" every stored CRC -- rotates it right by 15 bits and adds
0xa282ead8 -- because a CRC over data that itself holds CRCs is weak.

An event file (``events.out.tfevents.<seconds>.<hostname><suffix>``) starts with an
``Event`` whose ``file_version`` is ``"brain.Event:2"``; TensorBoard reads every such file
in a log directory, in name order.

    >>> crc32c(b"123456789") == 0xE3069283
    True
    >>> len(frame_record(b"abc"))
    19
"""

from __future__ import annotations

import os
import socket
import struct
import time

from teachflow.proto import messages

__all__ = ["EventsWriter", "crc32c", "frame_record", "masked_crc32c", "read_records"]

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "teachflow.summary.event_file"


def _crc32c_table() -> tuple:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of ``data``."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated right by 15 bits, plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    header = struct.pack("<Q", len(data))
    return (
        header
        + struct.pack("<I", masked_crc32c(header))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


def read_records(raw: bytes) -> list[bytes]:
    """The data of each record in ``raw`` (a whole TFRecord file), checking both CRCs.

    Raises ValueError on a truncated record or a CRC mismatch.
    """
    records, pos = [], 0
    while pos < len(raw):
        if pos + 12 > len(raw):
            raise ValueError(f"Truncated record header at offset {pos}")
        header = raw[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", raw[pos + 8 : pos + 12])
        if header_crc != masked_crc32c(header):
            raise ValueError(f"Corrupted record length at offset {pos}")
        end = pos + 12 + length
        if end + 4 > len(raw):
            raise ValueError(f"Truncated record at offset {pos}")
        data = raw[pos + 12 : end]
        (data_crc,) = struct.unpack("<I", raw[end : end + 4])
        if data_crc != masked_crc32c(data):
            raise ValueError(f"Corrupted record data at offset {pos}")
        records.append(data)
        pos = end + 4
    return records


class EventsWriter:
    """Writes ``Event`` messages as records of one event file (TensorFlow's ``EventsWriter``).

    The file is created, with its ``file_version`` event, on the first write (or `init`);
    after `close`, the next write starts a new file. Not thread-safe: one writer thread.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> w = EventsWriter(os.path.join(d, "events"))
    >>> w.write_event(messages.Event(step=1))
    >>> w.close()
    >>> [len(read_records(open(w.filename, "rb").read()))]
    [2]
    """

    def __init__(self, file_prefix: str, file_suffix: str = ""):
        self._prefix = file_prefix
        self._suffix = file_suffix or ""
        self._file = None
        self.filename = None

    def init(self) -> None:
        if self._file is not None:
            return
        now = time.time()
        self.filename = (
            f"{self._prefix}.out.tfevents.{int(now):010d}.{socket.gethostname()}{self._suffix}"
        )
        # TensorFlow truncates a file of the same name (a reopen within the same second);
        # appending keeps the earlier events, and a second file_version record is harmless.
        self._file = open(self.filename, "ab")  # noqa: SIM115 - held open between writes
        first = messages.Event(wall_time=now, file_version=FILE_VERSION)
        # TensorFlow names the program that wrote the file here; we name ourselves.
        first.source_metadata.writer = WRITER_NAME
        self._write(first)
        self.flush()

    def _write(self, event) -> None:
        self._file.write(frame_record(event.SerializeToString()))

    def write_event(self, event) -> None:
        if self._file is not None and not os.path.exists(self.filename):
            # Someone deleted the file (``rm -rf logs`` while a notebook still writes):
            # TensorFlow starts a new one rather than writing into the void; we also make
            # the directory again, where TensorFlow would fail to open the file.
            self._file.close()
            self._file = None
            os.makedirs(os.path.dirname(self.filename) or ".", exist_ok=True)
        self.init()
        self._write(event)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None
