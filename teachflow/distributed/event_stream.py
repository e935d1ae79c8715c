"""Events from the tasks of a cluster, on this process's clock: what `LiveTimeline` draws.

Each server's WorkerService streams the events of its process (``StreamEvents``) with
times in epoch nanoseconds of *its* clock. To draw them next to each other and next to
local events, each task's clock offset is estimated NTP-style from a few ``GetStatus``
calls (the remote time against the midpoint of the local send and receive times, from
the call with the shortest round trip: the least room for error), subtracted, and the
result moved onto this process's ``time.perf_counter_ns`` scale, which local events use.

    >>> estimate_offset([(1_000, 1_600, 1_010), (2_000, 2_500, 2_040)])
    595
    >>> to_local_perf(10_000, offset_ns=590, epoch_minus_perf_ns=9_000)
    410

Readiness: a task's server sends the stream's initial metadata as soon as it has
subscribed to its event bus, and the stream counts as open only when that metadata came
(`RemoteEventStream.wait_ready`), so a step started after ``wait_ready`` returned True
loses no event. Long runs: clocks drift apart, so each task's offset is measured again
every ``remeasure_every`` seconds, and a new estimate replaces the old one only when the
old one falls outside its error bound (half its round trip): a drift moves the events, a
jittery measurement does not.

Duplicates: a server only reports the work of its own task. Every event streamed by a
task is kept only if it happened on one of that task's devices (a transfer: on the
receiving device), and step events are passed on as they are (the timeline keeps each
step once). This matters when several servers share one process (in-process servers in
a test or a notebook): they share one event bus, so every stream sees the events of all
of them, and without the filter each op would be drawn once per stream.
"""

from __future__ import annotations

import dataclasses
import threading
import time

__all__ = [
    "RemoteEventStream",
    "addresses_from",
    "estimate_offset",
    "offset_moved",
    "to_local_perf",
    "localize_event",
    "event_device",
]

_TIME_FIELDS = ("start_ns", "end_ns", "time_ns")


