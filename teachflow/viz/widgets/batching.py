"""Events from a running session, gathered into batches a notebook front end can keep up with.

The executor publishes one event per op, transfer and allocation (`teachflow.trace.events`).
Sending each to a browser would slow the run and flood the kernel's message channel, so
the bus callback only appends to a queue, and one background thread turns what has
queued into small JSON-able dicts and hands them on in batches: at most every
``interval`` seconds (0.1 s: ten updates a second, fast enough to look live) and as soon
as it sees a step end, so that the last ops of a step do not wait for the next one.

    >>> from teachflow.trace.events import OpEvent, StepEvent
    >>> batches = []
    >>> b = EventBatcher(batches.append)
    >>> b.add(StepEvent(1, "start", 1_000))
    >>> b.add(OpEvent(1, "/device:CPU:0", "a", "Const", 3_000, 5_000, 7, 4))
    >>> b.flush_now()
    >>> [(d["kind"], d.get("start_us")) for d in batches[0]]
    [('step', None), ('op', 2.0)]
"""

from __future__ import annotations

import collections
import threading
import time

from teachflow.viz import palette

__all__ = ["EventBatcher", "event_to_dict"]

# How often the background thread looks at the queue. Short, so a step end is passed
# on at once; an ordinary batch still waits for ``interval``.
_POLL = 0.02


def _us(ns: int, origin_ns: int) -> float:
    # Microseconds since the first step start, rounded to nanoseconds: the same events
    # always give the same dicts, and the JSON stays short.
    return round((ns - origin_ns) / 1000.0, 3)


def event_to_dict(event, origin_ns: int) -> dict:
    """A small JSON-able dict for one bus event; times in microseconds after ``origin_ns``.

    Ops and transfers carry ``start_us``/``end_us``; a transfer is drawn on the device
    that receives it (``device`` is ``dst``), as TF's timeline draws the ``_Recv``.

        >>> from teachflow.trace.events import TransferEvent
        >>> d = event_to_dict(TransferEvent(2, "/gpu:0", "/gpu:1", "mul:0", 8, 1500, 2500, 1), 1000)
        >>> d["kind"], d["device"], d["src"], d["family"], d["start_us"], d["end_us"]
        ('transfer', '/gpu:1', '/gpu:0', 'transfer', 0.5, 1.5)
    """
    kind = event.kind
    if kind == "op":
        return {
            "kind": "op",
            "step": event.step_id,
            "device": event.device,
            "node": event.node,
            "op": event.op_type,
            "family": palette.op_family(event.op_type),
            "start_us": _us(event.start_ns, origin_ns),
            "end_us": _us(event.end_ns, origin_ns),
            "bytes": event.output_bytes,
            "inputs": list(event.inputs),
            "thread": event.thread_id,
        }
    if kind == "transfer":
        return {
            "kind": "transfer",
            "step": event.step_id,
            "device": event.dst_device,
            "node": event.tensor,
            "op": "Transfer",
            "family": "transfer",
            "start_us": _us(event.start_ns, origin_ns),
            "end_us": _us(event.end_ns, origin_ns),
            "bytes": event.nbytes,
            "inputs": [event.tensor],
            "src": event.src_device,
            "dst": event.dst_device,
            "thread": event.thread_id,
        }
    if kind == "memory":
        return {
            "kind": "memory",
            "step": event.step_id,
            "device": event.device,
            "node": event.node,
            "allocator": event.allocator,
            "time_us": _us(event.time_ns, origin_ns),
            "delta": event.delta,
            "live_bytes": event.live_bytes,
        }
    if kind == "step":
        return {
            "kind": "step",
            "step": event.step_id,
            "phase": event.phase,
            "time_us": _us(event.time_ns, origin_ns),
            "error": event.error,
        }
    return {"kind": str(kind), "step": getattr(event, "step_id", -1)}


def _event_time_ns(event) -> int:
    return getattr(event, "start_ns", None) or getattr(event, "time_ns", 0)


