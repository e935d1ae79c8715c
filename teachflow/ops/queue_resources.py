"""The queues themselves: bounded, thread-safe stores of tuples that outlive every step.

A queue lives in its device's resource manager like a variable's storage. Its kernels
(teachflow/ops/data_flow_ops.py) call these methods from inter-op pool threads; a call that
cannot proceed waits on the queue's condition until another step enqueues, dequeues or
closes, until the step's deadline passes (TF's blocking queue semantics), or until the
step's session closes (`teachflow.ops.kernel_context`). Waits are bounded so a step
without a deadline still re-checks its state now and then.

    >>> import numpy as np
    >>> q = FIFOQueueState("q", [np.float32], [()], capacity=2)
    >>> q.enqueue((np.float32(1.0),), None)
    >>> q.dequeue(None)
    (np.float32(1.0),)
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque

import numpy as np

from teachflow.framework import errors
from teachflow.ops import kernel_context
from teachflow.ops.philox import PhiloxRandom, SingleSample, seed_pair

_POLL_S = 0.5  # longest single wait; the loop re-checks state and the deadline after it
_EARLY_S = 0.005  # how much sooner than the step's deadline a blocked queue op gives up


def _deadline_error():
    # TensorFlow's words when a blocked queue op outlives operation_timeout_in_ms.
    return errors.DeadlineExceededError(None, None, "Timed out waiting for notification")


def _cancelled_error(verb):
    # TensorFlow's words when the session of a blocked queue op closes.
    return errors.CancelledError(None, None, f"{verb} operation was cancelled")


def _wait_for_change(cond, deadline):
    """Wait (``cond``'s lock held) for a notify, at most _POLL_S; DeadlineExceededError
    once the step's ``deadline`` (a ``time.monotonic()`` value, or None) has passed.

    The kernel gives up a little before the executor does, and re-checks after waking: a
    step that timed out must never take an element (or gradients) meant for a later step."""
    if deadline is None:
        cond.wait(_POLL_S)
        return
    deadline -= _EARLY_S
    left = deadline - time.monotonic()
    if left <= 0:
        raise _deadline_error()
    cond.wait(min(left, _POLL_S))
    if time.monotonic() >= deadline:
        raise _deadline_error()


def _shape_str(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class QueueState:
    """A FIFO queue of tuples; subclasses choose which element leaves next.

    ``shapes`` holds one tuple per component (``None`` dims allowed), or ``None`` for a
    queue whose components may take any shape."""

    kind = "FIFOQueue"

    def __init__(self, name, np_dtypes, shapes, capacity):
        self.name = name
        self.np_dtypes = list(np_dtypes)
        self.shapes = shapes
        self.capacity = capacity if capacity >= 0 else None  # TF: -1 is unbounded
        self.cond = threading.Condition()
        self.closed = False
        self.cancelled = False
        self.items = deque()

    # -- what subclasses vary ----------------------------------------------------------
    def _put(self, item):
        self.items.append(item)

    def _take(self):
        return self.items.popleft()

    def _available(self):
        """How many elements a dequeue may take now (RandomShuffleQueue keeps some back)."""
        return len(self.items)

    # -- waiting ------------------------------------------------------------------------
    def _wait(self, deadline, verb):
        """Wait (lock held) for a change; raise DeadlineExceeded once the deadline passed,
        CancelledError once the step's session closed (``verb``: Enqueue or Dequeue)."""
        cm = kernel_context.cancellation.get()
        key = None
        if cm is not None:
            key = cm.register(self._wake)
            if key is None:
                raise _cancelled_error(verb)
        try:
            _wait_for_change(self.cond, deadline)
        finally:
            if cm is not None:
                cm.deregister(key)
        if cm is not None and cm.cancelled:
            raise _cancelled_error(verb)

    def _check_not_cancelled(self, verb):
        """Before taking: a cancelled step's op never removes an element, even when one
        arrived in the same instant as the cancellation."""
        cm = kernel_context.cancellation.get()
        if cm is not None and cm.cancelled:
            raise _cancelled_error(verb)

    def _wake(self):
        with self.cond:
            self.cond.notify_all()

    # -- checks -------------------------------------------------------------------------
    def _check(self, components, batched):
        if len(components) != len(self.np_dtypes):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected {len(self.np_dtypes)} components, got {len(components)}",
            )
        out = []
        batch = None
        for i, (v, dt) in enumerate(zip(components, self.np_dtypes)):
            a = np.asarray(v, dtype=dt)
            if not a.flags.writeable:
                # A read-only array may be a variable's buffer, which Assign writes in place:
                # the queue holds a copy. (TensorFlow's queue would alias the buffer, so
                # ``q.enqueue(counter.assign_add(1))`` three times dequeues 3, 3, 3 there.)
                a = a.copy()
            got = a.shape[1:] if batched else a.shape
            if batched:
                if a.ndim == 0:
                    raise errors.InvalidArgumentError(
                        None, None, f"Shape mismatch in tuple component {i}. Expected rank >= 1"
                    )
                if batch is None:
                    batch = a.shape[0]
                elif a.shape[0] != batch:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        "Expected all components to have the same batch size: "
                        f"component 0 has {batch}, component {i} has {a.shape[0]}",
                    )
            if self.shapes is not None:
                want = self.shapes[i]
                if len(want) != len(got) or any(
                    w is not None and w != g for w, g in zip(want, got)
                ):
                    prefix = f"[{batch}]" if batched else ""
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Shape mismatch in tuple component {i}. Expected "
                        f"{prefix}{_shape_str(want)}, got {_shape_str(a.shape)}",
                    )
            out.append(a)
        return out, batch

    def _closed_error(self):
        return errors.CancelledError(None, None, f"{self.kind} '{self.name}' is closed.")

    def _insufficient(self, n):
        return errors.OutOfRangeError(
            None,
            None,
            f"{self.kind} '{self.name}' is closed and has insufficient elements "
            f"(requested {n}, current size {len(self.items)})",
        )

    def _full(self):
        return self.capacity is not None and len(self.items) >= self.capacity

    # -- the operations -----------------------------------------------------------------
    def enqueue(self, components, deadline):
        """Add one element, waiting for room; CancelledError once the queue is closed."""
        arrays, _ = self._check(components, batched=False)
        with self.cond:
            self._enqueue_one(tuple(arrays), deadline)

    def enqueue_many(self, components, deadline):
        """Add the slices along dimension 0 one by one, each waiting for room."""
        arrays, batch = self._check(components, batched=True)
        with self.cond:
            if self.closed:
                raise self._closed_error()
            for k in range(batch):
                self._enqueue_one(tuple(a[k] for a in arrays), deadline)

    def _enqueue_one(self, item, deadline):
        if self.closed and not self._pending_allowed:
            raise self._closed_error()
        while self._full():
            if self.cancelled:
                raise self._closed_error()
            self._wait(deadline, "Enqueue")
        if self.cancelled:
            raise self._closed_error()
        self._check_not_cancelled("Enqueue")
        self._put(item)
        self.cond.notify_all()

    _pending_allowed = False  # a new enqueue after close() fails at once

    def dequeue(self, deadline):
        """Remove one element: a tuple of its components."""
        with self.cond:
            while self._available() < 1:
                if self.closed:
                    if self.items:  # closed: min_after_dequeue no longer holds anything back
                        break
                    raise self._insufficient(1)
                self._wait(deadline, "Dequeue")
            self._check_not_cancelled("Dequeue")
            item = self._take()
            self.cond.notify_all()
            return tuple(_as_value(c) for c in item)

    def dequeue_many(self, n, deadline, up_to=False):
        """Remove ``n`` elements at once (all or none), stacked along a new dimension 0.

        ``up_to``: a closed queue gives what is left (at least one element)."""
        if n < 0:
            raise errors.InvalidArgumentError(None, None, f"Expected n >= 0, got {n}")
        if self.shapes is None or (not self.pads and any(None in s for s in self.shapes)):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{self.kind}'s DequeueMany and DequeueUpTo require the components to have "
                "specified shapes.",
            )
        with self.cond:
            while self._available() < n:
                if self.closed:
                    left = len(self.items)
                    if up_to and left > 0:
                        n = min(n, left)
                        break
                    if left >= n:
                        break
                    raise self._insufficient(n)
                self._wait(deadline, "Dequeue")
            self._check_not_cancelled("Dequeue")
            taken = [self._take() for _ in range(n)]
            self.cond.notify_all()
        return tuple(self._stack([t[i] for t in taken], i) for i in range(len(self.np_dtypes)))

    pads = False

    def _stack(self, parts, i):
        if parts:
            return np.stack(parts)
        return np.zeros((0,) + tuple(self.shapes[i]), dtype=self.np_dtypes[i])

    def close(self, cancel_pending_enqueues=False):
        """No more enqueues; waiting dequeues fail once too few elements remain.

        Closing a closed queue again is a CancelledError, as in TensorFlow, unless it
        cancels pending enqueues (what a QueueRunner's stop does after a close)."""
        with self.cond:
            if self.closed and not cancel_pending_enqueues:
                raise errors.CancelledError(None, None, f"Queue '{self.name}' is already closed.")
            self.closed = True
            if cancel_pending_enqueues:
                self.cancelled = True
            self.cond.notify_all()

    def size(self):
        return len(self.items)


