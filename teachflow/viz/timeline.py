"""The timeline: what ran on which device, when, and what crossed between devices.

One row per device, the rows of a task together under the task's name. Ops that ran at
the same time on one device (the inter-op thread pool, a GPU's stream beside the host)
are packed into lanes of the row (`teachflow.viz.lanes`). Ops are coloured by op family
(matrix, nn, math, ...: `teachflow.viz.palette`), as the graph view colours them; tensors
moving between devices are drawn in the reserved transfer red, with an arrow from the
sending row to the receiving one. A ``_Recv`` waiting for a tensor from another task is
drawn hatched and white inside (idle): the device had nothing else to do. Given the graph,
each control dependency is a dashed arrow from the end of the controlling op to the start
of the op that waited for it. Several steps are drawn side by side, each on its own time
axis (milliseconds since that step started).

    >>> import teachflow as tf
    >>> from teachflow.viz import plot_timeline
    >>> opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    >>> md = tf.RunMetadata()
    >>> _ = tf.Session().run(tf.constant(2.0) * 3.0, options=opts, run_metadata=md)
    >>> fig = plot_timeline(md)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['CPU:0']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from teachflow.viz import palette
from teachflow.viz.axis_units import time_unit
from teachflow.viz.lanes import lane_count, pack_lanes
from teachflow.viz.step_records import read_steps, short_device, task_of

__all__ = ["op_color", "plot_timeline", "step_layout", "time_axis_label"]

# Layout, in lane heights: a bar fills most of its lane; each task has a header band.
_BAR_HEIGHT = 0.8
_ROW_GAP = 0.4
_TASK_HEADER = 0.9
# Steps side by side are separated by this fraction of the longest step.
_STEP_GAP = 0.06
# Ops shorter than this fraction of the drawn time span are drawn this wide to stay
# visible. Lanes are packed by the true times: lanes show what really ran at once.
_MIN_WIDTH = 0.002
# The legend names this many op types per family, the busiest first.
_LEGEND_TYPES = 4


@dataclass(eq=False)
class _Bar:
    row: str  # device
    x0: float  # ms on the drawing's axis
    x1: float
    op_type: str
    node: str
    step_id: int
    transfer: bool = False
    waiting: bool = False  # a _Recv waiting for another task's tensor
    lane: int = 0

    def y(self, rows, edge=0.5):
        """The bar's height on the axis: its top edge (0), middle (0.5), bottom (1)."""
        pad = (1 - _BAR_HEIGHT) / 2
        return rows.top[self.row] + self.lane + pad + edge * _BAR_HEIGHT


@dataclass
class _Arrow:
    src: str
    x0: float
    dst: str
    x1: float
    send: _Bar | None  # the bar it leaves from, if drawn
    recv: _Bar  # the bar it arrives at


class _Rows:
    """Where each device row sits: its top and its number of lanes."""

    def __init__(self):
        self.top, self.lanes, self.tasks = {}, {}, {}  # tasks: task -> (top, bottom)
        self.height = 0.0

    def mid(self, row):
        return self.top[row] + self.lanes[row] / 2


def op_color(op_type: str) -> str:
    """An op's colour: its family's, as the graph view colours nodes by op."""
    return palette.OP_FAMILY_COLORS[palette.op_family(op_type)]


