"""What a traced step did, read back from ``RunMetadata`` or from the event stream.

The timeline and the memory chart draw the same things whichever record they are given:
ops (device, name, type, start, end), transfers between devices, and the bytes in use on
each device over time. This module reads either source into `StepTrace` records:

- ``RunMetadata`` / ``StepStats`` (TensorFlow's record): one `NodeExecStats` per node, its
  type read off ``timeline_label`` ("name = Type(inputs)"), a copy between devices labelled
  "tensor = _Recv(from /device...)";
- events (`teachflow.trace.events`): `OpEvent`, `TransferEvent`, `MemoryEvent`, `StepEvent`,
  grouped by ``step_id``; a list of ``RunMetadata`` gives one step each.

    >>> import teachflow as tf
    >>> from teachflow.viz.step_records import read_steps
    >>> opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    >>> md = tf.RunMetadata()
    >>> _ = tf.Session().run(tf.constant(2.0) * 3.0, options=opts, run_metadata=md)
    >>> [op.op_type for op in read_steps(md)[0].ops]
    ['Const', 'Const', 'Mul']

Across tasks, a tensor crosses as a ``_Send`` on the producing device and a ``_Recv`` on
the consuming one, named alike (".../_send_0_worker_1", ".../_recv_0_worker_1"); the pair
is read as one transfer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from teachflow.viz import step_numbers
from teachflow.viz.tensorflow_sources import run_metadata_of

__all__ = [
    "MemorySample",
    "OpSpan",
    "StepTrace",
    "TransferSpan",
    "match_device",
    "read_steps",
    "short_device",
    "task_of",
]

# Ops that move a tensor between devices: drawn as transfers, not computation.
TRANSFER_OPS = frozenset({"_Send", "_Recv", "_HostSend", "_HostRecv"})

_DEVICE = re.compile(
    r"^/job:(?P<job>[^/]+)/replica:(?P<replica>\d+)/task:(?P<task>\d+)"
    r"/device:(?P<type>[A-Za-z_]+):(?P<index>\d+)$"
)
_LABEL = re.compile(r"^(?P<name>.*?) = (?P<type>[^(]+)\((?P<args>.*)\)$")


@dataclass(frozen=True)
class OpSpan:
    """One op that ran: times are nanoseconds on the step's clock."""

    step_id: int
    device: str
    node: str
    op_type: str
    start_ns: int
    end_ns: int
    inputs: tuple = ()


@dataclass(frozen=True)
class TransferSpan:
    """A tensor copied from ``src_device`` to ``dst_device``; ``start_ns``..``end_ns`` is the
    copy (or the ``_Recv`` waiting for it) on the receiving device. ``send`` is the sending
    half of a cross-task pair, when it was recorded: the tensor left when it started."""

    step_id: int
    src_device: str
    dst_device: str
    tensor: str
    nbytes: int
    start_ns: int
    end_ns: int
    send: OpSpan | None = None


@dataclass(frozen=True)
class MemorySample:
    """Bytes in use on a device at a moment (``before``: just before this change)."""

    device: str
    time_ns: int
    live_bytes: int
    before: int | None = None


@dataclass
class StepTrace:
    """Everything one step did; ``start_ns``/``end_ns`` bound it (the step events when
    recorded, else its first and last records). ``error`` is the failed step's message."""

    step_id: int
    start_ns: int = 0
    end_ns: int = 0
    ops: list = field(default_factory=list)
    transfers: list = field(default_factory=list)
    memory: list = field(default_factory=list)
    peaks: dict = field(default_factory=dict)  # device -> peak bytes the allocator reported
    error: str = ""
    # What a person calls the step: 1, 2, ... in the session's order (`step_numbers`), or
    # the position in a list of RunMetadata, counted from 1.
    number: int = 0

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)

    @property
    def devices(self) -> set:
        names = {o.device for o in self.ops}
        for t in self.transfers:
            names.update((t.src_device, t.dst_device))
        names.update(m.device for m in self.memory)
        return names


# -- device names ---------------------------------------------------------------------------
def task_of(device: str) -> str:
    """``"/job:w/replica:0/task:1/device:GPU:0"`` -> ``"/job:w/replica:0/task:1"``."""
    m = _DEVICE.match(device)
    if m is None:
        return device.rpartition("/device:")[0] or device
    return f"/job:{m['job']}/replica:{m['replica']}/task:{m['task']}"


