"""What every task of a running cluster is doing: up or down, its devices, its state.

Each task is asked over gRPC, with the worker service's ``GetStatus`` (with
``include_resources``): the answer lists the task's devices and the variables and
queues held in its containers. A task that does not answer within the timeout is down.

    >>> import teachflow as tf
    >>> from teachflow.magics.cluster_status import cluster_status
    >>> from teachflow.magics.in_process import InProcessCluster
    >>> with InProcessCluster(ps=1, workers=1) as cluster, tf.Graph().as_default():
    ...     with tf.device("/job:ps/task:0"):
    ...         w = tf.Variable([1.0, 2.0], name="w")
    ...     with tf.Session(cluster.target("worker", 0)) as sess:
    ...         sess.run(w.initializer)
    ...     status = cluster_status(cluster)
    >>> [(t.task, t.state, [r.name for r in t.resources]) for t in status.tasks]
    [('/job:ps/replica:0/task:0', 'up', ['w']), ('/job:worker/replica:0/task:0', 'up', [])]

In a notebook the result draws itself as an HTML table; ``print(status)`` gives the
same table as text.
"""

from __future__ import annotations

import concurrent.futures
import html
from dataclasses import dataclass, field

from teachflow.distributed.cluster import ClusterSpec

__all__ = ["ClusterStatus", "HeldResource", "TaskStatus", "cluster_status"]

_UP = "#2ca02c"  # as the topology view draws a task that is up
_DOWN = "#000000"  # the palette's reserved error colour


@dataclass(frozen=True)
class HeldResource:
    """A variable or a queue in one of a task's containers (a ``ResourceInfo``)."""

    container: str
    name: str
    kind: str
    dtype: str
    shape: str
    device: str = ""
    initialized: bool = False
    bytes: int = 0
    size: int = 0
    capacity: int = -1
    closed: bool = False

    @property
    def is_variable(self) -> bool:
        return self.kind == "Variable"

    def describe(self) -> str:
        """``w float32 (2, 3) on CPU:0``, ``exp/q FIFOQueue 3/10 float32 (closed)``."""
        from teachflow.viz.step_records import short_device

        name = f"{self.container}/{self.name}" if self.container else self.name
        if self.is_variable:
            text = f"{name} {self.dtype} {self.shape}"
            if self.device:
                text += f" on {short_device(self.device)}"
            return text + ("" if self.initialized else " (uninitialized)")
        capacity = "∞" if self.capacity < 0 else str(self.capacity)
        text = f"{name} {self.kind} {self.size}/{capacity} {self.dtype}"
        return text + (" (closed)" if self.closed else "")


@dataclass
class TaskStatus:
    """One task: where it listens, whether it answered, its devices and what it holds."""

    task: str
    address: str
    state: str  # "up" or "down"
    detail: str = ""  # why a task is down (its process's exit, no answer, ...)
    devices: list = field(default_factory=list)  # full device names
    resources: list = field(default_factory=list)  # [HeldResource]
    sessions: int = 0  # open on its master (sessions idle too long are closed)
    running_steps: int = 0

    @property
    def activity(self) -> str:
        """``2 sessions, 1 step running`` (empty for a task with neither)."""
        parts = [_plural(self.sessions, "session")] if self.sessions else []
        if self.running_steps:
            parts.append(f"{_plural(self.running_steps, 'step')} running")
        return ", ".join(parts)

    @property
    def variables(self) -> list:
        return [r for r in self.resources if r.is_variable]

    @property
    def queues(self) -> list:
        return [r for r in self.resources if not r.is_variable]