def plot_timeline(run_metadata_or_events, *, steps=None, ax=None, graph=None):
    """A matplotlib ``Figure`` of the traced run(s) in ``run_metadata_or_events``.

    ``run_metadata_or_events``: a ``tf.RunMetadata`` from a run with
    ``tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)``, a list of them (one step
    each), or events collected from ``teachflow.trace.events.bus`` (grouped by step id).
    ``steps``: the step ids to draw (an int or a list; with RunMetadata, their positions
    0, 1, ...); ``ax``: draw into this Axes; ``graph``: the ``tf.Graph`` that ran, to draw
    its control dependencies.

        >>> import teachflow as tf
        >>> from teachflow.trace.events import bus
        >>> from teachflow.viz import plot_timeline
        >>> x = tf.constant(1.0) + 1.0
        >>> events = []
        >>> with tf.Session() as sess, bus.subscribed(events.append):
        ...     _ = [sess.run(x) for _ in range(2)]
        >>> fig = plot_timeline(events)  # two steps, side by side

    Raises ValueError when there is nothing to draw, TypeError for other inputs.
    """
    import matplotlib.pyplot as plt

    traces = read_steps(run_metadata_or_events, steps)
    offsets, ticks = step_layout(traces)
    span_ms = max(offsets[-1] + traces[-1].duration_ns / 1e6, 1e-6)
    min_w = span_ms * _MIN_WIDTH
    bars, arrows = _bars(traces, offsets)
    if not bars:
        raise ValueError("Nothing to draw: the trace has no ops")
    rows = _stack_rows(bars)

    if ax is None:
        fig, ax = plt.subplots(figsize=(11, max(2.6, 0.36 * rows.height + 1.8)))
    else:
        fig = ax.figure
    ax.set_facecolor(palette.IDLE)
    _draw_bars(ax, bars, rows, min_w, span_ms)
    for a in arrows:
        _draw_arrow(ax, a, rows, min_w)
    has_control = graph is not None and _draw_control_edges(ax, graph, bars, rows)

    names = sorted(rows.top, key=palette.device_sort_key)
    ax.set_yticks([rows.mid(r) for r in names])
    ax.set_yticklabels([short_device(r) for r in names])
    _draw_device_swatches(ax, names, rows)
    ax.set_ylim(rows.height + 0.2, -0.1)
    ax.set_xlim(-span_ms * 0.01, span_ms * 1.01)
    ax.set_xticks([p for p, _ in ticks])
    ax.set_xticklabels([label for _, label in ticks], fontsize=8)
    _draw_tasks(ax, rows)
    _draw_steps(ax, traces, offsets)
    ax.set_xlabel(time_axis_label(traces))
    n_ops = sum(len(t.ops) for t in traces)
    n_moves = sum(len(t.transfers) for t in traces)
    ax.set_title(
        f"{n_ops} op{'s' * (n_ops != 1)}, {n_moves} transfer{'s' * (n_moves != 1)} on "
        f"{len(names)} device{'s' * (len(names) != 1)}"
        + (f", {len(traces)} steps" if len(traces) > 1 else ""),
        pad=16 if len(traces) > 1 else 6,
    )
    ax.legend(
        handles=_legend(bars, n_moves, has_control),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def step_layout(traces):
    """Where each step starts on a drawing's time axis (ms), and the ticks to label it:
    ``(offsets, [(position, label), ...])``; each step's labels count from its own start,
    in the one unit `time_axis_label` names (us for steps under a millisecond, ...)."""
    from matplotlib.ticker import MaxNLocator

    longest = max((t.duration_ns for t in traces), default=0) / 1e6
    per_ms = 1e6 / time_unit(longest * 1e6)[1]  # labels' units in a millisecond
    gap = longest * _STEP_GAP if len(traces) > 1 else 0.0
    offsets, ticks, x = [], [], 0.0
    for t in traces:
        offsets.append(x)
        dur = t.duration_ns / 1e6
        # Tick density follows each step's share of the axis.
        nbins = max(2, round(8 * dur / max(longest, 1e-12) / len(traces)) + 1)
        for v in MaxNLocator(nbins=nbins).tick_values(0, max(dur * per_ms, 1e-9)):
            if -1e-12 <= v <= dur * per_ms * (1 + 1e-9):
                ticks.append((x + v / per_ms, f"{v:g}"))
        x += dur + gap
    return offsets, ticks


def time_axis_label(traces) -> str:
    """The time axis' title, naming the unit `step_layout` labels it in."""
    longest_ns = max((t.duration_ns for t in traces), default=0)
    return f"time since the step started ({time_unit(longest_ns)[0]})"


# -- from steps to bars --------------------------------------------------------------------
def _bars(traces, offsets):
    bars, arrows = [], []
    for trace, off in zip(traces, offsets):
        step = trace.step_id

        def x(t_ns, trace=trace, off=off):
            return off + (t_ns - trace.start_ns) / 1e6

        for o in trace.ops:
            bars.append(_Bar(o.device, x(o.start_ns), x(o.end_ns), o.op_type, o.node, step))
        for t in trace.transfers:
            # A copy inside a process is the transfer itself; a cross-task _Recv mostly
            # waits for its tensor, which left when the _Send started.
            recv = _Bar(t.dst_device, x(t.start_ns), x(t.end_ns), "transfer", t.tensor, step, True)
            recv.waiting = t.send is not None
            bars.append(recv)
            send = None
            if t.send is not None:
                send = _Bar(
                    t.src_device,
                    x(t.send.start_ns),
                    x(t.send.end_ns),
                    "transfer",
                    t.send.node,
                    step,
                    True,
                )
                bars.append(send)
            if t.src_device != t.dst_device:
                left = send.x0 if send is not None else recv.x0
                arrows.append(_Arrow(t.src_device, left, t.dst_device, recv.x1, send, recv))
    # A device that only sent a local copy still gets its row.
    seen = {b.row for b in bars}
    for a in arrows:
        if a.src not in seen:
            seen.add(a.src)
            bars.append(_Bar(a.src, a.x0, a.x0, "transfer", "", a.recv.step_id, True))
    return bars, arrows


def _stack_rows(bars) -> _Rows:
    """Pack each device's bars into lanes and stack the devices, task by task."""
    by_row = defaultdict(list)
    for b in bars:
        by_row[b.row].append(b)
    rows = _Rows()
    y, task = 0.0, None
    for r in sorted(by_row, key=palette.device_sort_key):
        if task_of(r) != task:
            if task is not None:
                rows.tasks[task] = (rows.tasks[task][0], y)
            task = task_of(r)
            rows.tasks[task] = (y, None)
            y += _TASK_HEADER
        elif y:
            y += _ROW_GAP
        lanes = pack_lanes([(b.x0, b.x1) for b in by_row[r]])
        for b, lane in zip(by_row[r], lanes):
            b.lane = lane
        rows.top[r], rows.lanes[r] = y, lane_count(lanes)
        y += rows.lanes[r]
    rows.tasks[task] = (rows.tasks[task][0], y)
    rows.height = y
    return rows


# -- drawing ---------------------------------------------------------------------------------
def _bar_color(bar) -> str:
    return palette.TRANSFER if bar.transfer else op_color(bar.op_type)


def _draw_bars(ax, bars, rows, min_w, span_ms):
    """One collection per (row, lane, kind): thousands of ops draw quickly."""
    groups = defaultdict(list)
    for b in bars:
        if b.node:
            kind = "waits" if b.waiting else "transfers" if b.transfer else "ops"
            groups[(b.row, b.lane, kind)].append(b)
    for (_, _, kind), group in groups.items():
        waiting = kind == "waits"
        coll = ax.broken_barh(
            [(b.x0, max(b.x1 - b.x0, min_w)) for b in group],
            (group[0].y(rows, 0.0), _BAR_HEIGHT),
            facecolors=palette.IDLE if waiting else [_bar_color(b) for b in group],
            edgecolors=palette.TRANSFER if waiting else palette.IDLE,
            linewidths=0.8 if waiting else 0.3,
            hatch="////" if waiting else None,
        )
        coll.set_gid(kind)
        for b in group:
            _label_bar(ax, b, rows, span_ms)


def _label_bar(ax, bar, rows, span_ms):
    """Write the node's name in a bar wide enough to hold some of it."""
    width = bar.x1 - bar.x0
    chars = int(width / span_ms * 140)
    if chars < 4:
        return
    name = bar.node if len(bar.node) <= chars else bar.node[: chars - 1] + "…"
    fill = palette.IDLE if bar.waiting else _bar_color(bar)
    ax.text(
        bar.x0 + width / 2,
        bar.y(rows),
        name,
        ha="center",
        va="center",
        fontsize=6.5,
        color=palette.text_color(fill),
        clip_on=True,
        bbox={"facecolor": palette.IDLE, "edgecolor": "none", "pad": 0.5} if bar.waiting else None,
    )


def _draw_arrow(ax, a, rows, min_w):
    """From the edge of the sending bar (or row) to the edge of the receiving bar that
    faces it, so the red arrow never disappears into a red bar."""
    down = rows.top[a.dst] > rows.top[a.src]
    if a.send is not None:
        y0 = a.send.y(rows, 1.0 if down else 0.0)
    else:
        y0 = rows.top[a.src] + (rows.lanes[a.src] - 0.1 if down else 0.1)
    y1 = a.recv.y(rows, 0.0 if down else 1.0)
    ann = ax.annotate(
        "",
        xy=(max(a.x1, a.recv.x0 + min_w), y1),
        xytext=(a.x0, y0),
        arrowprops={
            "arrowstyle": "-|>",
            "color": palette.TRANSFER,
            "lw": 1.2,
            "mutation_scale": 10,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    ann.set_gid("transfer-arrow")


def _draw_control_edges(ax, graph, bars, rows) -> bool:
    """Dashed arrows: controlling op's end -> dependent op's start, within each step."""
    where = defaultdict(dict)  # node -> {step: bar}
    for b in bars:
        if not b.transfer:
            where[b.node][b.step_id] = b
    drawn = False
    for op in graph.get_operations():
        deps = where.get(op.name)
        if not deps:
            continue
        for c in op.control_inputs:
            for step_id, dep in deps.items():
                ctl = where.get(c.name, {}).get(step_id)
                if ctl is None:
                    continue
                ann = ax.annotate(
                    "",
                    xy=(dep.x0, dep.y(rows)),
                    xytext=(ctl.x1, ctl.y(rows)),
                    arrowprops={
                        "arrowstyle": "->",
                        "color": palette.CONTROL,
                        "lw": 1.0,
                        "linestyle": "--",
                        "connectionstyle": "arc3,rad=0.2",
                    },
                )
                ann.set_gid("control-edge")
                drawn = True
    return drawn


def _draw_tasks(ax, rows):
    """Each task's name in a header band above its rows, and a rule between tasks."""
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for i, (task, (top, _)) in enumerate(rows.tasks.items()):
        ax.text(
            0.003,
            top + _TASK_HEADER * 0.55,
            task.replace("/replica:0", ""),
            transform=trans,
            ha="left",
            va="center",
            fontsize=8,
            fontweight="bold",
            color=palette.TEXT,
        ).set_gid("task-label")
        if i:
            ax.axhline(top, color="#bbbbbb", lw=0.8)


def _draw_steps(ax, traces, offsets):
    """A dotted line between steps, and each step's id above the axes."""
    if len(traces) < 2:
        return
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    gap = offsets[1] - traces[0].duration_ns / 1e6
    for trace, off in zip(traces, offsets):
        if off > 0:
            ax.axvline(off - gap / 2, color="#999999", lw=1, ls=":").set_gid("step-separator")
        ax.text(
            off,
            1.01,
            f"step {trace.number}" + (" (failed)" if trace.error else ""),
            transform=trans,
            fontsize=8,
            va="bottom",
            color=palette.ERROR if trace.error else palette.TEXT,
            fontweight="bold" if trace.error else "normal",
        )


def _draw_device_swatches(ax, names, rows) -> None:
    """A strip in each lane's device colour at the axis' left edge: the colour the graph,
    the placement table and the cluster view give that device (`palette.SESSION`)."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import blended_transform_factory

    colors = palette.color_table(names)
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for name in names:
        strip = Rectangle(
            (-0.008, rows.top[name]),
            0.006,
            rows.lanes[name],
            transform=trans,
            facecolor=colors[name],
            edgecolor="none",
            clip_on=False,
        )
        strip.set_gid(f"device-swatch:{name}")
        ax.add_patch(strip)


def _legend(bars, n_moves, has_control) -> list:
    """One entry per op family drawn, naming its op types, the busiest family first."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    busy = defaultdict(float)
    for b in bars:
        if not b.transfer:
            busy[b.op_type] += b.x1 - b.x0
    families = defaultdict(list)
    for t in sorted(busy, key=lambda t: -busy[t]):
        families[palette.op_family(t)].append(t)
    handles = []
    for f in sorted(families, key=lambda f: -sum(busy[t] for t in families[f])):
        names = families[f][:_LEGEND_TYPES]
        more = len(families[f]) - len(names)
        label = f"{f}: {', '.join(names)}" + (f" +{more}" if more else "")
        handles.append(Patch(facecolor=palette.OP_FAMILY_COLORS[f], label=label))
    if n_moves:
        handles.append(Patch(facecolor=palette.TRANSFER, label="transfer"))
    if any(b.waiting for b in bars):
        handles.append(
            Patch(
                facecolor=palette.IDLE,
                edgecolor=palette.TRANSFER,
                hatch="////",
                label="waiting for a tensor",
            )
        )
    if has_control:
        handles.append(Line2D([], [], color=palette.CONTROL, ls="--", label="control dependency"))
    return handles
