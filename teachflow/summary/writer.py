"""``tf.summary.FileWriter``: summaries, graphs and run metadata into an event file.

A training loop hands the writer events (``add_summary(sess.run(merged), step)``); a
background thread takes them off a bounded queue and appends them to the event file, so the
loop never waits on the disk (unless ``max_queue`` events are pending). The thread flushes
the file at most every ``flush_secs`` seconds; `flush` and `close` flush at once, and so does
the end of the program for a writer never closed (TensorFlow's file is written unbuffered,
so a script that forgets ``close()`` still leaves its last summaries for TensorBoard).
This is TensorFlow's ``EventFileWriter`` with its ``_EventLoggerThread``.

    >>> import tempfile
    >>> import teachflow as tf
    >>> loss = tf.summary.scalar("loss", tf.constant(0.25))
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.Session() as sess, tf.summary.FileWriter(logdir, sess.graph) as writer:
    ...     for step in range(3):
    ...         writer.add_summary(sess.run(loss), global_step=step)
    >>> from teachflow import viz
    >>> [(p.step, p.value) for p in viz.read_logdir(logdir).scalars["loss"]]
    [(0, 0.25), (1, 0.25), (2, 0.25)]

Then ``teachflow tensorboard LOGDIR`` (or ``tensorboard --logdir LOGDIR``) shows them.
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
import time
import warnings
import weakref

from teachflow.proto import messages
from teachflow.summary import tf_messages
from teachflow.summary.event_file import EventsWriter

__all__ = ["EventFileWriter", "FileWriter"]

# Writers still open, flushed when the program ends (see the module's docstring).
_open_writers: weakref.WeakSet = weakref.WeakSet()
# How long the end of the program waits for one writer's thread to write what it holds.
_EXIT_FLUSH_SECONDS = 10.0


@atexit.register
def _flush_open_writers() -> None:
    for writer in list(_open_writers):
        writer._flush_at_exit()


_BOTH_GRAPHS = "Please pass only graph, or graph_def (deprecated), but not both."


class QueueClosedError(Exception):
    """A put on a queue that the writer thread closed (it ended, or failed)."""


class _CloseableQueue:
    """A bounded FIFO whose ``put`` fails, instead of blocking forever, once it is closed."""

    def __init__(self, maxsize: int):
        self._maxsize = maxsize
        self._items = collections.deque()
        self._closed = False
        lock = threading.Lock()
        self._not_empty = threading.Condition(lock)
        self._not_full = threading.Condition(lock)

    def get(self):
        with self._not_empty:
            while not self._items:
                self._not_empty.wait()
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def put(self, item) -> None:
        with self._not_full:
            if self._closed:
                raise QueueClosedError()
            while self._maxsize > 0 and len(self._items) >= self._maxsize:
                self._not_full.wait()
                if self._closed:
                    raise QueueClosedError()
            self._items.append(item)
            self._not_empty.notify()

    def close(self) -> None:
        with self._not_full:
            self._closed = True
            self._not_full.notify_all()


class _EventLoggerThread(threading.Thread):
    """Takes events off the queue and writes them; a sentinel asks for a flush or the end."""

    def __init__(self, queue, events_writer, flush_secs, flush_complete, sentinels):
        super().__init__(name="EventLoggerThread", daemon=True)
        self._queue = queue
        self._writer = events_writer
        self._flush_secs = flush_secs
        self._next_flush = 0.0
        self._flush_complete = flush_complete
        self._flush_sentinel, self._close_sentinel = sentinels
        self.failure = None

    def run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is self._close_sentinel:
                    return
                if item is self._flush_sentinel:
                    self._writer.flush()
                    self._flush_complete.set()
                    continue
                self._writer.write_event(item)
                now = time.time()
                if now > self._next_flush:
                    self._writer.flush()
                    self._next_flush = now + self._flush_secs
        except Exception as e:  # noqa: BLE001 - raised again by the next add/flush/close
            self.failure = e
        finally:
            self._flush_complete.set()
            self._queue.close()


class EventFileWriter:
    """Writes ``Event`` messages to a new event file in ``logdir`` from a background thread.

    `close` flushes and closes the file; `reopen` starts a new file in the same directory.
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=None):
        self._logdir = str(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._flush_complete = threading.Event()
        self._sentinels = (object(), object())
        self._events_writer = EventsWriter(os.path.join(self._logdir, "events"), filename_suffix)
        # TensorFlow creates the file (with its file_version record) at once, not at the
        # first event: a writer that never writes still leaves a file TensorBoard lists.
        self._events_writer.init()
        self._start()
        self._closed = False

    def _start(self) -> None:
        self._queue = _CloseableQueue(self._max_queue)
        self._worker = _EventLoggerThread(
            self._queue,
            self._events_writer,
            self._flush_secs,
            self._flush_complete,
            self._sentinels,
        )
        self._worker.start()
        _open_writers.add(self)

    @property
    def filename(self) -> str | None:
        """The event file being written (None before the first file exists)."""
        return self._events_writer.filename

    def get_logdir(self) -> str:
        return self._logdir

    def reopen(self) -> None:
        if self._closed:
            self._start()
            self._closed = False

    def add_event(self, event) -> None:
        if not self._closed:
            self._put(event)

    def _put(self, item) -> None:
        try:
            self._queue.put(item)
        except QueueClosedError:
            self._internal_close()
            if self._worker.failure is not None:
                raise self._worker.failure from None

    def flush(self) -> None:
        if not self._closed:
            self._flush_complete.clear()
            self._put(self._sentinels[0])
            self._flush_complete.wait()
            if self._worker.failure is not None:
                self._internal_close()
                raise self._worker.failure

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self._put(self._sentinels[1])
            self._internal_close()

    def _internal_close(self) -> None:
        self._closed = True
        _open_writers.discard(self)
        self._worker.join()
        self._events_writer.close()

    def _flush_at_exit(self) -> None:
        """Write out what the thread holds, waiting a bounded time (never raising)."""
        if self._closed or self._worker.failure is not None:
            return
        self._flush_complete.clear()
        try:
            self._queue.put(self._sentinels[0])
        except QueueClosedError:
            return
        self._flush_complete.wait(_EXIT_FLUSH_SECONDS)


class FileWriter:
    """``tf.summary.FileWriter(logdir, graph=None, max_queue=10, flush_secs=120,
    graph_def=None, filename_suffix=None, session=None)``.

    Creates ``logdir`` and an event file ``events.out.tfevents.<time>.<host><suffix>`` in it;
    with a ``graph`` (``sess.graph``), TensorBoard's Graphs tab shows it. ``session`` is
    accepted for TensorFlow's signature and changes nothing: teachflow always writes from
    Python. After `close`, adding warns and does nothing until `reopen` (a new file).
    """

    def __init__(
        self,
        logdir,
        graph=None,
        max_queue=10,
        flush_secs=120,
        graph_def=None,
        filename_suffix=None,
        session=None,
    ):
        self.event_writer = EventFileWriter(logdir, max_queue, flush_secs, filename_suffix)
        self._closed = False
        self._session_run_tags = set()
        self._seen_summary_tags = set()
        if graph is not None or graph_def is not None:
            if graph is not None and graph_def is not None:
                raise ValueError(_BOTH_GRAPHS)
            proto = tf_messages.graph_def_message(graph if graph is not None else graph_def)
            self.add_graph(proto)
            # As TensorFlow does: the graph again inside a MetaGraphDef.
            self.add_meta_graph(messages.MetaGraphDef(graph_def=proto))

    # -- what goes in ------------------------------------------------------------------------
    def add_summary(self, summary, global_step=None) -> None:
        """A ``Summary`` (message, or the bytes a summary op returns) at ``global_step``.

        Only the first value of each tag keeps its plugin metadata, as in TensorFlow.
        """
        if isinstance(summary, (bytes, bytearray)):
            summary = messages.Summary.FromString(bytes(summary))
        elif hasattr(summary, "item") and not hasattr(summary, "value"):
            summary = messages.Summary.FromString(summary.item())  # a 0-d bytes array
        else:
            parsed = messages.Summary()
            parsed.CopyFrom(summary)
            summary = parsed
        for value in summary.value:
            # TensorFlow's test here (``not value.metadata``) is never true for a message, so
            # every tag counts as seen, with or without metadata.
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
                continue
            self._seen_summary_tags.add(value.tag)
        self._add_event(messages.Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None) -> None:
        """A ``SessionLog`` (START, STOP, CHECKPOINT): TensorBoard drops later-step data of
        a crashed run when it reads a START."""
        self._add_event(messages.Event(session_log=session_log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None) -> None:
        """A ``tf.Graph`` (or a ``GraphDef``) for TensorBoard's Graphs tab."""
        if graph is not None and graph_def is not None:
            raise ValueError(_BOTH_GRAPHS)
        proto = tf_messages.graph_def_message(graph if graph is not None else graph_def)
        self._add_event(messages.Event(graph_def=proto.SerializeToString()), global_step)

    def add_meta_graph(self, meta_graph_def, global_step=None) -> None:
        if not isinstance(meta_graph_def, messages.MetaGraphDef):
            raise TypeError(
                "meta_graph_def must be type MetaGraphDef, saw type: " + str(type(meta_graph_def))
            )
        event = messages.Event(meta_graph_def=meta_graph_def.SerializeToString())
        self._add_event(event, global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None) -> None:
        """A traced run's ``tf.RunMetadata`` under ``tag`` (once per tag: ValueError after).

        TensorBoard's Graphs tab then offers the run's compute time and memory per node.
        """
        if tag in self._session_run_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._session_run_tags.add(tag)
        proto = tf_messages.run_metadata_message(run_metadata)
        tagged = messages.TaggedRunMetadata(tag=tag, run_metadata=proto.SerializeToString())
        self._add_event(messages.Event(tagged_run_metadata=tagged), global_step)

    def _add_event(self, event, step) -> None:
        self._warn_if_closed()
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_event(self, event) -> None:
        """An ``Event`` message as it is (its wall_time and step are the caller's)."""
        self._warn_if_closed()
        self.event_writer.add_event(event)

    # -- the file --------------------------------------------------------------------------------
    def _warn_if_closed(self) -> None:
        if self._closed:
            warnings.warn(
                "Attempting to use a closed FileWriter. The operation will be a noop unless "
                "the FileWriter is explicitly reopened.",
                stacklevel=3,
            )

    def get_logdir(self) -> str:
        """The directory the event files are written to."""
        return self.event_writer.get_logdir()

    def flush(self) -> None:
        """Write every pending event to disk now."""
        self._warn_if_closed()
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.event_writer.close()
        self._closed = True

    def reopen(self) -> None:
        """After `close`: go on writing, into a new event file in the same directory."""
        self.event_writer.reopen()
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
