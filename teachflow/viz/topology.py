"""The cluster as the chapter draws it: machines, the tasks on them by job, their devices.

A `ClusterSpec` names tasks and their addresses; the machines are the hosts of those
addresses, so two tasks on "machine-a:2221" and "machine-a:2222" are two processes on one
machine. Given a running cluster (a `LocalCluster`, a `tf.train.Server` or a list of them)
the view also asks every task whether it is up (gRPC's standard health check, 1 s) and
which devices it has (the worker service's GetStatus).

    >>> from teachflow.viz import show_cluster
    >>> view = show_cluster({"ps": ["machine-a:2221"],
    ...                      "worker": ["machine-a:2222", "machine-b:2222"]})
    >>> sorted(view.machines)
    ['machine-a', 'machine-b']
    >>> print(view)  # doctest: +NORMALIZE_WHITESPACE
    Cluster: 2 machines, 3 tasks (ps: 1, worker: 2)
    machine-a
      job ps
        /job:ps/replica:0/task:0  machine-a:2221
      job worker
        /job:worker/replica:0/task:0  machine-a:2222
    machine-b
      job worker
        /job:worker/replica:0/task:1  machine-b:2222

In a notebook the view draws itself (``_repr_html_``/``_repr_svg_``); ``view.svg()`` is the
drawing as a standalone SVG document, written without matplotlib.
"""

from __future__ import annotations

import concurrent.futures
import html
import math
from dataclasses import dataclass, field

from teachflow.viz import palette
from teachflow.viz.memory_plot import format_bytes
from teachflow.viz.step_records import short_device

__all__ = ["ClusterView", "TaskView", "show_cluster"]

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}
_UP_COLOR = "#2ca02c"
# SVG geometry (pixels).
_MARGIN, _PAD, _GAP = 12, 10, 18
_TITLE_H, _MACHINE_HEAD, _JOB_HEAD = 26, 26, 18
_TASK_W, _TASK_HEAD, _TASK_GAP = 260, 40, 8
_CHIP_W, _CHIP_H, _CHIPS_PER_ROW = 76, 18, 3


@dataclass
class TaskView:
    """One task: its job and index, address, host, live status and devices."""

    job: str
    index: int
    address: str
    status: str | None = None  # "up", "down", or None when not asked
    detail: str = ""  # why a task is down
    devices: list = field(default_factory=list)  # [DeviceAttributes]
    machine: str = ""  # the host, when the address does not say it

    @property
    def name(self) -> str:
        return f"/job:{self.job}/replica:0/task:{self.index}"

    @property
    def host(self) -> str:
        if self.machine:
            return self.machine
        host = self.address.rpartition(":")[0] if ":" in self.address else self.address
        if not host:
            return "unknown host"
        return "localhost" if host in _LOOPBACK else host


class ClusterView:
    """A drawing of a cluster; ``tasks`` in the spec's order, ``machines`` host -> tasks."""

    def __init__(self, tasks):
        self.tasks = list(tasks)
        self.machines = {}
        for t in self.tasks:
            self.machines.setdefault(t.host, []).append(t)

    @property
    def live(self) -> bool:
        return any(t.status is not None for t in self.tasks)

    def summary(self) -> str:
        jobs = {}
        for t in self.tasks:
            jobs[t.job] = jobs.get(t.job, 0) + 1
        counts = ", ".join(f"{j}: {n}" for j, n in jobs.items())
        text = f"Cluster: {_plural(len(self.machines), 'machine')}, "
        text += f"{_plural(len(self.tasks), 'task')} ({counts})"
        if self.live:
            up = sum(t.status == "up" for t in self.tasks)
            text += f", {up} up"
        return text

    # -- text ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [self.summary()]
        for host, tasks in self.machines.items():
            lines.append(host)
            for job, members in _by_job(tasks).items():
                lines.append(f"  job {job}")
                for t in members:
                    status = f"  {t.status}" if t.status else ""
                    detail = f" ({t.detail})" if t.detail else ""
                    lines.append(f"    {t.name}  {t.address}{status}{detail}")
                    if t.devices:
                        lines.append("      " + "  ".join(_device_text(d) for d in t.devices))
        return "\n".join(lines)

    # -- drawing ---------------------------------------------------------------------------
    def svg(self) -> str:
        """The drawing as an SVG document: a box per machine, tasks inside grouped by job,
        each task's devices as coloured chips (the graph view's device colours)."""
        colors = palette.color_table(d.name for t in self.tasks for d in t.devices)
        boxes, x, height = [], _MARGIN, 0
        for host, tasks in self.machines.items():
            body, h = _machine_svg(host, tasks, x, _MARGIN + _TITLE_H, colors)
            boxes.append(body)
            x += _TASK_W + 2 * _PAD + _GAP
            height = max(height, h)
        # Room for the title too (about 7.5 px per character at 13 px).
        width = max(x - _GAP + _MARGIN, int(len(self.summary()) * 7.5) + 2 * _MARGIN)
        total_h = _MARGIN + _TITLE_H + height + _MARGIN
        title = _text(_MARGIN, _MARGIN + 15, self.summary(), size=13, weight="bold")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
            f'viewBox="0 0 {width} {total_h}" font-family="Helvetica, Arial, sans-serif">'
            f'<rect width="{width}" height="{total_h}" fill="{palette.IDLE}"/>'
            f"{title}{''.join(boxes)}</svg>"
        )

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return f'<div class="teachflow-cluster">{self.svg()}</div>'


