"""``tf.train.QueueRunner``: threads that keep running enqueue ops to fill a queue.

Each enqueue op gets a thread that runs it in a loop. A thread ends when its op raises
one of ``queue_closed_exception_types`` (OutOfRangeError, CancelledError: the input ran
out or the queue was closed); the last thread to end closes the queue so consumers drain
it and then get OutOfRangeError. Other errors are recorded in the coordinator, which
stops everyone; when the coordinator stops, a watcher thread runs the cancel op
(``queue.close(cancel_pending_enqueues=True)``) so threads blocked on a full queue wake.

    >>> import teachflow as tf
    >>> q = tf.FIFOQueue(4, tf.float32)
    >>> qr = tf.train.QueueRunner(q, [q.enqueue(1.0)])
    >>> tf.train.add_queue_runner(qr)
    >>> with tf.Session() as sess:
    ...     coord = tf.train.Coordinator()
    ...     threads = tf.train.start_queue_runners(sess, coord)
    ...     print(sess.run(q.dequeue()))
    ...     coord.request_stop()
    ...     coord.join(threads)
    1.0
"""

from __future__ import annotations

import threading
import time

from teachflow.framework import errors
from teachflow.framework.graph import GraphKeys, get_default_graph, get_default_session

# After a stop, the cancel op runs again every _RECANCEL_EVERY_S while enqueue threads are
# still running, for at most _RECANCEL_S.
_RECANCEL_EVERY_S = 0.05
_RECANCEL_S = 5.0

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]


class QueueRunner:
    """Holds a queue, its enqueue ops, and the ops that close and cancel it."""

    def __init__(
        self,
        queue=None,
        enqueue_ops=None,
        close_op=None,
        cancel_op=None,
        queue_closed_exception_types=None,
    ):
        if queue is None or not enqueue_ops:
            raise ValueError("Must provide queue and enqueue_ops.")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = (
            cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        )
        if queue_closed_exception_types is None:
            queue_closed_exception_types = (errors.OutOfRangeError, errors.CancelledError)
        self._queue_closed_exception_types = tuple(queue_closed_exception_types)
        if not self._queue_closed_exception_types:
            raise ValueError("queue_closed_exception_types must be a non-empty tuple")
        self._lock = threading.Lock()
        # Per session: how many enqueue threads still run, and the errors they hit.
        self._runs_per_session = {}
        self._exceptions_raised = []

    @property
    def queue(self):
        return self._queue

    @property
    def enqueue_ops(self):
        return self._enqueue_ops

    @property
    def close_op(self):
        return self._close_op

    @property
    def cancel_op(self):
        return self._cancel_op

    @property
    def queue_closed_exception_types(self):
        return self._queue_closed_exception_types

    @property
    def exceptions_raised(self):
        """Exceptions (other than queue-closed ones) the enqueue threads raised."""
        return self._exceptions_raised

    @property
    def name(self):
        return self._queue.name

    def _run(self, sess, enqueue_op, coord=None):
        decremented = False
        try:
            # Build the callable once: the loop runs the same op many times.
            enqueue = sess.make_callable(enqueue_op)
            while True:
                if coord and coord.should_stop():
                    break
                try:
                    enqueue()
                except self._queue_closed_exception_types:
                    # The input ran out or the queue closed: the last thread closes it.
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception:  # noqa: BLE001 - TF ignores a failed close too
                                pass
                    return
        except Exception as e:  # noqa: BLE001 - recorded for the coordinator, as in TF
            if coord:
                coord.request_stop(e)
            else:
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, cancel_op, coord, workers):
        # Wake enqueue threads blocked on a full queue once a stop is requested. A thread
        # that was between its should_stop() check and its next blocking call when the
        # cancel ran would block again afterwards, so cancel again while any is still
        # running (bounded: a thread blocked on something else is the coordinator's to
        # report at join).
        coord.wait_for_stop()
        give_up = time.monotonic() + _RECANCEL_S
        while True:
            try:
                sess.run(cancel_op)
            except Exception:  # noqa: BLE001 - the session may already be closed
                return
            for t in workers:
                if t.is_alive():
                    t.join(_RECANCEL_EVERY_S / len(workers))
            if not any(t.is_alive() for t in workers) or time.monotonic() > give_up:
                return

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """One thread per enqueue op (plus a cancel watcher with ``coord``); returns them.

        Threads already running for ``sess`` are not doubled: none are made then."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [
            threading.Thread(
                target=self._run,
                args=(sess, op, coord),
                name=f"QueueRunnerThread-{self.name}-{op.name}",
            )
            for op in self._enqueue_ops
        ]
        if coord:
            threads.append(
                threading.Thread(
                    target=self._close_on_stop,
                    args=(sess, self._cancel_op, coord, list(threads)),
                    name=f"QueueRunnerThread-{self.name}-close_on_stop",
                )
            )
        for t in threads:
            if coord:
                coord.register_thread(t)
            t.daemon = daemon
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Add ``qr`` to the graph collection that `start_queue_runners` starts."""
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(
    sess=None, coord=None, daemon=True, start=True, collection=GraphKeys.QUEUE_RUNNERS
):
    """Start the threads of every QueueRunner in ``collection``; returns the threads."""
    if sess is None:
        sess = get_default_session()
        if not sess:
            raise ValueError(
                "Cannot start queue runners: No default session is registered. Use "
                "`with sess.as_default()` or pass an explicit session to "
                "tf.start_queue_runners(sess=sess)"
            )
    with sess.graph.as_default():
        threads = []
        for qr in sess.graph.get_collection(collection):
            threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
