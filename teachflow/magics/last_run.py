"""The last runs of this kernel: their events, for ``%teachflow timeline``.

A `StepRecorder` subscribes to the event bus (every local session, and the in-process
servers) and, for a cluster of server processes, to each task's ``StreamEvents``. It
keeps the events of the last ``keep_steps`` steps, grouped by step id; a step of a
cluster has one id on every task, so its events from all tasks land in one group.

    >>> import teachflow as tf
    >>> from teachflow.magics.last_run import StepRecorder
    >>> recorder = StepRecorder(keep_steps=2).start()
    >>> _ = tf.Session().run(tf.constant(2.0) * 3.0)
    >>> recorder.stop()
    >>> sorted({e.op_type for e in recorder.last_steps(1) if e.kind == "op"})
    ['Const', 'Mul']

Subscribing costs the runs an event per op (see ``teachflow.trace.events``); `stop`
returns the runtime to building no events at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from teachflow.trace.events import bus
from teachflow.viz import step_numbers

__all__ = ["StepRecorder"]


class StepRecorder:
    """Events of the last ``keep_steps`` steps, local and (after `follow`) remote."""

    def __init__(self, keep_steps: int = 5):
        if keep_steps < 1:
            raise ValueError(f"keep_steps must be >= 1, got {keep_steps}")
        self.keep_steps = int(keep_steps)
        self._steps = OrderedDict()  # step id -> [event], in the order steps were first seen
        self._lock = threading.Lock()
        self._subscribed = False
        self._remote = None
        # One bound method, kept: the bus unsubscribes a callback by identity.
        self._callback = self.add

    @property
    def recording(self) -> bool:
        return self._subscribed

    def start(self) -> StepRecorder:
        """Record every run of this process from now on."""
        if not self._subscribed:
            bus.subscribe(self._callback)
            self._subscribed = True
        return self

    def stop(self) -> None:
        """Stop recording (what was recorded stays) and stop following a cluster."""
        if self._subscribed:
            bus.unsubscribe(self._callback)
            self._subscribed = False
        self.unfollow()

    def follow(self, cluster, timeout: float = 10.0) -> bool:
        """Also record the events of every task of ``cluster`` (server processes), moved
        onto this process's clock; True when every task's stream opened in ``timeout``."""
        from teachflow.distributed.event_stream import RemoteEventStream, addresses_from

        self.unfollow()
        self._remote = RemoteEventStream(addresses_from(cluster), self._callback).start()
        return self._remote.wait_ready(timeout)

    def unfollow(self) -> None:
        remote, self._remote = self._remote, None
        if remote is not None:
            remote.stop()

    def add(self, event) -> None:
        """Called for each event, on the thread that ran the op: a dict lookup and an append."""
        events = self._steps.get(event.step_id)
        if events is None:
            with self._lock:
                events = self._steps.get(event.step_id)
                if events is None:
                    events = self._steps[event.step_id] = []
                    # Numbered as it ran: the views call it step 1, 2, ... of this session.
                    step_numbers.SESSION.number(event.step_id)
                    while len(self._steps) > self.keep_steps:
                        self._steps.popitem(last=False)
        events.append(event)

    def step_ids(self) -> list:
        """The recorded steps' ids, oldest first."""
        with self._lock:
            return list(self._steps)

    def last_steps(self, n: int = 1) -> list:
        """The events of the last ``n`` recorded steps (all of them, in arrival order)."""
        with self._lock:
            groups = list(self._steps.values())[-n:]
        return [e for group in groups for e in list(group)]

    def clear(self) -> None:
        with self._lock:
            self._steps.clear()