def short_device(device: str) -> str:
    """``"/job:w/replica:0/task:1/device:GPU:0"`` -> ``"GPU:0"``."""
    m = _DEVICE.match(device)
    if m is None:
        return device.rpartition("/device:")[2] or device
    return f"{m['type'].upper()}:{m['index']}"


def match_device(device: str, wanted: str) -> bool:
    """Whether ``device`` is the one ``wanted`` names: a full name, or a short form such as
    ``"/gpu:0"``, ``"GPU:0"`` or ``"/device:GPU:0"`` (any task)."""
    if wanted.startswith("/job:"):
        return device == wanted or device.startswith(wanted.rstrip("/") + "/")
    short = wanted.strip("/")
    if short.lower().startswith("device:"):
        short = short[len("device:") :]
    return short_device(device).lower() == short.lower()


# -- reading ----------------------------------------------------------------------------------
def read_steps(source, steps=None) -> list:
    """`StepTrace` per step of ``source``: a ``RunMetadata``, a ``StepStats``, a list of
    either (one step each, numbered 0, 1, ...), or an iterable of trace events. TensorFlow's
    forms are read too (see `teachflow.viz.tensorflow_sources`): its RunMetadata or StepStats
    messages, RunMetadata bytes, a Chrome trace (JSON text, dict, or a file path).

    ``steps``: the step ids to keep (an int or an iterable), None for all.
    Raises ValueError when there is nothing to read and TypeError for other sources.
    """
    # TensorFlow's own records (RunMetadata or StepStats messages, their bytes, a Chrome
    # trace) are read as teachflow's; teachflow's pass through unchanged.
    if isinstance(source, (list, tuple)):
        if source and not hasattr(source[0], "kind"):
            source = [run_metadata_of(x) for x in source]
    else:
        source = run_metadata_of(source)
    items = list(source) if isinstance(source, (list, tuple)) else None
    if items is None:
        if _step_stats_of(source) is not None:
            items = [source]
        else:
            try:
                items = list(source)
            except TypeError:
                raise TypeError(
                    "Expected a RunMetadata (from a run with trace_level=FULL_TRACE), a "
                    f"StepStats, a list of them, or a list of trace events; got {type(source)}"
                ) from None
    if not items:
        raise ValueError("Nothing to draw: no steps or events were given")
    if all(_step_stats_of(x) is not None for x in items):
        traces = [_from_step_stats(i, _step_stats_of(x)) for i, x in enumerate(items)]
        for t in traces:
            t.number = t.step_id + 1
    elif all(hasattr(x, "kind") for x in items):
        traces = _from_events(items)
    else:
        raise TypeError(
            "Expected RunMetadata/StepStats objects or trace events, not a mix: got "
            f"{sorted({type(x).__name__ for x in items})}"
        )
    if steps is not None:
        keep = {steps} if isinstance(steps, int) else set(steps)
        traces = [t for t in traces if t.step_id in keep]
        if not traces:
            raise ValueError(f"No step with id in {sorted(keep)}")
    for t in traces:
        _bound(t)
    return traces


def _step_stats_of(x):
    if hasattr(x, "dev_stats"):
        return x
    if hasattr(x, "step_stats") and not hasattr(x, "kind"):
        stats = x.step_stats
        if stats is None or not getattr(stats, "dev_stats", None):  # untraced: empty
            raise ValueError(
                "This RunMetadata has no step_stats: run with "
                "options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)"
            )
        return stats
    return None


def _from_step_stats(step_id, stats) -> StepTrace:
    trace = StepTrace(step_id)
    ops = []
    for dev in stats.dev_stats:
        for ns in dev.node_stats:
            start = ns.all_start_nanos or ns.all_start_micros * 1000
            end = start + (ns.all_end_rel_nanos or ns.all_end_rel_micros * 1000)
            m = _LABEL.match(ns.timeline_label or "")
            op_type = m["type"].strip() if m else ns.node_name
            args = m["args"] if m else ""
            nbytes = 0
            for mem in ns.memory:
                nbytes += mem.total_bytes
                trace.memory.append(MemorySample(dev.device, end, mem.live_bytes))
                peak = trace.peaks.get(dev.device, 0)
                trace.peaks[dev.device] = max(peak, mem.peak_bytes)
            if op_type == "_Recv" and args.startswith("from "):
                # A copy inside one process: "tensor = _Recv(from /job:.../device:GPU:0)".
                tensor = m["name"]
                trace.transfers.append(
                    TransferSpan(step_id, args[5:], dev.device, tensor, nbytes, start, end)
                )
                continue
            inputs = tuple(a for a in args.split(", ") if a)
            ops.append(OpSpan(step_id, dev.device, ns.node_name, op_type, start, end, inputs))
    trace.memory.sort(key=lambda s: s.time_ns)
    _pair_sends(trace, ops)
    return trace