class ClusterStatus:
    """The answers of every task; ``tasks`` in the cluster's order."""

    def __init__(self, tasks):
        self.tasks = list(tasks)

    def task(self, name: str) -> TaskStatus:
        """The status of one task, by its full name (``/job:ps/replica:0/task:0``)."""
        for t in self.tasks:
            if t.task == name:
                return t
        raise KeyError(f"No task {name!r} (tasks: {[t.task for t in self.tasks]})")

    def summary(self) -> str:
        up = sum(t.state == "up" for t in self.tasks)
        n_vars = sum(len(t.variables) for t in self.tasks)
        n_queues = sum(len(t.queues) for t in self.tasks)
        return (
            f"{_plural(len(self.tasks), 'task')}, {up} up; {_plural(n_vars, 'variable')} and "
            f"{_plural(n_queues, 'queue')} held"
        )

    def _rows(self):
        from teachflow.viz.step_records import short_device

        for t in self.tasks:
            state = t.state + (f" ({t.detail})" if t.detail else "")
            if t.activity:
                state += f"; {t.activity}"
            devices = ", ".join(short_device(d) for d in t.devices)
            yield (
                t,
                [
                    t.task,
                    t.address,
                    state,
                    devices,
                    [r.describe() for r in t.variables],
                    [r.describe() for r in t.queues],
                ],
            )

    def __repr__(self) -> str:
        header = ["task", "address", "state", "devices", "variables", "queues"]
        rows = [
            [cells[0], cells[1], cells[2], cells[3], "; ".join(cells[4]), "; ".join(cells[5])]
            for _, cells in self._rows()
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [self.summary()]
        for r in [header, *rows]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(
            f'<th style="text-align:left">{h}</th>'
            for h in ("task", "address", "state", "devices", "variables", "queues")
        )
        from teachflow.viz import palette
        from teachflow.viz.step_records import short_device

        # Each device in the colour every view of this session gives it.
        colors = palette.color_table(d for t in self.tasks for d in t.devices)
        body = []
        for t, cells in self._rows():
            color = _UP if t.state == "up" else _DOWN
            chips = ", ".join(
                f'<span data-device="{_esc(d)}" style="border-left:0.8em solid {colors[d]};'
                f'padding-left:0.3em">{_esc(short_device(d))}</span>'
                for d in t.devices
            )
            tds = [
                f"<td><code>{_esc(cells[0])}</code></td>",
                f"<td><code>{_esc(cells[1])}</code></td>",
                f'<td style="color:{color};font-weight:bold">{_esc(cells[2])}</td>',
                f"<td>{chips}</td>",
                f"<td>{'<br>'.join(_esc(v) for v in cells[4])}</td>",
                f"<td>{'<br>'.join(_esc(q) for q in cells[5])}</td>",
            ]
            body.append(f'<tr data-task="{_esc(t.task)}">{"".join(tds)}</tr>')
        return (
            f'<div class="teachflow-cluster-status"><p>{_esc(self.summary())}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )


def cluster_status(cluster, *, timeout: float = 2.0) -> ClusterStatus:
    """Ask every task of ``cluster`` for its devices and the resources it holds.

    ``cluster``: a running `LocalCluster` or `InProcessCluster` (whose ``status()`` also
    says when a task's process has exited), or a ``ClusterSpec`` or its dict.
    ``timeout``: seconds each task may take to answer; all are asked at once.

    Raises TypeError for anything else.
    """
    targets, processes = _targets_of(cluster)
    tasks = []
    for name, address in targets.items():
        process = processes.get(name, "running")
        if process != "running":
            tasks.append(TaskStatus(name, address, "down", process))
        else:
            tasks.append(TaskStatus(name, address, "up"))
    asked = [t for t in tasks if t.state == "up"]
    if asked:
        with concurrent.futures.ThreadPoolExecutor(min(16, len(asked))) as pool:
            list(pool.map(lambda t: _ask(t, timeout), asked))
    return ClusterStatus(tasks)


def _targets_of(cluster):
    """``({task name: "host:port"}, {task name: process state})``."""
    targets = getattr(cluster, "targets", None)
    if isinstance(targets, dict):
        status = cluster.status() if hasattr(cluster, "status") else {}
        return {n: t.removeprefix("grpc://") for n, t in targets.items()}, status
    try:
        spec = ClusterSpec(cluster)
    except (TypeError, ValueError) as e:
        raise TypeError(
            "cluster_status expects a LocalCluster, an InProcessCluster or a ClusterSpec "
            f"(or its dict); got {type(cluster).__name__}: {e}"
        ) from None
    names = {
        f"/job:{job}/replica:0/task:{i}": spec.task_address(job, i)
        for job in spec.jobs
        for i in spec.task_indices(job)
    }
    return names, {}


def _ask(task: TaskStatus, timeout: float) -> None:
    from teachflow.distributed.task_probe import worker_status

    answer = worker_status(task.address, timeout)
    if answer.response is None:
        task.state, task.detail = answer.state, answer.detail
        return
    res = answer.response
    task.devices = [d.name for d in res.device_attributes]
    task.sessions, task.running_steps = res.master_sessions, res.running_steps
    task.resources = [
        HeldResource(
            r.container,
            r.name,
            r.kind,
            r.dtype,
            r.shape,
            r.device,
            r.initialized,
            r.bytes,
            r.size,
            r.capacity,
            r.closed,
        )
        for r in res.resources
    ]


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def _plural(n, word) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
