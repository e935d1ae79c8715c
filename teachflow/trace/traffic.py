"""Network traffic per task: how many bytes crossed into and out of each task of a cluster.

Every tensor that crosses from one task to another is a ``_Send`` on the producing task and
a ``_Recv`` on the consuming one (teachflow/distributed/partitioner.py); the receive's
output is the tensor that arrived. Summing those, per receiving and per sending task, says
where the network is busy -- the chapter's *bandwidth saturation*: with N workers pushing
gradients to (and pulling parameters from) one ps task, that task's bytes grow with N;
sharding the variables over more ps tasks spreads them.

The numbers come from the event stream, the single source of truth, in either form:

* trace events (``OpEvent`` records of ``_Recv``/``_Send`` ops), e.g. collected with
  ``bus.subscribed(events.append)`` while in-process servers run;
* ``RunMetadata`` of runs made with ``RunOptions(trace_level=FULL_TRACE)``: a remote
  session's step stats hold the ops of every task the step touched.

    >>> from teachflow.trace.events import OpEvent
    >>> ps, w = "/job:ps/replica:0/task:0/device:CPU:0", "/job:worker/replica:0/task:0/device:CPU:0"
    >>> report = TrafficReport()
    >>> _ = report.add_events([
    ...     OpEvent(1, w, "grad/_send_0_ps_0", "_Send", 0, 1, 1, 0),
    ...     OpEvent(1, ps, "grad/_recv_0_ps_0", "_Recv", 1, 2, 1, 4000),
    ... ])
    >>> report.bytes_in("/job:ps/task:0"), report.bytes_out("/job:worker/task:0")
    (4000, 4000)
    >>> print(report.table())
    task                 bytes in   bytes out   tensors in   tensors out
    /job:ps/task:0          4,000           0            1             0
    /job:worker/task:0          0       4,000            0             1
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.framework.device_spec import DeviceSpec

__all__ = ["TaskTraffic", "TrafficReport", "task_of_device", "traffic_by_task"]

_UNKNOWN = "?"


def task_of_device(device: str) -> str:
    """``/job:ps/replica:0/task:1/device:CPU:0`` -> ``/job:ps/task:1`` (the task, short form).

    >>> task_of_device("/job:worker/replica:0/task:2/device:GPU:0")
    '/job:worker/task:2'
    """
    d = DeviceSpec.from_string(device)
    if d.job is None:
        return _UNKNOWN
    return f"/job:{d.job}/task:{d.task or 0}"


@dataclass
class TaskTraffic:
    """Bytes and tensors that one task received from and sent to other tasks."""

    task: str
    bytes_in: int = 0
    bytes_out: int = 0
    tensors_in: int = 0
    tensors_out: int = 0


def _sort_key(task):
    d = DeviceSpec.from_string(task) if task != _UNKNOWN else None
    return ("~", 0) if d is None else (d.job or "", d.task or 0)


class TrafficReport:
    """Cross-task traffic summed over any number of steps, per task and per link."""

    def __init__(self):
        self.tasks: dict[str, TaskTraffic] = {}
        self.links: dict[tuple[str, str], int] = {}  # (from task, to task) -> bytes
        self.steps = 0

    # -- adding what was seen ------------------------------------------------------------------
    def _task(self, name):
        t = self.tasks.get(name)
        if t is None:
            t = self.tasks[name] = TaskTraffic(name)
        return t

    def _add(self, src, dst, nbytes):
        if src == dst:
            return  # a copy between two devices of one task never touches the network
        if dst != _UNKNOWN:
            d = self._task(dst)
            d.bytes_in += nbytes
            d.tensors_in += 1
        if src != _UNKNOWN:
            s = self._task(src)
            s.bytes_out += nbytes
            s.tensors_out += 1
        self.links[(src, dst)] = self.links.get((src, dst), 0) + nbytes

    def _add_receives(self, receives, sends):
        """``receives``: [(key, recv node, dst device, bytes)]; ``sends``: {(key, send node): device}."""
        for key, node, dst_device, nbytes in receives:
            head, _, tail = node.rpartition("/_recv_")
            src_device = sends.get((key, f"{head}/_send_{tail}"))
            src = task_of_device(src_device) if src_device else _UNKNOWN
            self._add(src, task_of_device(dst_device), int(nbytes))

    def add_events(self, events) -> TrafficReport:
        """Add trace events (the ``_Recv``/``_Send`` op events of any number of steps)."""
        receives, sends, steps = [], {}, set()
        for e in events:
            if getattr(e, "kind", None) != "op":
                continue
            if e.op_type == "_Recv":
                receives.append((e.step_id, e.node, e.device, e.output_bytes))
                steps.add(e.step_id)
            elif e.op_type == "_Send":
                sends[(e.step_id, e.node)] = e.device
        self._add_receives(receives, sends)
        self.steps += len(steps)
        return self

    def add_run_metadata(self, run_metadata) -> TrafficReport:
        """Add one traced run (``RunOptions(trace_level=RunOptions.FULL_TRACE)``)."""
        stats = run_metadata.step_stats
        if stats is None or not stats.dev_stats:  # an untraced run's stats are empty
            raise ValueError(
                "This RunMetadata has no step stats: run with "
                "options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)"
            )
        receives, sends = [], {}
        for dev in stats.dev_stats:
            for ns in dev.node_stats:
                op_type, _, args = ns.timeline_label.partition(" = ")[2].partition("(")
                if op_type == "_Recv":
                    nbytes = ns.memory[0].total_bytes if ns.memory else 0
                    if args.startswith("from "):
                        # A copy between devices (TransferEvent): it names its source.
                        src = task_of_device(args[len("from ") :].rstrip(")"))
                        self._add(src, task_of_device(dev.device), int(nbytes))
                        continue
                    receives.append((0, ns.node_name, dev.device, nbytes))
                elif op_type == "_Send":
                    sends[(0, ns.node_name)] = dev.device
        self._add_receives(receives, sends)
        self.steps += 1
        return self

    def merge(self, other: TrafficReport) -> TrafficReport:
        """Add another report's counts to this one."""
        for t in other.tasks.values():
            mine = self._task(t.task)
            mine.bytes_in += t.bytes_in
            mine.bytes_out += t.bytes_out
            mine.tensors_in += t.tensors_in
            mine.tensors_out += t.tensors_out
        for link, n in other.links.items():
            self.links[link] = self.links.get(link, 0) + n
        self.steps += other.steps
        return self

    # -- reading it ------------------------------------------------------------------------------
    def bytes_in(self, task: str) -> int:
        t = self.tasks.get(task)
        return t.bytes_in if t else 0

    def bytes_out(self, task: str) -> int:
        t = self.tasks.get(task)
        return t.bytes_out if t else 0

    def rows(self) -> list[TaskTraffic]:
        """One `TaskTraffic` per task, ps tasks first, then by task index."""
        return [self.tasks[k] for k in sorted(self.tasks, key=_sort_key)]

    def table(self) -> str:
        """The rows as a fixed-width text table."""
        lines = [
            f"{'task':<20}{'bytes in':>9}{'bytes out':>12}{'tensors in':>13}{'tensors out':>14}"
        ]
        for t in self.rows():
            lines.append(
                f"{t.task:<20}{t.bytes_in:>9,}{t.bytes_out:>12,}{t.tensors_in:>13,}"
                f"{t.tensors_out:>14,}"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<TrafficReport {len(self.tasks)} tasks, {self.steps} steps>"


def traffic_by_task(source) -> TrafficReport:
    """A `TrafficReport` from trace events, one ``RunMetadata``, or a list of them."""
    report = TrafficReport()
    if hasattr(source, "step_stats"):
        return report.add_run_metadata(source)
    items = list(source)
    metadata = [m for m in items if hasattr(m, "step_stats")]
    for m in metadata:
        report.add_run_metadata(m)
    report.add_events([e for e in items if not hasattr(e, "step_stats")])
    return report
