"""The timeline figure: rows per device, lanes, transfers in red with arrows, steps."""

import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

import teachflow as tf
from teachflow.trace.events import OpEvent, StepEvent
from teachflow.viz import palette
from teachflow.viz.axis_units import time_unit
from teachflow.viz.step_records import read_steps
from teachflow.viz.timeline import op_color, plot_timeline

from .conftest import GPU0, GPU1

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


def tick_labels(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def by_gid(ax, gid):
    return [c for c in ax.collections if c.get_gid() == gid]


def arrows(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


def row_y(ax, label):
    """The height (data units) of the middle of the device row whose tick says ``label``."""
    return dict(zip(tick_labels(ax), ax.get_yticks()))[label]


def test_one_row_per_device_under_its_task(traced_run):
    fig = plot_timeline(traced_run.md)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert tick_labels(ax) == ["GPU:0", "GPU:1"]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "task-label"] == [
        "/job:localhost/task:0"
    ]
    unit = time_unit(read_steps(traced_run.md)[0].duration_ns)[0]
    assert ax.get_xlabel() == f"time since the step started ({unit})"


def test_a_short_step_is_timed_in_microseconds_from_0():
    events = [
        StepEvent(3, "start", 0),
        OpEvent(3, CPU0, "a", "MatMul", 0, 30_000, 1, 0, ()),
        StepEvent(3, "end", 30_000),
    ]
    ax = plot_timeline(events).axes[0]
    assert ax.get_xlabel() == "time since the step started (us)"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "0" and 20 <= float(labels[-1]) <= 30  # not 0.03 ms
    assert all(label.isdigit() for label in labels)  # whole microseconds, none negative


def test_a_transfer_is_red_with_an_arrow_from_the_sending_row_to_the_receiving_row(
    traced_run,
):
    ax = plot_timeline(traced_run.md).axes[0]
    transfers = by_gid(ax, "transfers")
    assert transfers
    for coll in transfers:
        assert all(tuple(c) == to_rgba(palette.TRANSFER) for c in coll.get_facecolors())
    # Ops are never drawn in the reserved colour.
    for coll in by_gid(ax, "ops"):
        assert all(tuple(c) != to_rgba(palette.TRANSFER) for c in coll.get_facecolors())

    (arrow,) = arrows(ax, "transfer-arrow")  # h: GPU:0 -> GPU:1
    assert isinstance(arrow.arrow_patch, FancyArrowPatch)
    assert arrow.arrow_patch.get_edgecolor() == to_rgba(palette.TRANSFER)
    (x0, y0), (x1, y1) = arrow.xyann, arrow.xy
    gpu0, gpu1 = row_y(ax, "GPU:0"), row_y(ax, "GPU:1")
    assert abs(y0 - gpu0) < abs(y0 - gpu1)  # leaves from GPU:0's row...
    assert abs(y1 - gpu1) < abs(y1 - gpu0)  # ...and arrives on GPU:1's
    assert x1 >= x0  # and later, not earlier


def test_ops_are_coloured_by_family_like_the_graph_view(traced_run):
    ax = plot_timeline(traced_run.md).axes[0]
    colours = {tuple(c) for coll in by_gid(ax, "ops") for c in coll.get_facecolors()}
    assert to_rgba(op_color("MatMul")) in colours
    assert op_color("MatMul") == palette.OP_FAMILY_COLORS["matrix"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "matrix: MatMul" in legend
    assert "transfer" in legend


def test_events_from_the_bus_draw_the_same_rows(traced_run):
    one_step = [e for e in traced_run.events if e.step_id == traced_run.events[0].step_id]
    ax = plot_timeline(one_step).axes[0]
    assert tick_labels(ax) == ["GPU:0", "GPU:1"]
    assert len(arrows(ax, "transfer-arrow")) == 1


def test_control_dependencies_are_dashed_arrows_when_the_graph_is_given(traced_run):
    ax = plot_timeline(traced_run.md).axes[0]
    assert arrows(ax, "control-edge") == []
    ax = plot_timeline(traced_run.md, graph=traced_run.graph).axes[0]
    (edge,) = arrows(ax, "control-edge")  # loss -> after
    assert edge.arrow_patch.get_linestyle() == "--"
    ops = {o.node: o for o in read_steps(traced_run.md)[0].ops}
    # From the end of the controlling op to the start of the one that waited.
    assert edge.xyann[0] <= edge.xy[0]
    assert ops["loss"].end_ns <= ops["after"].start_ns
    assert "control dependency" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_several_steps_are_drawn_side_by_side(traced_run):
    ax = plot_timeline(traced_run.events).axes[0]
    labels = [t.get_text() for t in ax.texts if t.get_text().startswith("step ")]
    assert labels == ["step 1", "step 2", "step 3"]  # the session's numbers, not the ids
    assert len([ln for ln in ax.lines if ln.get_gid() == "step-separator"]) == 2
    assert len(arrows(ax, "transfer-arrow")) == 3
    # Each step's time axis starts at 0.
    assert [t.get_text() for t in ax.get_xticklabels()].count("0") == 3


def test_a_list_of_run_metadata_is_one_step_each_and_steps_selects(traced_run):
    ax = plot_timeline(traced_run.mds).axes[0]
    labels = [t.get_text() for t in ax.texts if t.get_text().startswith("step ")]
    assert labels == ["step 1", "step 2", "step 3"]
    ax = plot_timeline(traced_run.mds, steps=[1]).axes[0]
    assert not [t for t in ax.texts if t.get_text().startswith("step ")]
    assert "3 steps" not in ax.get_title()


def test_ops_running_at_once_on_a_device_get_separate_lanes():
    # a and b overlap; c starts exactly when a ends: it reuses a's lane.
    events = [
        StepEvent(7, "start", 0),
        OpEvent(7, CPU0, "a", "MatMul", 0, 10_000, 1, 0, ()),
        OpEvent(7, CPU0, "b", "Relu", 5_000, 15_000, 2, 0, ()),
        OpEvent(7, CPU0, "c", "Add", 10_000, 20_000, 1, 0, ()),
        StepEvent(7, "end", 20_000),
    ]
    ax = plot_timeline(events).axes[0]
    lanes = {}
    for coll in by_gid(ax, "ops"):
        for path in coll.get_paths():
            (x0, y0) = path.vertices.min(axis=0)
            lanes[round(x0, 6)] = y0
    assert lanes[0.0] == lanes[0.01] != lanes[0.005]  # a and c share; b beside them
    assert tick_labels(ax) == ["CPU:0"]


def test_a_cross_task_send_recv_pair_is_one_transfer_and_the_wait_is_hatched():
    w0 = "/job:worker/replica:0/task:0/device:CPU:0"
    w1 = "/job:worker/replica:0/task:1/device:CPU:0"
    events = [
        OpEvent(1, w0, "h", "MatMul", 0, 4_000, 1, 0, ()),
        OpEvent(1, w0, "h/_send_0_worker_1", "_Send", 4_000, 4_100, 1, 0, ("h:0",)),
        OpEvent(1, w1, "h/_recv_0_worker_1", "_Recv", 100, 4_500, 1, 0, ()),
        OpEvent(1, w1, "y", "Relu", 4_500, 6_000, 1, 0, ("h/_recv_0_worker_1:0",)),
    ]
    (step,) = read_steps(events)
    (move,) = step.transfers
    assert (move.src_device, move.dst_device, move.tensor) == (w0, w1, "h")
    ax = plot_timeline(events).axes[0]
    assert tick_labels(ax) == ["CPU:0", "CPU:0"]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "task-label"] == [
        "/job:worker/task:0",
        "/job:worker/task:1",
    ]
    (wait,) = by_gid(ax, "waits")
    assert wait.get_hatch() == "////"
    (arrow,) = arrows(ax, "transfer-arrow")
    assert arrow.xyann[0] == pytest.approx(0.004)  # left when the _Send started
    assert arrow.xy[0] == pytest.approx(0.0045)  # arrived when the _Recv finished


def test_draws_into_a_given_axes():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(
            tf.constant(2.0) * 3.0,
            options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
            run_metadata=md,
        )
    assert plot_timeline(md, ax=right) is fig
    assert tick_labels(right) == ["CPU:0"]


def test_what_cannot_be_drawn_says_why():
    with pytest.raises(ValueError, match="FULL_TRACE"):
        plot_timeline(tf.RunMetadata())
    with pytest.raises(ValueError, match="Nothing to draw"):
        plot_timeline([])
    with pytest.raises(TypeError, match="RunMetadata"):
        plot_timeline(42)


def test_a_run_across_two_tasks_draws_both_tasks_and_the_tensor_between_them(servers):
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(tf.ones([50, 50]), name="w")
    with tf.device("/job:worker/task:0/device:GPU:1"):
        y = tf.reduce_sum(tf.matmul(w, w), name="y")
    md = tf.RunMetadata()
    with tf.Session(servers.worker.target) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=md)
    ax = plot_timeline(md).axes[0]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "task-label"] == [
        "/job:ps/task:0",
        "/job:worker/task:0",
    ]
    assert tick_labels(ax) == ["CPU:0", "GPU:1"]
    (arrow,) = arrows(ax, "transfer-arrow")  # w/read: ps -> worker
    assert arrow.xyann[1] < arrow.xy[1]  # downwards: from the ps row to the worker row


def test_the_title_counts_in_words_that_agree_with_the_number():
    with tf.Graph().as_default():
        with tf.device("/cpu:0"):
            x = tf.constant(2.0, name="x")
        with tf.device("/gpu:0"):
            y = tf.multiply(x, 3.0, name="y")
        md = tf.RunMetadata()
        trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as sess:
            sess.run(y, options=trace, run_metadata=md)
    title = plot_timeline(md).axes[0].get_title()
    assert ", 1 transfer on 2 devices" in title


def test_each_lane_carries_its_devices_session_colour(traced_run):
    from matplotlib.colors import to_hex

    from teachflow.viz.placement_view import show_placement

    # The placement table is shown first and gives the devices their colours.
    table = show_placement([{"node": "a", "device": GPU1}, {"node": "b", "device": GPU0}])
    ax = plot_timeline(traced_run.md).axes[0]
    strips = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("device-")}
    for device in (GPU0, GPU1):
        colour = to_hex(strips[f"device-swatch:{device}"].get_facecolor())
        assert colour == table.colors[device] == palette.color_table([device])[device]