def _from_events(events) -> list:
    traces = {}

    def trace_of(step_id):
        t = traces.get(step_id)
        if t is None:
            t = traces[step_id] = StepTrace(step_id)
            t._ops = []
            t._bounds = [None, None]
        return t

    for e in events:
        kind = e.kind
        if kind == "op":
            trace_of(e.step_id)._ops.append(
                OpSpan(e.step_id, e.device, e.node, e.op_type, e.start_ns, e.end_ns, e.inputs)
            )
        elif kind == "transfer":
            trace_of(e.step_id).transfers.append(
                TransferSpan(
                    e.step_id,
                    e.src_device,
                    e.dst_device,
                    e.tensor,
                    e.nbytes,
                    e.start_ns,
                    e.end_ns,
                )
            )
        elif kind == "memory":
            t = trace_of(e.step_id)
            t.memory.append(MemorySample(e.device, e.time_ns, e.live_bytes, e.live_bytes - e.delta))
            t.peaks[e.device] = max(t.peaks.get(e.device, 0), e.live_bytes)
        elif kind == "step":
            t = trace_of(e.step_id)
            t._bounds[0 if e.phase == "start" else 1] = e.time_ns
            if e.error:
                t.error = e.error
    out = []
    # Steps in the order they ran (a cluster's ids are random): by the session's numbers,
    # given in order of first appearance to steps no view has numbered yet.
    for step_id, t in traces.items():
        t.number = step_numbers.SESSION.number(step_id)
    for t in sorted(traces.values(), key=lambda t: t.number):
        t.memory.sort(key=lambda s: s.time_ns)
        _pair_sends(t, t._ops)
        t.start_ns, t.end_ns = (b or 0 for b in t._bounds)
        del t._ops, t._bounds
        out.append(t)
    return out


def _pair_sends(trace, ops) -> None:
    """Read each cross-task ``_Send``/``_Recv`` pair as one transfer (see module doc). A
    half whose partner was not recorded (another task's events) stays on its own device."""
    sends = {_pair_key(o.node): o for o in ops if o.op_type in ("_Send", "_HostSend")}
    paired = set()
    for o in ops:
        if o.op_type not in TRANSFER_OPS:
            trace.ops.append(o)
        elif o.op_type in ("_Recv", "_HostRecv"):
            send = sends.get(_pair_key(o.node))
            if send is not None:
                paired.add(send.node)
            src = send.device if send is not None else o.device
            tensor = o.node.rsplit("/_recv_", 1)[0]
            trace.transfers.append(
                TransferSpan(o.step_id, src, o.device, tensor, 0, o.start_ns, o.end_ns, send)
            )
    for o in sends.values():
        if o.node not in paired:
            tensor = o.node.rsplit("/_send_", 1)[0]
            trace.transfers.append(
                TransferSpan(o.step_id, o.device, o.device, tensor, 0, o.start_ns, o.end_ns)
            )


def _pair_key(node: str) -> str:
    return node.replace("/_send_", "/_pair_").replace("/_recv_", "/_pair_")


def _bound(trace) -> None:
    times = [o.start_ns for o in trace.ops] + [o.end_ns for o in trace.ops]
    times += [t.start_ns for t in trace.transfers] + [t.end_ns for t in trace.transfers]
    times += [t.send.start_ns for t in trace.transfers if t.send is not None]
    times += [m.time_ns for m in trace.memory]
    if trace.start_ns == 0 and times:
        trace.start_ns = min(times)
    if times:
        trace.end_ns = max(trace.end_ns, max(times))
    trace.end_ns = max(trace.end_ns, trace.start_ns)
