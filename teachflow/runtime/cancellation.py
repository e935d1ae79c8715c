"""Cancelling the ops a session is still waiting on, when the session goes away.

TensorFlow gives every step a ``CancellationManager``: closing a session (or a worker
abandoning a step) cancels it, and each blocked op that registered a callback wakes and
fails with `CancelledError` ("Dequeue operation was cancelled"). Without it, a queue op
with no deadline would wait forever on a thread nobody joins.

`Session.run` and a worker's ``RunGraph`` set the step's manager as the kernel context's
``cancellation`` (`teachflow.ops.kernel_context`); pool threads run kernels in a copy of
that context, so a blocking kernel finds its manager there. A step
has its own manager, a `child` of its session's: a step whose caller went away (a Ctrl-C
in the client, a cancelled RunStep, a client killed mid-step) is cancelled alone, and a
closing session cancels all of its steps.

    >>> cm = CancellationManager()
    >>> woken = []
    >>> key = cm.register(lambda: woken.append(True))
    >>> cm.cancel()
    >>> cm.cancelled, woken
    (True, [True])
"""

from __future__ import annotations

import itertools
import threading


class CancellationManager:
    """A flag that is set once, plus callbacks that run when it is set."""

    def __init__(self):
        self._lock = threading.Lock()
        self._callbacks = {}
        self._keys = itertools.count()
        self._parent = None
        self._parent_key = None
        self.cancelled = False

    def register(self, callback):
        """Run ``callback`` on `cancel`; returns a key for `deregister`, or None when
        already cancelled (the caller should give up at once)."""
        with self._lock:
            if self.cancelled:
                return None
            key = next(self._keys)
            self._callbacks[key] = callback
            return key

    def deregister(self, key) -> None:
        if key is not None:
            with self._lock:
                self._callbacks.pop(key, None)

    def child(self) -> CancellationManager:
        """A manager cancelled with this one (and cancellable alone): one step of a
        session. `detach` it when the step ends, or the session keeps its callback."""
        kid = CancellationManager()
        kid._parent = self
        kid._parent_key = self.register(kid.cancel)
        if kid._parent_key is None:  # the session is already closed
            kid.cancel()
        return kid

    def detach(self) -> None:
        """Forget the parent of a `child` (its step ended)."""
        if self._parent is not None:
            self._parent.deregister(self._parent_key)
            self._parent = None

    def cancel(self) -> None:
        """Set the flag and wake every registered waiter (once; later calls do nothing)."""
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
        # Outside the lock: a callback takes its queue's lock, which a waiter holds while
        # it registers.
        for cb in callbacks:
            cb()
