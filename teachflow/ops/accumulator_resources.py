"""The accumulators themselves: where replicas' gradients are summed until enough arrived.

A conditional accumulator lives in its device's resource manager, like a queue. It keeps
a *time step* (TF's ``current_global_step_``), a running sum of gradients and how many
were added (``counter``). Its rules, TensorFlow's:

* ``apply_grad(local_step, grad)`` adds ``grad`` only if ``local_step`` is not older than
  the accumulator's time step; an older ("stale") gradient is dropped without an error.
* ``take_grad(num_required)`` waits until at least ``num_required`` gradients were added,
  then returns their mean (or sum), empties the accumulator and advances its time step
  by one, so gradients computed against the old weights become stale.
* Waiting takes are served in arrival order; each gives up at its step's deadline.

    >>> import numpy as np
    >>> acc = ConditionalAccumulatorState("acc", np.float32, (2,), "MEAN")
    >>> acc.apply_grad(0, np.array([1.0, 2.0], np.float32))
    True
    >>> acc.apply_grad(0, np.array([3.0, 4.0], np.float32))
    True
    >>> acc.take_grad(2, None)
    array([2., 3.], dtype=float32)
    >>> acc.global_step, acc.apply_grad(0, np.array([9.0, 9.0], np.float32))
    (1, False)
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import numpy as np

from teachflow.framework import errors
from teachflow.ops import kernel_context
from teachflow.ops.queue_resources import _wait_for_change

_logger = logging.getLogger("teachflow")


def _shape_str(shape):
    if shape is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _compatible(want, got):
    if want is None:
        return True
    return len(want) == len(got) and all(w is None or w == g for w, g in zip(want, got))


class _TakeAttempt:
    """One waiting ``take_grad``: TF's ``takegrad_attempts_`` entry."""

    __slots__ = ("num_required", "cancelled")

    def __init__(self, num_required):
        self.num_required = num_required
        self.cancelled = False


class ConditionalAccumulatorState:
    """A dense accumulator: ``shape`` is a tuple (``None`` dims allowed) or ``None``."""

    kind = "ConditionalAccumulator"

    def __init__(self, name, np_dtype, shape, reduction_type="MEAN"):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.shape = shape
        self.reduction_type = reduction_type
        self.cond = threading.Condition()
        self.global_step = 0
        self.counter = 0
        self._sum = None  # owned by the accumulator: never a kernel's input buffer
        self._attempts = deque()

    # -- the operations -----------------------------------------------------------------
    def apply_grad(self, local_step, grad) -> bool:
        """Add ``grad`` computed at ``local_step``; False if it was stale and dropped."""
        with self.cond:
            if int(local_step) < self.global_step:
                # TF drops a stale gradient silently, before even looking at its shape.
                return False
            g = np.asarray(grad, dtype=self.np_dtype)
            self._check_shape(g)
            if self.counter == 0:
                self._sum = np.array(g, dtype=self.np_dtype, copy=True)
            else:
                np.add(self._sum, g, out=self._sum)
            self.counter += 1
            self.cond.notify_all()
            return True

    def take_grad(self, num_required, deadline):
        """Wait for ``num_required`` gradients, then return their mean (or sum).

        Raises InvalidArgumentError for ``num_required < 1``, DeadlineExceededError when
        the step's deadline passes first, CancelledError when `cancel_takes` is called."""
        num_required = int(num_required)
        if num_required <= 0:
            raise errors.InvalidArgumentError(
                None, None, f"Argument num_required must be positive, but was {num_required}"
            )
        attempt = _TakeAttempt(num_required)
        # Closing the step's session cancels the take too, as it does a queue's dequeue.
        cm = kernel_context.cancellation.get()
        key = cm.register(self._wake) if cm is not None else None
        if cm is not None and key is None:
            raise errors.CancelledError(None, None, "TakeGrad operation was cancelled")
        with self.cond:
            self._attempts.append(attempt)
            try:
                # Attempts are served in order: a later one waits behind the first.
                while self._attempts[0] is not attempt or self.counter < num_required:
                    if attempt.cancelled or (cm is not None and cm.cancelled):
                        raise errors.CancelledError(None, None, "TakeGrad operation was cancelled")
                    _wait_for_change(self.cond, deadline)
                # A take cancelled in the instant its gradients arrived leaves them for the
                # next step.
                if cm is not None and cm.cancelled:
                    raise errors.CancelledError(None, None, "TakeGrad operation was cancelled")
                return self._take()
            finally:
                self._attempts.remove(attempt)
                self.cond.notify_all()
                if cm is not None:
                    cm.deregister(key)

    def _wake(self):
        with self.cond:
            self.cond.notify_all()

    def _take(self):
        # Taking advances the time step: gradients of the old weights are now stale.
        self.global_step += 1
        total = self._sum
        if self.reduction_type == "MEAN":
            total = (total / self.np_dtype.type(self.counter)).astype(self.np_dtype, copy=False)
        self._sum = None
        self.counter = 0
        return total[()] if total.ndim == 0 else total

    def num_accumulated(self) -> int:
        return self.counter

    def set_global_step(self, new_global_step) -> None:
        """Set the time step; TF only warns when it goes backwards."""
        new_global_step = int(new_global_step)
        with self.cond:
            if new_global_step < self.global_step:
                _logger.warning(
                    "Attempt to set current_global_step_ to smaller value: "
                    "current_global_step_ = %d >= %d = new_global_step.",
                    self.global_step,
                    new_global_step,
                )
            self.global_step = new_global_step
            self.cond.notify_all()

    def cancel_takes(self) -> int:
        """Fail the takes waiting now with CancelledError; returns how many there were."""
        with self.cond:
            for a in self._attempts:
                a.cancelled = True
            self.cond.notify_all()
            return len(self._attempts)

    # -- helpers ------------------------------------------------------------------------
    def _check_shape(self, g):
        # Checked against the running sum first, then against the declared shape (TF's order).
        if self.counter > 0 and self._sum.shape != g.shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Shape mismatch: expected {_shape_str(self._sum.shape)}, got {_shape_str(g.shape)}",
            )
        if not _compatible(self.shape, g.shape):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Shape mismatch: expected {_shape_str(self.shape)}, got {_shape_str(g.shape)}",
            )

    def __repr__(self):
        return (
            f"<{self.kind} {self.name!r} step={self.global_step} "
            f"accumulated={self.counter} shape={_shape_str(self.shape)}>"
        )
