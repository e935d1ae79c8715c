"""The readers themselves: state that turns a queue of file names into records.

A reader lives in its device's resource manager, like a queue. Each ``read`` continues
the current *work unit* (a file); when that is used up it dequeues the next file name
from a filename queue, blocking as a dequeue does, and fails with the queue's
OutOfRangeError once that queue is closed and empty (TensorFlow's ``ReaderBase``). The
counters (records produced, work units completed) and the open file are the state that
persists between steps.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from teachflow.ops.queue_resources import FIFOQueueState
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(path, "w").write("x\\ny\\n")
    >>> q = FIFOQueueState("q", [object], [()], capacity=2)
    >>> q.enqueue((np.array(path.encode(), dtype=object),), None)
    >>> r = TextLineReaderState("r")
    >>> key, value = r.read(q, None)
    >>> key.endswith(b"a.txt:1"), value
    (True, b'x')
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib

import numpy as np

from teachflow.framework import errors
from teachflow.ops import file_access
from teachflow.ops.queue_resources import QueueState


def as_bytes(value) -> bytes:
    """A string scalar as a kernel receives it (bytes, str or a 0-d object array)."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise errors.InvalidArgumentError(
                None, None, f"Expected a string scalar, got shape {list(value.shape)}"
            )
        value = value.reshape(-1)[0]
    return value.encode() if isinstance(value, str) else bytes(value)


def open_file(filename: bytes, mode="rb"):
    """Open ``filename``; NotFoundError in TensorFlow's words when it is missing,
    PermissionDeniedError outside the server's file root (`file_access`)."""
    file_access.confine(filename)
    try:
        return open(filename, mode)  # noqa: SIM115 - the reader keeps it open between steps
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise errors.NotFoundError(
            None, None, f"{filename.decode(errors='replace')}; No such file or directory"
        ) from None


def read_whole_file(filename: bytes) -> bytes:
    with open_file(filename) as f:
        return f.read()


class ReaderState:
    """What every reader shares: the current work unit, counters and the read loop.

    Subclasses say how a work unit starts (`_start`), yields one record (`_next`:
    ``(key, value)``, or None at its end) and finishes (`_finish`)."""

    kind = "ReaderBase"
    supports_serialize = False

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.work = b""
        self.work_started = 0
        self.work_finished = 0
        self.num_records_produced = 0

    def __repr__(self):
        return f"<{self.kind} {self.name!r} records={self.num_records_produced}>"

    # -- what subclasses vary -----------------------------------------------------------
    def _start(self):
        pass

    def _next(self):
        raise errors.UnimplementedError(None, None, f"{self.kind} reads no records")

    def _finish(self):
        pass

    # -- the loop -----------------------------------------------------------------------
    def _acquire(self, deadline):
        # Readers serialise their reads (TF holds the reader's mutex across the dequeue).
        if deadline is None:
            self.lock.acquire()
            return
        if not self.lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise errors.DeadlineExceededError(None, None, "Timed out waiting for notification")

    def _in_progress(self):
        return self.work_finished < self.work_started

    def _next_work(self, queue, deadline):
        if not isinstance(queue, QueueState):
            raise errors.InvalidArgumentError(None, None, "Expected a queue as input 1")
        item = queue.dequeue(deadline)
        # TF checks what it dequeued, after taking it from the queue.
        if len(item) != 1:
            raise errors.InvalidArgumentError(None, None, "Expected single component queue")
        value = item[0]
        if queue.np_dtypes[0] is not object:
            raise errors.InvalidArgumentError(
                None, None, "Expected queue with single string component"
            )
        if isinstance(value, np.ndarray) and value.size != 1:
            raise errors.InvalidArgumentError(
                None, None, "Expected to dequeue a one-element string tensor"
            )
        return as_bytes(value)

    def _step(self, queue, deadline):
        """Advance by one record or to the end of a work unit: ``(record or None, at_end)``."""
        if not self._in_progress():
            self.work = self._next_work(queue, deadline)
            self._start()  # an error here skips this work unit, as in TF
            self.work_started += 1
        record = self._next()
        if record is not None:
            self.num_records_produced += 1
        at_end = record is None or self._one_record_per_unit
        if at_end:
            self._finish()
            self.work_finished = self.work_started
        return record, at_end

    _one_record_per_unit = False

    def read(self, queue, deadline):
        """The next record as ``(key, value)``, taking new files from ``queue``."""
        self._acquire(deadline)
        try:
            while True:
                record, _ = self._step(queue, deadline)
                if record is not None:
                    return record
        finally:
            self.lock.release()

    def read_up_to(self, queue, num_records, deadline):
        """Up to ``num_records`` records, never past the end of the current file."""
        if num_records < 0:
            raise errors.InvalidArgumentError(
                None, None, f"num_records must be >= 0, got {num_records}"
            )
        keys, values = [], []
        self._acquire(deadline)
        try:
            while len(keys) < num_records:
                record, at_end = self._step(queue, deadline)
                if record is not None:
                    keys.append(record[0])
                    values.append(record[1])
                if at_end and keys:
                    break
        finally:
            self.lock.release()
        return _strings(keys), _strings(values)

    def reset(self):
        with self.lock:
            if self._in_progress():
                self._finish()
            self.work = b""
            self.work_started = self.work_finished = self.num_records_produced = 0

    # -- saving and restoring (ReaderBaseState) --------------------------------------------
    def serialize_state(self) -> bytes:
        if not self.supports_serialize:
            raise errors.UnimplementedError(None, None, "Reader SerializeState")
        with self.lock:
            return encode_base_state(
                self.work_started, self.work_finished, self.num_records_produced, self.work
            )

    def restore_state(self, state: bytes):
        if not self.supports_serialize:
            raise errors.UnimplementedError(None, None, "Reader RestoreState")
        fields = decode_base_state(state)
        if fields is None:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Could not parse state for {self.kind} '{self.name}': "
                f"{state.decode('latin-1').encode('unicode_escape').decode()}",
            )
        started, finished, produced, work = fields
        if min(started, finished, produced) < 0:
            raise errors.InvalidArgumentError(
                None, None, f"Unexpected negative value when restoring in {self.kind} '{self.name}'"
            )
        if started > finished:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Inconsistent work started vs. finished when restoring in {self.kind} "
                f"'{self.name}'",
            )
        with self.lock:
            self.work_started, self.work_finished = started, finished
            self.num_records_produced, self.work = produced, work