def show_cluster(spec_or_cluster, *, live=None, timeout=1.0) -> ClusterView:
    """A `ClusterView` of a cluster.

    ``spec_or_cluster``: a ``tf.train.ClusterSpec`` or its dict, a running `LocalCluster`,
    a ``tf.train.Server`` or a list of servers, or a ``tf.Session`` (its devices).
    ``live``: ask each task whether it is up and for its devices; by default only for a
    running cluster. ``timeout``: seconds each question may take.

        >>> import teachflow as tf
        >>> from teachflow.viz import show_cluster
        >>> server = tf.train.Server.create_local_server()
        >>> show_cluster(server).tasks[0].status
        'up'
        >>> server.stop()

    Raises TypeError for anything else.
    """
    tasks, known, running = _tasks_of(spec_or_cluster)
    for t in tasks:
        t.devices = known.get(t.name, t.devices)
    if live if live is not None else running:
        _ask_tasks(tasks, timeout)
    for t in tasks:
        t.devices = sorted(t.devices, key=lambda d: palette.device_sort_key(d.name))
    return ClusterView(tasks)


# -- reading the argument -------------------------------------------------------------------
def _tasks_of(x):
    """``(tasks, {task name: devices}, running)`` for any accepted argument."""
    from teachflow.distributed.cluster import ClusterSpec

    if isinstance(x, (list, tuple)) and x and all(_is_server(s) for s in x):
        spec = x[0].cluster.as_dict()
        known = {}
        for s in x:
            job, index = _job_task(s.task_name)
            tasks = spec.setdefault(job, {})
            if isinstance(tasks, list):
                tasks = spec[job] = dict(enumerate(tasks))
            tasks[index] = s.target.removeprefix("grpc://")
            known[s.task_name] = [d.attributes() for d in s.devices]
        return _spec_tasks(ClusterSpec(spec)), known, True
    if _is_server(x):
        return _spec_tasks(x.cluster), {x.task_name: [d.attributes() for d in x.devices]}, True
    if hasattr(x, "targets") and hasattr(x, "spec"):  # a LocalCluster
        return _spec_tasks(x.spec), {}, True
    if hasattr(x, "list_devices") and hasattr(x, "sess_str"):
        return _session_tasks(x), {}, False
    try:
        return _spec_tasks(ClusterSpec(x)), {}, False
    except (TypeError, ValueError) as e:
        raise TypeError(
            "show_cluster expects a ClusterSpec (or its dict), a LocalCluster, a "
            f"tf.train.Server (or a list of them) or a Session; got {type(x).__name__}: {e}"
        ) from None


def _is_server(x) -> bool:
    return hasattr(x, "cluster") and hasattr(x, "target") and hasattr(x, "task_name")


def _job_task(task_name):
    parts = dict(p.split(":", 1) for p in task_name.strip("/").split("/") if ":" in p)
    return parts["job"], int(parts["task"])


def _spec_tasks(spec):
    return [
        TaskView(job, i, spec.task_address(job, i))
        for job in spec.jobs
        for i in spec.task_indices(job)
    ]


def _session_tasks(session):
    """A session knows its devices, and the address of its master only."""
    target = session.sess_str
    devices = session.list_devices()
    by_task = {}
    for d in devices:
        task = d.name.rpartition("/device:")[0]
        by_task.setdefault(task, []).append(d)
    tasks = []
    for name, devs in by_task.items():
        job, index = _job_task(name)
        t = TaskView(job, index, "", devices=devs)
        if not target:
            t.address, t.machine = "in this process", "this machine"
        tasks.append(t)
    if target:
        master = target.removeprefix("grpc://")
        # The session's own task is the one whose master it talks to; a remote session
        # reports its master's devices first (ListDevices: local, then remote).
        if tasks:
            tasks[0].address = master
        for t in tasks:
            t.status = "up"
    return tasks


