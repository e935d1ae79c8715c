"""A step in virtual time: what ran where and when, why it took that long, and in words.

`VirtualStep` holds one simulated step: a `VirtualNode` per op or transfer (its device,
lane, virtual start and end, and the cost that set its length), the step's trace events,
and the hardware it was simulated on. `VirtualTimeline` is what
`teachflow.sim.virtual_timeline` returns: the events of its steps as a plain list, so
``viz.plot_timeline(vt)`` and ``viz.plot_memory(vt)`` draw it like any event stream, with
the steps kept in ``vt.steps`` and a summary in ``vt.summary()``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["VirtualNode", "VirtualStep", "VirtualTimeline"]


@dataclass(eq=False)
class VirtualNode:
    """One op (``src_device`` None) or transfer of a simulated step. ``cost``: the op's
    `OpCost`; ``link``/``nbytes``: what a transfer crossed. ``ready_ns``: when its inputs
    were done; it started at ``start_ns`` when a lane (``thread_id``) of ``resource`` was free."""

    name: str
    op_type: str
    device: str
    resource: str
    src_device: str | None = None
    inputs: tuple = ()
    cost: object = None
    link: object = None
    nbytes: int = 0
    output_bytes: int = 0
    ready_ns: int = 0
    start_ns: int = 0
    end_ns: int = 0
    thread_id: int = 0

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    def why(self) -> str:
        """Why it took as long as it did, in words."""
        if self.link is not None:
            return (
                f"{_bytes(self.nbytes)} over {self.link.name} at "
                f"{self.link.bandwidth / 1e9:g} GB/s + {self.link.latency_s * 1e6:g} µs latency"
            )
        c = self.cost
        if c.bound == "launch":
            return "launch/dispatch overhead"
        if c.bound == "compute":
            return f"compute-bound: {c.flops / 1e9:.3g} GFLOP"
        return f"memory-bound: {_bytes(c.bytes)} through device memory"


@dataclass(eq=False)
class VirtualStep:
    """One step simulated on ``devices`` (device name -> `HardwareProfile`)."""

    step_id: int
    events: list
    nodes: list
    duration_ns: int
    devices: dict
    lane_names: dict  # thread id -> "…/device:GPU:0 stream", "… host-to-device copy engine"
    network: object
    plan_devices: list = field(default_factory=list)

    def to_step_stats(self):
        """TensorFlow's ``StepStats`` of this step, times in virtual microseconds from 0,
        each thread named after its lane (``"/…/device:GPU:0 stream"``)."""
        from teachflow.runtime.step_stats import build_step_stats

        stats = build_step_stats(self.events, self.plan_devices, 0)
        for dev in stats.dev_stats:
            dev.thread_names = {t: self.lane_names.get(t, n) for t, n in dev.thread_names.items()}
        return stats

    def busy_ns(self) -> dict:
        """Device -> virtual nanoseconds its compute lanes were busy (transfers excluded)."""
        busy = defaultdict(int)
        for n in self.nodes:
            if n.src_device is None:
                busy[n.device] += n.duration_ns
        return dict(busy)

    def lane_busy_ns(self) -> dict:
        """Lane -> virtual nanoseconds it was busy: GPU streams, copy engines, CPU
        threads, and each task's outgoing network link (``"/job:ps/replica:0/task:0
        network"``), where N workers pulling from one ps queue up."""
        busy = defaultdict(int)
        for n in self.nodes:
            busy[self.lane_names.get(n.thread_id, n.resource)] += n.duration_ns
        return dict(busy)

    def peak_bytes(self) -> dict:
        peaks = {}
        for e in self.events:
            if e.kind == "memory":
                peaks[e.device] = max(peaks.get(e.device, 0), e.live_bytes)
        return peaks

    def summary(self, top: int = 5) -> str:
        """The step in words: per device its profile, busy time and peak memory; the
        transfers and the slowest ops, with why each took that long."""
        busy, peaks = self.busy_ns(), self.peak_bytes()
        ops = defaultdict(int)
        for n in self.nodes:
            if n.src_device is None:
                ops[n.device] += 1
        used = {n: p for n, p in self.devices.items() if ops.get(n) or peaks.get(n)}
        tasks = {name.rpartition("/device:")[0] for name in used}
        cluster = len(tasks) > 1
        lines = [
            f"virtual step {self.step_id}: {_ms(self.duration_ns)} on {len(used)} devices"
            + (f" of {len(tasks)} tasks, linked by {self.network.name}" if cluster else "")
        ]
        width = 18 if cluster else 8
        for name, profile in used.items():
            lines.append(
                f"  {_short(name, cluster):>{width}} {profile.key:>10}"
                f"  busy {_ms(busy.get(name, 0)):>10}"
                f"  {ops.get(name, 0):4d} ops  peak {_bytes(peaks.get(name, 0))}"
            )
        moves = [n for n in self.nodes if n.src_device is not None]
        if moves:
            total = sum(n.nbytes for n in moves)
            link_ns = sum(n.duration_ns for n in moves)
            lines.append(
                f"  {len(moves)} transfer{'s' * (len(moves) != 1)}, {_bytes(total)}, "
                f"{_ms(link_ns)} of link time:"
            )
            for n in sorted(moves, key=lambda n: (-n.duration_ns, n.start_ns))[:top]:
                lines.append(
                    f"    {n.name} {_short(n.src_device, cluster)} -> {_short(n.device, cluster)}:"
                    f" {_ms(n.duration_ns)} ({n.why()})"
                )
            lanes = self.lane_busy_ns()
            for lane in sorted(lane for lane in lanes if lane.endswith(" network")):
                sent = [n for n in moves if self.lane_names.get(n.thread_id) == lane]
                lines.append(
                    f"  {_short(lane[: -len(' network')] + '/device:', cluster)} network out: "
                    f"busy {_ms(lanes[lane])} of {_ms(self.duration_ns)}, "
                    f"{len(sent)} transfer{'s' * (len(sent) != 1)}, {_bytes(sum(n.nbytes for n in sent))}"
                )
        slow = sorted(
            (n for n in self.nodes if n.src_device is None),
            key=lambda n: (-n.duration_ns, n.start_ns),
        )[:top]
        if slow:
            lines.append("  slowest ops:")
            for n in slow:
                lines.append(
                    f"    {n.name} ({n.op_type}) on {_short(n.device, cluster)}: "
                    f"{_ms(n.duration_ns)} ({n.why()})"
                )
        return "\n".join(lines)