class EventBatcher:
    """Collects events from any thread and calls ``flush(list_of_dicts)`` in batches.

    ``add`` is the deque's own ``append``: safe from any thread and as cheap as a call
    can be, so subscribing it to the bus does not slow the run. Conversion happens in
    `tick`, on the background thread `start` runs (or in a test, called by hand with a
    fake ``now``). Each ``flush`` call gets at most ``max_batch`` dicts, in the order the
    events were added.

        >>> out = []
        >>> b = EventBatcher(out.append, interval=0.1, clock=lambda: 0.0)
        >>> from teachflow.trace.events import StepEvent
        >>> b.add(StepEvent(1, "start", 0))
        >>> b.tick(0.05)   # not yet due: 0.05 s since the last flush
        >>> b.tick(0.1)
        >>> len(out)
        1
    """

    def __init__(
        self,
        flush,
        interval: float = 0.1,
        max_batch: int = 500,
        clock=time.monotonic,
        kinds=None,
        keep_steps=None,
    ):
        if interval <= 0:
            raise ValueError(f"interval must be > 0, got {interval}")
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self._flush = flush
        # Only these kinds of event are converted and passed on (None: all); a view that
        # draws no memory skips the conversion of the allocations, most of the events.
        self.kinds = None if kinds is None else frozenset(kinds)
        # A view that keeps only the last N steps: of what queued since the last look,
        # only the events of the newest N steps are converted (step starts and ends always
        # are, so steps are still counted). A tight loop of runs then costs the view a
        # few steps' worth of work per update, not every step's.
        self.keep_steps = keep_steps
        self.interval = float(interval)
        self.max_batch = int(max_batch)
        self._clock = clock
        self._queue = collections.deque()
        # The bus callback: a bound C method, no Python frame per event.
        self.add = self._queue.append
        self._ready = []  # converted, not yet flushed
        self._step_ended = False
        self._origin_ns = None
        self._last_flush = clock()
        self._lock = threading.Lock()  # tick/flush_now from the thread and from callers
        self._stop = threading.Event()
        self._thread = None

    @property
    def origin_ns(self):
        """The first step start seen (times in the dicts are relative to it), or None."""
        return self._origin_ns

    def reset_origin(self) -> None:
        """Measure times from the next step start seen (after a `clear`, say)."""
        self._origin_ns = None

    def _drain(self) -> None:
        q = self._queue
        ready = self._ready
        kinds = self.kinds
        events = []
        while q:
            event = q.popleft()
            if kinds is None or event.kind in kinds:
                events.append(event)
        newest = None
        if self.keep_steps:
            newest = set()
            for event in reversed(events):
                if event.step_id not in newest:
                    if len(newest) == self.keep_steps:
                        break
                    newest.add(event.step_id)
        for event in events:
            if newest is not None and event.kind != "step" and event.step_id not in newest:
                continue
            if self._origin_ns is None:
                # The first step start is time zero; an event before any step (rare:
                # a subscriber that came in mid-step) starts the clock itself.
                self._origin_ns = _event_time_ns(event)
            d = event_to_dict(event, self._origin_ns)
            if d["kind"] == "step" and d.get("phase") == "end":
                self._step_ended = True
            ready.append(d)

    def pending(self) -> int:
        """Events added or converted but not yet flushed."""
        return len(self._queue) + len(self._ready)

    def tick(self, now=None) -> None:
        """Convert what has queued; flush if ``interval`` has passed or a step ended."""
        with self._lock:
            now = self._clock() if now is None else now
            self._drain()
            if not self._ready:
                return
            if self._step_ended or now - self._last_flush >= self.interval:
                self._flush_locked(now)

    def flush_now(self) -> None:
        """Convert and flush everything queued, whatever the time."""
        with self._lock:
            self._drain()
            self._flush_locked(self._clock())

    def _flush_locked(self, now) -> None:
        ready, self._ready = self._ready, []
        self._step_ended = False
        self._last_flush = now
        for i in range(0, len(ready), self.max_batch):
            self._flush(ready[i : i + self.max_batch])

    # -- the background thread ------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="EventBatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread (waiting at most ``timeout`` seconds), then flush what is left."""
        thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
        self._thread = None
        self.flush_now()

    def _loop(self) -> None:
        wait = min(_POLL, self.interval)
        while not self._stop.wait(wait):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a consumer failure must not end the thread
                # A consumer that fails (a closed widget) loses that batch only; the
                # thread goes on so that later steps still arrive.
                self._ready = []
