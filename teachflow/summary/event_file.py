"""Event files: the TFRecord file TensorBoard reads, one serialized ``Event`` per record.

Each record is framed as every TFRecord file is (`teachflow.proto.tf_record`: the length,
its masked CRC-32C, the data, the data's masked CRC). An event file
(``events.out.tfevents.<seconds>.<hostname><suffix>``) starts with an ``Event`` whose
``file_version`` is ``"brain.Event:2"``; TensorBoard reads every such file in a log directory,
in name order.

    >>> from teachflow.proto import tf_record
    >>> len(tf_record.frame(b"abc"))
    19
"""

from __future__ import annotations

import os
import socket
import time

from teachflow.proto import messages, tf_record

__all__ = ["EventsWriter", "read_records"]

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "teachflow.summary.event_file"


def read_records(raw: bytes) -> list[bytes]:
    """The data of each record in ``raw`` (a whole event file), checking both CRCs.

    Raises `teachflow.proto.tf_record.RecordError` (a ValueError) on a torn or corrupted
    record."""
    return list(tf_record.records(raw))


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
        self._file.write(tf_record.frame(event.SerializeToString()))

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
