"""Events from the tasks of a cluster, on this process's clock: what `LiveTimeline` shows.

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
    ``GetStatus`` calls, opens ``StreamEvents`` and hands each event (times moved onto
    the local ``perf_counter_ns`` scale, see the module docstring) to ``on_event``
    (an `EventBatcher`'s ``add``). A task that cannot be reached ends its thread; its
    error is kept in ``errors``. `stop` cancels the calls and joins the threads.

        >>> s = RemoteEventStream({}, print).start()
        >>> s.stop()
        >>> s.offsets
        {}
    """

    def __init__(self, addresses_by_task, on_event, clock=time.time_ns, samples=3, timeout=5.0):
        self.addresses = dict(addresses_by_task)
        self.on_event = on_event
        self.clock = clock
        self.samples = int(samples)
        self.timeout = float(timeout)
        # Measured once: see to_local_perf.
        self.epoch_minus_perf_ns = time.time_ns() - time.perf_counter_ns()
        self.offsets = {}  # task -> remote minus local clock, ns
        self.errors = {}  # task -> the exception that ended its stream
        self._calls = {}
        self._channels = {}
        self._threads = []
        self._ready = {task: threading.Event() for task in self.addresses}
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self) -> RemoteEventStream:
        """Start one thread per task (once)."""
        if self._threads:
            return self
        for task, address in self.addresses.items():
            t = threading.Thread(
                target=self._run, args=(task, address), name=f"RemoteEvents {task}", daemon=True
            )
            self._threads.append(t)
            t.start()
        return self

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until every task's stream is open (or its thread ended); True if all opened."""
        deadline = time.monotonic() + timeout
        for ev in self._ready.values():
            ev.wait(max(deadline - time.monotonic(), 0.0))
        return not self.errors and all(ev.is_set() for ev in self._ready.values())

    def stop(self, timeout: float = 2.0) -> None:
        """Cancel every stream and join the threads (at most ``timeout`` seconds each)."""
        self._stopped.set()
        with self._lock:
            calls = list(self._calls.values())
            channels = list(self._channels.values())
        for call in calls:
            call.cancel()
        for t in self._threads:
            t.join(timeout)
        for ch in channels:
            ch.close()

    def _measure_offset(self, stub, metadata) -> tuple:
        from teachflow.distributed.protocol import teachflow_pb2 as pb

        found = []
        task = ""
        for _ in range(max(self.samples, 1)):
            sent = self.clock()
            resp = stub.GetStatus(pb.GetStatusRequest(), timeout=self.timeout, metadata=metadata)
            received = self.clock()
            found.append((sent, resp.time_ns, received))
            task = resp.task
        return estimate_offset(found), task

    def _run(self, task, address) -> None:
        import grpc

        from teachflow.distributed.protocol import graphs
        from teachflow.distributed.protocol import teachflow_pb2 as pb
        from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
        from teachflow.distributed.worker_client import auth_metadata, make_channel

        ready = self._ready[task]
        channel = make_channel(address)
        with self._lock:
            self._channels[task] = channel
        try:
            stub = pb_grpc.WorkerServiceStub(channel)
            metadata = auth_metadata()
            offset, reported = self._measure_offset(stub, metadata)
            self.offsets[task] = offset
            with self._lock:
                if self._stopped.is_set():
                    return
                call = stub.StreamEvents(pb.StreamEventsRequest(), metadata=metadata)
                self._calls[task] = call
            ready.set()
            base = self.epoch_minus_perf_ns
            on_event = self.on_event
            for msg in call:
                own = msg.task or reported
                event = graphs.event_from_proto(msg)
                if _own_event(event, own):
                    on_event(localize_event(event, offset, base))
        except grpc.RpcError as e:
            if not self._stopped.is_set():
                self.errors[task] = e
        except Exception as e:  # noqa: BLE001 - kept for the caller: a thread cannot raise
            self.errors[task] = e
        finally:
            ready.set()