def _as_value(a):
    """A 0-d component leaves the queue as a numpy scalar (a `bytes` for strings)."""
    return a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a


class FIFOQueueState(QueueState):
    """First in, first out."""


class PaddingFIFOQueueState(QueueState):
    """FIFO whose ``dequeue_many`` pads each component's unknown dims to the batch's longest."""

    kind = "PaddingFIFOQueue"
    pads = True

    def _stack(self, parts, i):
        shape = self.shapes[i]
        if not parts:
            return np.zeros((0,) + tuple(d or 0 for d in shape), dtype=self.np_dtypes[i])
        dims = tuple(max(p.shape[k] for p in parts) for k in range(len(shape)))
        # TF pads with zeros (empty strings for string components).
        fill = b"" if self.np_dtypes[i] is object else 0
        out = np.full((len(parts),) + dims, fill, dtype=self.np_dtypes[i])
        for j, p in enumerate(parts):
            # A 0-d object array assigned into an object array would be stored as itself.
            out[(j,) + tuple(slice(0, s) for s in p.shape)] = p if p.ndim else p[()]
        return out


class RandomShuffleQueueState(QueueState):
    """Dequeues a random element, keeping ``min_after_dequeue`` back until closed."""

    kind = "RandomShuffleQueue"

    def __init__(self, name, np_dtypes, shapes, capacity, min_after_dequeue, seed):
        super().__init__(name, np_dtypes, shapes, capacity)
        self.items = []
        self.min_after_dequeue = min_after_dequeue
        # TF's queue: one Philox word per dequeue, from PhiloxRandom(seed, seed2) (the
        # op's two seed attributes); both zero: fresh entropy.
        self.generator = SingleSample(PhiloxRandom(*seed_pair(*seed)))

    def _take(self):
        k = self.generator() % len(self.items)
        # Swap with the last and pop, as TF's DequeueLocked does (the order is TF's).
        self.items[k], self.items[-1] = self.items[-1], self.items[k]
        return self.items.pop()

    def _available(self):
        return max(0, len(self.items) - self.min_after_dequeue)

    def _put(self, item):
        self.items.append(item)


class PriorityQueueState(QueueState):
    """Dequeues the element with the smallest int64 priority (component 0) first."""

    kind = "PriorityQueue"

    def __init__(self, name, np_dtypes, shapes, capacity):
        super().__init__(name, np_dtypes, shapes, capacity)
        self.items = []
        self._order = itertools.count()  # ties leave in insertion order

    def _put(self, item):
        heapq.heappush(self.items, (int(item[0]), next(self._order), item))

    def _take(self):
        return heapq.heappop(self.items)[2]
