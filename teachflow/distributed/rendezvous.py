"""The rendezvous: where a ``_Send`` leaves a tensor and a ``_Recv`` picks it up.

A tensor that crosses tasks is cut into a ``_Send`` node on the producing task and a
``_Recv`` node on the consuming one; both know the same *rendezvous key*, TensorFlow's
``send_device;incarnation;recv_device;tensor_name;frame:iter`` (`runtime/rendezvous_key.py`).
The send side only stores the tensor in its worker's table; the receiving worker *pulls* it
with a ``RecvTensor`` RPC (streamed in chunks), or reads the table directly when both ends
are on the same task.
"""

from __future__ import annotations

import collections
import contextvars
import threading
import time

from teachflow.framework import errors

# What the _Send/_Recv kernels of the running step need: set by the worker around a step.
current_step = contextvars.ContextVar("teachflow_current_step", default=None)


class StepFrame:
    """One step on one worker: its id, its rendezvous, its deadline."""

    __slots__ = ("step_id", "rendezvous", "deadline", "peers")

    def __init__(self, step_id, rendezvous, deadline, peers):
        self.step_id = step_id
        self.rendezvous = rendezvous
        self.deadline = deadline  # time.monotonic() value, or None
        self.peers = peers  # callable(task name) -> a WorkerService stub


class Rendezvous:
    """A worker's table of sent tensors, per step; waits are bounded and abortable."""

    def __init__(self):
        self._steps = {}  # step id -> {key: value}
        # Aborted steps, newest last (bounded): a RunGraph with an unknown handle aborts a
        # step that never runs here, so nothing else would ever remove its entry.
        self._aborted = collections.OrderedDict()
        # Steps cleaned up here, newest last (bounded): a receive that arrives after its
        # step ended on this task (it failed, and the others are told to stop) fails at
        # once instead of waiting out its deadline for a tensor that will never come.
        self._finished = collections.OrderedDict()
        self._closed = False
        self._cond = threading.Condition()

    def send(self, step_id, key, value) -> None:
        with self._cond:
            if step_id in self._aborted:
                raise self._aborted[step_id]
            self._steps.setdefault(step_id, {})[key] = value
            self._cond.notify_all()

    def recv(self, step_id, key, timeout=None, still_wanted=None):
        """Wait for ``key`` of ``step_id``; DeadlineExceededError after ``timeout`` s.

        ``still_wanted()`` is asked about once a second; when it says no (the caller hung up
        or gave up) the wait ends with CancelledError instead of holding a thread; it may
        also raise the error that ends the wait itself."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if self._closed:
                    raise errors.CancelledError(None, None, "The server is stopping")
                if step_id in self._aborted:
                    raise self._aborted[step_id]
                found = self._steps.get(step_id, _EMPTY).get(key, _MISSING)
                if found is _MISSING and step_id in self._finished:
                    raise self._finished[step_id]
                if found is not _MISSING:
                    return found
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise errors.DeadlineExceededError(
                        None, None, f"Timed out waiting for tensor {key} of step {step_id}"
                    )
                if still_wanted is not None and not still_wanted():
                    raise errors.CancelledError(
                        None, None, f"The receiver of {key} (step {step_id}) went away"
                    )
                self._cond.wait(timeout=min(left, 1.0) if left is not None else 1.0)

    def abort(self, step_id, error=None) -> None:
        """Fail every current and future wait of ``step_id`` (a step failed elsewhere)."""
        with self._cond:
            self._aborted[step_id] = error or errors.AbortedError(
                None, None, f"Step {step_id} was aborted by another task"
            )
            while len(self._aborted) > _FINISHED_KEPT:
                self._aborted.popitem(last=False)
            self._cond.notify_all()

    def close(self) -> None:
        """The server is stopping: every wait, now and later, ends with CancelledError."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def cleanup(self, step_id) -> None:
        with self._cond:
            self._steps.pop(step_id, None)
            error = self._aborted.pop(step_id, None)
            self._finished[step_id] = error or errors.AbortedError(
                None, None, f"Step {step_id} has already ended on this task"
            )
            while len(self._finished) > _FINISHED_KEPT:
                self._finished.popitem(last=False)
            self._cond.notify_all()

    def ended(self, step_id) -> bool:
        """Whether ``step_id`` was cleaned up here (it ended, or was abandoned)."""
        with self._cond:
            return step_id in self._finished

    def pending(self) -> int:
        with self._cond:
            return sum(len(t) for t in self._steps.values())


_EMPTY = {}
_MISSING = object()
_FINISHED_KEPT = 4096
