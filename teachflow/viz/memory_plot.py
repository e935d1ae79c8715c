"""Memory over time: the bytes in use on each device while a step ran.

Every output a kernel produces is allocated on its device and freed after its last
consumer ran (`teachflow.runtime.memory`), so the bytes in use rise and fall through a
step. The chart draws them per device, with the device's memory limit as a dashed line
(a simulated GPU's limit is what makes a step fail with ResourceExhaustedError) and the
peak marked. Several steps are drawn side by side, as in the timeline.

    >>> import teachflow as tf
    >>> from teachflow.viz import plot_memory
    >>> opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    >>> md = tf.RunMetadata()
    >>> _ = tf.Session().run(tf.ones([100, 100]) * 2.0, options=opts, run_metadata=md)
    >>> fig = plot_memory(md, limits={"/cpu:0": 1 << 20})
    >>> "peak" in " ".join(t.get_text() for t in fig.axes[0].texts)
    True
"""

from __future__ import annotations

from collections import defaultdict

from teachflow.viz import palette
from teachflow.viz.axis_units import byte_ticks
from teachflow.viz.step_records import (
    match_device,
    read_steps,
    short_device,
)
from teachflow.viz.timeline import step_layout, time_axis_label

__all__ = ["format_bytes", "plot_memory"]

# A limit this many times above everything drawn would flatten the curves to the axis: it
# is named in the legend instead of drawn to scale.
_LIMIT_SCALE = 4.0
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(n) -> str:
    """``format_bytes(320016)`` -> ``'312.5 KiB'``: binary units, as allocators count."""
    n = float(n)
    for unit in _UNITS:
        if abs(n) < 1024 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.1f}".removesuffix(".0") + f" {unit}"
        n /= 1024
    return f"{n:.1f} {_UNITS[-1]}"


def plot_memory(
    run_metadata_or_events,
    *,
    devices=None,
    limits=None,
    session=None,
    steps=None,
    ax=None,
    ymax=None,
):
    """A matplotlib ``Figure``: bytes in use over time, one line per device.

    ``run_metadata_or_events``: as for `plot_timeline` (RunMetadata of a traced run, a list
    of them, or events from ``teachflow.trace.events.bus``; events give every allocation
    and free, RunMetadata the bytes in use as each node finished).
    ``devices``: the devices to draw (full names or short forms such as ``"/gpu:0"``);
    ``limits``: ``{device: bytes}``; ``session``: a ``tf.Session`` whose devices' limits
    are drawn; ``steps``: step ids to draw; ``ax``: draw into this Axes; ``ymax``: bytes the
    y axis must reach at least, so that plots compared side by side share one scale
    (``ymax=max(peaks)``).

    Raises ValueError when the record holds no memory samples for the devices asked for.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    traces = read_steps(run_metadata_or_events, steps)
    offsets, ticks = step_layout(traces)

    curves = defaultdict(lambda: ([], []))  # device -> (xs in ms, bytes)
    for trace, off in zip(traces, offsets):
        for s in trace.memory:
            if devices is not None and not any(match_device(s.device, d) for d in devices):
                continue
            x = off + (s.time_ns - trace.start_ns) / 1e6
            xs, ys = curves[s.device]
            if s.before is not None and (not ys or ys[-1] != s.before):
                xs.append(x)
                ys.append(s.before)
            xs.append(x)
            ys.append(s.live_bytes)
    if not curves:
        asked = f" on {list(devices)}" if devices is not None else ""
        raise ValueError(f"Nothing to draw: the record holds no memory samples{asked}")

    known_limits = _limits(curves, limits, session)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4))
    else:
        fig = ax.figure
    top = max(max(ys) for _, ys in curves.values())
    x_end = offsets[-1] + traces[-1].duration_ns / 1e6
    # Colours for every device of the record, so that they match the other views.
    colors = palette.color_table(set().union(*(t.devices for t in traces)))
    handles = []
    for i, dev in enumerate(sorted(curves, key=palette.device_sort_key)):
        xs, ys = curves[dev]
        color = colors[dev]
        # Bytes in use stay what they were until the next allocation or free.
        (line,) = ax.step(xs, ys, where="post", color=color, lw=1.6, label=short_device(dev))
        line.set_gid(f"memory:{dev}")
        handles.append(line)
        peak_i = max(range(len(ys)), key=ys.__getitem__)
        ax.annotate(
            f"peak {format_bytes(ys[peak_i])}",
            xy=(xs[peak_i], ys[peak_i]),
            xytext=(8, 8 + 13 * i),  # staggered: devices often peak alike
            textcoords="offset points",
            fontsize=8,
            color=color,
            arrowprops={"arrowstyle": "-", "color": color, "lw": 0.8},
        ).set_gid(f"peak:{dev}")
        ax.plot([xs[peak_i]], [ys[peak_i]], "o", color=color, ms=4)
        limit = known_limits.get(dev)
        if limit is None:
            continue
        text = f"{short_device(dev)} limit {format_bytes(limit)}"
        if limit <= top * _LIMIT_SCALE:
            (lim,) = ax.plot([0, x_end], [limit, limit], ls="--", color=color, lw=1.2, label=text)
            lim.set_gid(f"limit:{dev}")
            handles.append(lim)
        else:
            handles.append(Line2D([], [], ls="--", color=color, label=f"{text} (off scale)"))

    drawn_limits = [v for d, v in known_limits.items() if d in curves and v <= top * _LIMIT_SCALE]
    y_top = max([top, ymax or 0] + drawn_limits) * 1.15 or 1
    ax.set_ylim(0, y_top)
    positions, labels = byte_ticks(y_top)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_xticks([p for p, _ in ticks])
    ax.set_xticklabels([label for _, label in ticks], fontsize=8)
    for off in offsets[1:]:
        ax.axvline(off, color="#999999", lw=1, ls=":")
    ax.set_xlabel(time_axis_label(traces))
    ax.set_ylabel("bytes in use")
    ax.set_title("Memory in use per device" + (f", {len(traces)} steps" if len(traces) > 1 else ""))
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    ax.grid(axis="y", color="#eeeeee")
    fig.tight_layout()
    return fig


def _limits(curves, limits, session) -> dict:
    """``{device: limit}`` for the drawn devices, from ``limits`` or the session's devices."""
    found = {}
    if session is not None:
        found.update(session_limits(session))
    for wanted, value in (limits or {}).items():
        for dev in curves:
            if match_device(dev, wanted):
                found[dev] = int(value)
    return found


def session_limits(session) -> dict:
    """``{device name: bytes}`` for a session's devices that have a memory limit: a local
    session's allocators; a remote session's GPUs (a CPU's reported limit is nominal)."""
    try:
        return {d.name: d.allocator.limit for d in session.devices if d.allocator.limit}
    except (AttributeError, TypeError):  # a remote session has no local allocators
        return {
            d.name: d.memory_limit_bytes
            for d in session.list_devices()
            if d.device_type == "GPU" and d.memory_limit_bytes
        }
