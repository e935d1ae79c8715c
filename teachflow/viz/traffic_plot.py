"""Network traffic per task as bar charts: where the bytes of a cluster's steps went.

`plot_traffic` draws a `teachflow.trace.traffic.TrafficReport` (bytes into and out of each
task), or several side by side to compare configurations -- e.g. the same training with
one and with two ps tasks, to see sharding split one task's load in two.

    >>> from teachflow.trace.traffic import TrafficReport
    >>> r = TrafficReport()
    >>> r._add("/job:worker/task:0", "/job:ps/task:0", 4096)
    >>> fig = plot_traffic(r)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['/job:ps/task:0', '/job:worker/task:0']
"""

from __future__ import annotations

from teachflow.viz import palette
from teachflow.viz.axis_units import byte_ticks

__all__ = ["plot_bytes_groups", "plot_traffic"]

_IN_COLOR = palette.TRANSFER  # what arrives over the network: the chapter's red
_OUT_COLOR = "#f4a3a3"


def _axes(ax, width=9, height=3.6):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(width, height))
        return fig, ax
    return ax.figure, ax


def _bytes_axis(ax):
    # Round binary ticks in one unit (0, 256 KiB, 512 KiB), not matplotlib's decimal ones.
    positions, labels = byte_ticks(ax.get_ylim()[1])
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_ylabel("bytes")
    ax.spines[["top", "right"]].set_visible(False)


def plot_traffic(reports, *, labels=None, tasks=None, ax=None, title=None):
    """A matplotlib ``Figure`` of bytes per task.

    ``reports``: one `TrafficReport` (two bars per task: bytes in, bytes out) or a list of
    them (one bar per report and task: bytes in plus out), named by ``labels``.
    ``tasks``: the tasks to draw (default: every task that appears), e.g. only the ps tasks.
    """
    single = not isinstance(reports, (list, tuple))
    reports = [reports] if single else list(reports)
    if labels is None:
        labels = [f"run {k + 1}" for k in range(len(reports))]
    if tasks is None:
        tasks = []
        for r in reports:
            tasks.extend(t.task for t in r.rows() if t.task not in tasks)
    fig, ax = _axes(ax)
    xs = range(len(tasks))
    if single:
        r = reports[0]
        width = 0.38
        ax.bar(
            [x - width / 2 for x in xs],
            [r.bytes_in(t) for t in tasks],
            width,
            color=_IN_COLOR,
            label="bytes in",
        )
        ax.bar(
            [x + width / 2 for x in xs],
            [r.bytes_out(t) for t in tasks],
            width,
            color=_OUT_COLOR,
            label="bytes out",
        )
    else:
        width = 0.8 / len(reports)
        for k, (r, label) in enumerate(zip(reports, labels)):
            offset = (k - (len(reports) - 1) / 2) * width
            ax.bar(
                [x + offset for x in xs],
                [r.bytes_in(t) + r.bytes_out(t) for t in tasks],
                width,
                color=palette.nth_color(k),
                label=label,
            )
    ax.set_xticks(list(xs))
    ax.set_xticklabels(tasks)
    _bytes_axis(ax)
    ax.legend(frameon=False)
    ax.set_title(title or "network traffic per task")
    fig.tight_layout()
    return fig


def plot_bytes_groups(groups, *, stacked=False, ax=None, title=None, part_label="ps task"):
    """A ``Figure`` comparing configurations: ``groups`` is ``[(label, [bytes, ...]), ...]``,
    one group per configuration and one number per part (e.g. bytes into each ps task).
    Parts are drawn side by side, or ``stacked`` into one bar per group.

        >>> fig = plot_bytes_groups([("1 ps", [200]), ("2 ps", [110, 90])])
        >>> len(fig.axes[0].patches)
        3
    """
    fig, ax = _axes(ax)
    groups = list(groups)
    most = max((len(parts) for _, parts in groups), default=1)
    width = 0.6 if stacked else 0.8 / most
    bottoms = [0] * len(groups)
    for part in range(most):
        idx = [g for g, (_, parts) in enumerate(groups) if part < len(parts)]
        heights = [groups[g][1][part] for g in idx]
        offset = 0 if stacked else (part - (most - 1) / 2) * width
        ax.bar(
            [g + offset for g in idx],
            heights,
            width,
            bottom=[bottoms[g] for g in idx] if stacked else 0,
            color=palette.nth_color(part),
            label=f"{part_label} {part}",
        )
        if stacked:
            for g, h in zip(idx, heights):
                bottoms[g] += h
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([label for label, _ in groups])
    _bytes_axis(ax)
    ax.legend(frameon=False)
    ax.set_title(title or "bytes per configuration")
    fig.tight_layout()
    return fig
