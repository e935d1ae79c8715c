"""The event stream: every op, transfer and allocation a run makes, as plain records.

Events are the single source of truth for timelines, memory charts, placement logs and
``RunMetadata``. The executor emits them; anything may subscribe while runs go on:

    >>> import teachflow as tf
    >>> from teachflow.trace.events import bus
    >>> seen = []
    >>> with bus.subscribed(seen.append):
    ...     _ = tf.Session().run(tf.constant(1.0) + 1.0)
    >>> sorted({e.kind for e in seen})
    ['memory', 'op', 'step']

With no subscriber and no traced run, the executor does not build events at all.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field


# Events are records nobody changes (copies are made with dataclasses.replace), but they
# are not frozen: a frozen dataclass sets each field through object.__setattr__, which
# makes building one three times slower, and a traced or watched run builds thousands.
@dataclass(slots=True)
class OpEvent:
    """One node's execution. Times are ``time.perf_counter_ns()`` of the process that ran it."""

    step_id: int
    device: str
    node: str
    op_type: str
    start_ns: int
    end_ns: int
    thread_id: int
    output_bytes: int
    inputs: tuple = ()
    kind: str = field(default="op", init=False)


@dataclass(slots=True)
class TransferEvent:
    """A tensor copied from one device to another (a send/recv pair)."""

    step_id: int
    src_device: str
    dst_device: str
    tensor: str
    nbytes: int
    start_ns: int
    end_ns: int
    thread_id: int
    kind: str = field(default="transfer", init=False)


@dataclass(slots=True)
class MemoryEvent:
    """Bytes in use on a device after an allocation (delta > 0) or a free (delta < 0)."""

    step_id: int
    device: str
    allocator: str
    time_ns: int
    delta: int
    live_bytes: int
    node: str
    kind: str = field(default="memory", init=False)


@dataclass(slots=True)
class StepEvent:
    """A step began (``phase="start"``) or ended (``"end"``, with ``error`` if it failed)."""

    step_id: int
    phase: str
    time_ns: int
    fetches: tuple = ()
    error: str = ""
    kind: str = field(default="step", init=False)


class EventBus:
    """Fan-out of events to subscribers. Subscribing and publishing are thread-safe."""

    def __init__(self):
        self._subscribers = ()
        self._kinds = ()  # per subscriber: the kinds it asked for, or None for all
        self._lock = threading.Lock()
        self.wants_memory = False

    @property
    def active(self) -> bool:
        return bool(self._subscribers)

    def subscribe(self, callback, kinds=None):
        """Call ``callback(event)`` for every event published from now on. ``kinds`` (e.g.
        ``("op", "transfer", "step")``) tells what it will look at: when no subscriber
        wants ``"memory"``, runs skip building their allocation events, most of them."""
        with self._lock:
            self._subscribers = self._subscribers + (callback,)
            self._kinds = self._kinds + (None if kinds is None else frozenset(kinds),)
            self._update()
        return callback

    def unsubscribe(self, callback) -> None:
        with self._lock:
            # ==, not `is`: ``obj.method`` makes a new bound-method object at every access,
            # and two of them for the same object and function compare equal.
            kept = [(s, k) for s, k in zip(self._subscribers, self._kinds) if s != callback]
            self._subscribers = tuple(s for s, _ in kept)
            self._kinds = tuple(k for _, k in kept)
            self._update()

    def _update(self):
        self.wants_memory = any(k is None or "memory" in k for k in self._kinds)

    @contextlib.contextmanager
    def subscribed(self, callback, kinds=None):
        self.subscribe(callback, kinds)
        try:
            yield callback
        finally:
            self.unsubscribe(callback)

    def publish(self, event) -> None:
        for s in self._subscribers:
            s(event)


# The process-wide bus every session publishes to.
bus = EventBus()