def estimate_offset(samples) -> int:
    """The remote clock minus the local one, from ``(sent, remote, received)`` samples.

    ``sent`` and ``received`` are local times around the call, ``remote`` the time the
    task reported. The sample with the shortest round trip wins: its midpoint is the
    closest guess of when the remote clock was read.

        >>> estimate_offset([(0, 5_100, 200), (0, 5_000, 20)])
        4990
    """
    samples = list(samples)
    if not samples:
        raise ValueError("estimate_offset needs at least one (sent, remote, received) sample")
    sent, remote, received = min(samples, key=lambda s: s[2] - s[0])
    return int(remote - (sent + received) // 2)


def offset_moved(current_ns: int, new_ns: int, round_trip_ns: int) -> bool:
    """Whether a new offset estimate should replace the one in use.

    The true offset lies within half the estimate's round trip of it; while the offset in
    use is inside that bound, the new estimate says nothing new (keeping the old one keeps
    the drawing still); outside it, the clocks really moved apart.

        >>> offset_moved(1_000, 1_040, round_trip_ns=100)   # within +-50: jitter
        False
        >>> offset_moved(1_000, 1_200, round_trip_ns=100)   # a drift of 200 ns
        True
    """
    return abs(int(new_ns) - int(current_ns)) > int(round_trip_ns) // 2


def to_local_perf(epoch_ns: int, offset_ns: int, epoch_minus_perf_ns: int) -> int:
    """A remote epoch time as this process's ``perf_counter_ns``.

    ``epoch_minus_perf_ns`` is ``time.time_ns() - time.perf_counter_ns()`` here, measured
    once (a remeasure would move every later event by its jitter).

        >>> to_local_perf(1_000_500, offset_ns=500, epoch_minus_perf_ns=999_000)
        1000
    """
    return int(epoch_ns) - int(offset_ns) - int(epoch_minus_perf_ns)


def localize_event(event, offset_ns: int, epoch_minus_perf_ns: int):
    """``event`` (times in remote epoch ns) with its times on the local perf clock.

    >>> from teachflow.trace.events import StepEvent
    >>> localize_event(StepEvent(3, "start", 5_000), 1_000, 3_000).time_ns
    1000
    """
    changes = {
        f: to_local_perf(getattr(event, f), offset_ns, epoch_minus_perf_ns)
        for f in _TIME_FIELDS
        if hasattr(event, f)
    }
    return dataclasses.replace(event, **changes) if changes else event


def event_device(event):
    """The device an event is drawn on (a transfer's receiver), or None (a step event)."""
    if event.kind == "transfer":
        return event.dst_device
    return getattr(event, "device", None)


def _own_event(event, task: str) -> bool:
    device = event_device(event)
    if device is None or not task:
        return True
    return device.startswith(task + "/")


def _strip_scheme(address: str) -> str:
    return address[len("grpc://") :] if address.startswith("grpc://") else address


def addresses_from(cluster_or_targets) -> dict:
    """``{task name or target: "host:port"}`` from what `LiveTimeline.attach_cluster` takes.

    A `LocalCluster` (its ``targets``), a `ClusterSpec` or ``{job: [address, ...]}`` dict,
    a ``{task: target}`` dict of strings, or a list of ``grpc://`` targets.

        >>> addresses_from({"worker": ["h:1", "h:2"]})
        {'/job:worker/replica:0/task:0': 'h:1', '/job:worker/replica:0/task:1': 'h:2'}
        >>> addresses_from(["grpc://h:1"])
        {'grpc://h:1': 'h:1'}
    """
    from teachflow.distributed.cluster import ClusterSpec

    targets = getattr(cluster_or_targets, "targets", None)
    if isinstance(targets, dict):
        return {task: _strip_scheme(t) for task, t in targets.items()}
    if isinstance(cluster_or_targets, str):
        return {cluster_or_targets: _strip_scheme(cluster_or_targets)}
    if isinstance(cluster_or_targets, dict) and all(
        isinstance(v, str) for v in cluster_or_targets.values()
    ):
        return {task: _strip_scheme(t) for task, t in cluster_or_targets.items()}
    if isinstance(cluster_or_targets, (dict, ClusterSpec)):
        spec = ClusterSpec(cluster_or_targets)
        return {
            f"/job:{job}/replica:0/task:{i}": spec.task_address(job, i)
            for job in spec.jobs
            for i in spec.task_indices(job)
        }
    if isinstance(cluster_or_targets, (list, tuple)):
        return {t: _strip_scheme(t) for t in cluster_or_targets}
    raise TypeError(
        "Expected a LocalCluster, a ClusterSpec, a {job: [address, ...]} dict or a list of "
        f"grpc:// targets, got {type(cluster_or_targets).__name__}"
    )


class RemoteEventStream:
    """Streams every task's events, on this process's clock, into ``on_event``.

    One daemon thread per task: it estimates the task's clock offset from ``samples``
    ``GetStatus`` calls, opens ``StreamEvents``, waits for the stream's initial metadata
    (the server has subscribed to its bus) and then hands each event (times moved onto
    the local ``perf_counter_ns`` scale, see the module docstring) to ``on_event`` (an
    `EventBatcher`'s ``add``). While it streams, a second thread measures the offset
    again every ``remeasure_every`` seconds (None: never). A task that cannot be reached
    ends its thread; its error is kept in ``errors``. `stop` cancels the calls and joins
    the threads.

        >>> s = RemoteEventStream({}, print).start()
        >>> s.wait_ready(1.0)
        True
        >>> s.stop()
        >>> s.offsets, s.subscribed
        ({}, {})
    """

    def __init__(
        self,
        addresses_by_task,
        on_event,
        clock=time.time_ns,
        samples=3,
        timeout=5.0,
        remeasure_every=30.0,
    ):
        self.addresses = dict(addresses_by_task)
        self.on_event = on_event
        self.clock = clock
        self.samples = int(samples)
        self.timeout = float(timeout)
        self.remeasure_every = remeasure_every
        # Measured once: see to_local_perf.
        self.epoch_minus_perf_ns = time.time_ns() - time.perf_counter_ns()
        self.offsets = {}  # task -> remote minus local clock, ns (the one in use)
        self.measurements = {}  # task -> [(local epoch ns, offset, round trip ns), ...]
        self.subscribed = {}  # task -> True once its server said it listens to its bus
        self.errors = {}  # task -> the exception that ended its stream
        self._calls = {}
        self._channels = {}
        self._threads = []
        self._ready = {task: threading.Event() for task in self.addresses}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._last_event = 0.0  # time.monotonic() of the last event handed on

    def start(self) -> RemoteEventStream:
        """Start one thread per task (once)."""
        if self._threads:
            return self
        for task, address in self.addresses.items():
            self._spawn(self._run, task, address, name=f"RemoteEvents {task}")
        return self

    def _spawn(self, target, *args, name) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(t)
        t.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait at most ``timeout`` seconds until every task's server has subscribed its
        stream to its event bus (or the task's thread ended); True if all have.

        After True, every event of a step started from now on reaches ``on_event``.
        """
        deadline = time.monotonic() + timeout
        for ev in self._ready.values():
            ev.wait(max(deadline - time.monotonic(), 0.0))
        return (
            not self.errors
            and all(ev.is_set() for ev in self._ready.values())
            and all(self.subscribed.get(task) for task in self.addresses)
        )

    def stop(self, timeout: float = 2.0, quiet: float = 0.1) -> None:
        """Cancel every stream and join the threads (at most ``timeout`` seconds each).

        The events of a step that just ended may still be on the wire: first wait until
        no event came for ``quiet`` seconds since this call (at most ``timeout``); with
        ``quiet`` 0 it stops at once.
        """
        called = time.monotonic()
        deadline = called + timeout
        while quiet and self._threads and not self._stopped.is_set():
            idle = time.monotonic() - max(self._last_event, called)
            if idle >= quiet or time.monotonic() >= deadline:
                break
            self._stopped.wait(quiet - idle)
        self._stopped.set()
        with self._lock:
            calls = list(self._calls.values())
            channels = list(self._channels.values())
            threads = list(self._threads)
        for call in calls:
            call.cancel()
        for t in threads:
            t.join(timeout)
        for ch in channels:
            ch.close()

    def _measure_offset(self, stub, metadata) -> tuple:
        """(offset, task name the server reports, round trip of the best sample)."""
        from teachflow.distributed.protocol import teachflow_pb2 as pb

        found = []
        task = ""
        for _ in range(max(self.samples, 1)):
            sent = self.clock()
            resp = stub.GetStatus(pb.GetStatusRequest(), timeout=self.timeout, metadata=metadata)
            received = self.clock()
            found.append((sent, resp.time_ns, received))
            task = resp.task
        best = min(found, key=lambda s: s[2] - s[0])
        return estimate_offset(found), task, best[2] - best[0]

    def _record(self, task, offset, round_trip) -> None:
        self.measurements.setdefault(task, []).append((self.clock(), offset, round_trip))
        current = self.offsets.get(task)
        if current is None or offset_moved(current, offset, round_trip):
            self.offsets[task] = offset

    def _remeasure(self, task, stub, metadata) -> None:
        import grpc

        every = self.remeasure_every
        while not self._stopped.wait(every):
            try:
                offset, _, round_trip = self._measure_offset(stub, metadata)
            except grpc.RpcError:
                continue  # a busy or restarting task: keep the offset, try again later
            self._record(task, offset, round_trip)

    def _run(self, task, address) -> None:
        import grpc

        from teachflow.distributed.protocol import graphs
        from teachflow.distributed.protocol import teachflow_pb2 as pb
        from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
        from teachflow.distributed.worker import STREAM_SUBSCRIBED_KEY
        from teachflow.distributed.worker_client import auth_metadata, make_channel

        ready = self._ready[task]
        channel = make_channel(address)
        with self._lock:
            self._channels[task] = channel
        try:
            stub = pb_grpc.WorkerServiceStub(channel)
            metadata = auth_metadata()
            offset, reported, round_trip = self._measure_offset(stub, metadata)
            self._record(task, offset, round_trip)
            with self._lock:
                if self._stopped.is_set():
                    return
                call = stub.StreamEvents(pb.StreamEventsRequest(), metadata=metadata)
                self._calls[task] = call
            # Blocks until the server has subscribed (or the call ends: stop() cancels it).
            headers = dict(call.initial_metadata() or ())
            self.subscribed[task] = headers.get(STREAM_SUBSCRIBED_KEY) == "1"
            ready.set()
            if self.remeasure_every:
                self._spawn(self._remeasure, task, stub, metadata, name=f"Clock {task}")
            base = self.epoch_minus_perf_ns
            offsets = self.offsets
            on_event = self.on_event
            for msg in call:
                own = msg.task or reported
                event = graphs.event_from_proto(msg)
                self._last_event = time.monotonic()
                if _own_event(event, own):
                    on_event(localize_event(event, offsets[task], base))
        except grpc.RpcError as e:
            if not self._stopped.is_set():
                self.errors[task] = e
        except Exception as e:  # noqa: BLE001 - kept for the caller: a thread cannot raise
            self.errors[task] = e
        finally:
            ready.set()