def _strings(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class TextLineReaderState(ReaderState):
    """One record per line (``\\n`` and a trailing ``\\r`` removed); key ``file:line``."""

    kind = "TextLineReader"

    def __init__(self, name, skip_header_lines=0):
        super().__init__(name)
        self.skip_header_lines = skip_header_lines
        self.file = None
        self.line_number = 0

    def _readline(self):
        line = self.file.readline()
        if line.endswith(b"\n"):
            line = line[:-1]
        elif not line.rstrip(b"\r"):
            return None  # end of file (a last line of only "\r" counts as none, as TF)
        return line[:-1] if line.endswith(b"\r") else line

    def _start(self):
        self.file = open_file(self.work)
        self.line_number = 0
        # Header lines count in the line numbers of the keys.
        while self.line_number < self.skip_header_lines:
            if self._readline() is None:
                break  # a file shorter than its header yields nothing
            self.line_number += 1

    def _next(self):
        line = self._readline()
        self.line_number += 1
        if line is None:
            return None
        return self.work + b":" + str(self.line_number).encode(), line

    def _finish(self):
        if self.file is not None:
            self.file.close()
            self.file = None


class WholeFileReaderState(ReaderState):
    """One record per file: key the file name, value its contents."""

    kind = "WholeFileReader"
    supports_serialize = True

    def _next(self):
        # Read while the work unit is open: a missing file fails every read until reset,
        # as TF's WholeFileReader does.
        return self.work, read_whole_file(self.work)

    _one_record_per_unit = True


class IdentityReaderState(ReaderState):
    """One record per work unit: the work item itself, as key and as value."""

    kind = "IdentityReader"
    supports_serialize = True

    def _next(self):
        return self.work, self.work

    _one_record_per_unit = True


class FixedLengthRecordReaderState(ReaderState):
    """Records of ``record_bytes`` between a header and a footer; key ``file:index``.

    With ``hop_bytes`` records start every ``hop_bytes`` (overlapping windows)."""

    kind = "FixedLengthRecordReader"
    _DECOMPRESS = {"": None, "GZIP": gzip.decompress, "ZLIB": zlib.decompress}

    def __init__(
        self, name, record_bytes, header_bytes=0, footer_bytes=0, hop_bytes=0, encoding=""
    ):
        super().__init__(name)
        if encoding not in self._DECOMPRESS:
            raise errors.InvalidArgumentError(None, None, f"Unsupported encoding: {encoding}")
        self.record_bytes = record_bytes
        self.header_bytes = header_bytes
        self.footer_bytes = footer_bytes
        self.stride = hop_bytes or record_bytes
        self.decompress = self._DECOMPRESS[encoding]
        self.data = b""
        self.record_number = 0

    def _start(self):
        data = read_whole_file(self.work)
        if self.decompress is not None:
            data = self.decompress(data)
        end = max(len(data) - self.footer_bytes, 0)
        self.data = data[self.header_bytes : end]
        self.record_number = 0

    def _next(self):
        start = self.record_number * self.stride
        if start + self.record_bytes > len(self.data):
            return None  # a partial last record is dropped, as TF drops it
        key = self.work + b":" + str(self.record_number).encode()
        self.record_number += 1
        return key, self.data[start : start + self.record_bytes]

    def _finish(self):
        self.data = b""


# -- ReaderBaseState, the protobuf TF's readers save (fields 1-3 int64, 4 bytes) ---------
def _varint(n):
    n &= (1 << 64) - 1  # negative int64s take ten bytes, two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_base_state(started, finished, produced, work) -> bytes:
    """Proto3 wire format: fields left at 0 / empty are not written (a new reader: b'')."""
    out = b""
    for field, value in ((1, started), (2, finished), (3, produced)):
        if value:
            out += bytes([field << 3]) + _varint(value)
    if work:
        out += bytes([4 << 3 | 2]) + _varint(len(work)) + work
    return out


def _read_varint(data, pos):
    shift = value = 0
    while True:
        if pos >= len(data) or shift > 63:
            return None, pos
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def decode_base_state(data: bytes):
    """``(started, finished, produced, work)``, or None if ``data`` is not such a message."""
    fields = {1: 0, 2: 0, 3: 0, 4: b""}
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        if tag is None:
            return None
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            if value is None:
                return None
            value = value - (1 << 64) if value >= 1 << 63 else value
        elif wire == 2:
            n, pos = _read_varint(data, pos)
            if n is None or pos + n > len(data):
                return None
            value, pos = data[pos : pos + n], pos + n
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > len(data):
                return None
            value, pos = None, pos + width
        else:
            return None
        if field == 0:
            return None
        if field in (1, 2, 3) and wire == 0:
            fields[field] = value
        elif field == 4 and wire == 2:
            fields[field] = bytes(value)
    return fields[1], fields[2], fields[3], fields[4]


class TFRecordReaderState(ReaderState):
    """One record per TFRecord record, each checked by its CRCs; key ``file:offset``, the
    byte offset where the record starts (in the decompressed stream), as TF's reader. A
    torn or corrupted record is a DataLossError."""

    kind = "TFRecordReader"
    _DECOMPRESS = {"": None, "GZIP": gzip.decompress, "ZLIB": zlib.decompress}

    def __init__(self, name, compression_type=""):
        super().__init__(name)
        if compression_type not in self._DECOMPRESS:
            raise errors.InvalidArgumentError(
                None, None, f"Unsupported compression_type: {compression_type}"
            )
        self.decompress = self._DECOMPRESS[compression_type]
        self.records = None

    def _start(self):
        from teachflow.proto import tf_record

        data = read_whole_file(self.work)
        if self.decompress is not None:
            data = self.decompress(data)

        def with_offsets():
            offset = 0
            try:
                for record in tf_record.records(data):
                    yield offset, record
                    offset += 16 + len(record)  # length, its CRC, the data, the data's CRC
            except tf_record.RecordError as e:
                raise errors.DataLossError(None, None, str(e)) from None

        self.records = with_offsets()

    def _next(self):
        try:
            offset, record = next(self.records)
        except StopIteration:
            return None
        return self.work + b":" + str(offset).encode(), record

    def _finish(self):
        self.records = None