class VirtualTimeline(list):
    """The trace events of one or more steps in virtual time (a list: every view that
    draws events draws it), with the steps themselves in ``steps``."""

    def __init__(self, steps):
        super().__init__(e for s in steps for e in s.events)
        self.steps = list(steps)

    @property
    def duration_ns(self) -> int:
        """Virtual nanoseconds of its steps, run one after another."""
        return sum(s.duration_ns for s in self.steps)

    def to_step_stats(self, step: int = 0):
        """The ``StepStats`` of step number ``step`` (see `VirtualStep.to_step_stats`)."""
        return self.steps[step].to_step_stats()

    def to_run_metadata(self, step: int = 0):
        """A ``tf.RunMetadata`` holding that step's virtual ``StepStats`` (for
        ``teachflow.client.timeline.Timeline`` and other readers of RunMetadata)."""
        from teachflow.runtime.config import RunMetadata

        return RunMetadata(step_stats=self.to_step_stats(step))

    def summary(self, top: int = 5) -> str:
        return "\n".join(s.summary(top) for s in self.steps)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        return (
            f"<VirtualTimeline {len(self.steps)} step(s), {_ms(self.duration_ns)} virtual, "
            f"{len(self)} events>"
        )

    def _repr_pretty_(self, p, cycle):
        p.text(self.summary())


def _ms(ns) -> str:
    return f"{ns / 1e6:.3f} ms"


def _short(device: str, with_task: bool = False) -> str:
    """``"GPU:0"``, or ``"worker:1/GPU:0"`` when the step spans several tasks."""
    task, _, dev = device.rpartition("/device:")
    if not with_task:
        return dev or device
    job = task.partition("/job:")[2].partition("/")[0]
    index = task.rpartition("/task:")[2]
    return f"{job}:{index}/{dev}".rstrip("/") if job else (dev or device)


def _bytes(n) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