# -- asking the running tasks ---------------------------------------------------------------
def _ask_tasks(tasks, timeout) -> None:
    """Health and devices of every task at once, so down tasks cost one timeout in all."""
    asked = [t for t in tasks if t.address and ":" in t.address]
    if not asked:
        return
    with concurrent.futures.ThreadPoolExecutor(min(16, len(asked))) as pool:
        for t, (status, detail, devices) in zip(asked, pool.map(lambda t: _ask(t, timeout), asked)):
            t.status, t.detail = status, detail
            if devices and not t.devices:
                t.devices = devices


def _ask(task, timeout):
    from teachflow.distributed.task_probe import probe_task

    probe = probe_task(task.name, task.address, timeout)
    return probe.state, probe.detail, probe.devices


# -- SVG pieces -------------------------------------------------------------------------------
def _machine_svg(host, tasks, x, y, colors):
    parts, inner_y = [], y + _MACHINE_HEAD
    for job, members in _by_job(tasks).items():
        parts.append(_text(x + _PAD, inner_y + 13, f"job:{job}", size=11, color="#555555"))
        inner_y += _JOB_HEAD
        for t in members:
            body, h = _task_svg(t, x + _PAD, inner_y, colors)
            parts.append(body)
            inner_y += h + _TASK_GAP
    height = inner_y - y + _PAD - _TASK_GAP
    w = _TASK_W + 2 * _PAD
    box = (
        f'<g class="machine" data-host="{_esc(host)}">'
        f'<rect x="{x}" y="{y}" width="{w}" height="{height}" rx="8" fill="#f4f4f4" '
        f'stroke="#888888" stroke-width="1.2"/>'
        + _text(x + _PAD, y + 18, host, size=12, weight="bold")
        + "".join(parts)
        + "</g>"
    )
    return box, height


def _task_svg(task, x, y, colors):
    rows = math.ceil(len(task.devices) / _CHIPS_PER_ROW)
    h = _TASK_HEAD + rows * (_CHIP_H + 4) + (4 if rows else 0)
    tip = task.name + (f" — {task.detail}" if task.detail else "")
    box = palette.BOX_STYLES["task"]  # drawn as the graph view draws a task
    out = [
        f'<g class="task" data-task="{_esc(task.name)}" data-status="{_esc(task.status or "")}">',
        f"<title>{_esc(tip)}</title>",
        f'<rect x="{x}" y="{y}" width="{_TASK_W}" height="{h}" rx="5" fill="{box["fill"]}" '
        f'stroke="{box["stroke"]}" stroke-dasharray="{box["dash"]}" stroke-width="1.2"/>',
        _text(x + 8, y + 16, task.name.replace("/replica:0", ""), size=11, weight="bold"),
        _text(x + 8, y + 32, task.address or "address unknown", size=10, color="#444444"),
    ]
    if task.status is not None:
        color = _UP_COLOR if task.status == "up" else palette.ERROR
        cx = x + _TASK_W - 44
        out.append(f'<circle cx="{cx}" cy="{y + 12}" r="5" fill="{color}"/>')
        out.append(_text(cx + 9, y + 16, task.status, size=10, color=color))
    for i, d in enumerate(task.devices):
        cx = x + 8 + (i % _CHIPS_PER_ROW) * (_CHIP_W + 6)
        cy = y + _TASK_HEAD + (i // _CHIPS_PER_ROW) * (_CHIP_H + 4)
        fill = colors.get(d.name, palette.UNPLACED)
        out.append(
            f'<g class="device" data-device="{_esc(d.name)}"><title>{_esc(_device_tip(d))}</title>'
            f'<rect x="{cx}" y="{cy}" width="{_CHIP_W}" height="{_CHIP_H}" rx="3" fill="{fill}"/>'
            + _text(
                cx + _CHIP_W / 2,
                cy + 13,
                short_device(d.name),
                size=10,
                color=palette.text_color(fill),
                anchor="middle",
            )
            + "</g>"
        )
    out.append("</g>")
    return "".join(out), h


def _text(x, y, s, *, size=11, color="#222222", weight="normal", anchor="start"):
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" fill="{color}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{_esc(s)}</text>'
    )


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def _by_job(tasks) -> dict:
    jobs = {}
    for t in tasks:
        jobs.setdefault(t.job, []).append(t)
    return jobs


def _device_text(d) -> str:
    limit = getattr(d, "memory_limit_bytes", 0)
    return short_device(d.name) + (
        f" ({format_bytes(limit)})" if d.device_type == "GPU" and limit else ""
    )


def _device_tip(d) -> str:
    tip = f"{d.name} ({d.device_type})"
    if getattr(d, "memory_limit_bytes", 0):
        tip += f", memory limit {format_bytes(d.memory_limit_bytes)}"
    if getattr(d, "physical_device_desc", ""):
        tip += f"\n{d.physical_device_desc}"
    return tip


def _plural(n, word) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
