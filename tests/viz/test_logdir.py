"""Reading log directories back into teachflow's views (scalars, graph, run metadata)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow import viz


def write_scalars(logdir, tag, values, start=0):
    with tf.summary.FileWriter(str(logdir)) as writer:
        for step, v in enumerate(values, start):
            writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag=tag, simple_value=v)]), step)


@pytest.fixture
def traced_logdir(tmp_path):
    """A small training graph, its summaries for 3 steps, and step 1's run metadata."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        w = tf.Variable([0.5, -0.5], name="w")
        cost = tf.reduce_sum(x * w, name="cost")
        tf.summary.scalar("cost_value", cost)
        tf.summary.histogram("weights", w)
        merged = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
            sess.run(init)
            for step in range(3):
                metadata = tf.RunMetadata()
                options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
                feed = {x: np.array([step, 1.0], np.float32)}
                writer.add_summary(sess.run(merged, feed, options, metadata), step)
                if step == 1:
                    writer.add_run_metadata(metadata, "step_1", step)
                    logged = metadata
    return tmp_path, graph, logged


def test_read_logdir_gives_every_scalar_in_step_order(tmp_path):
    write_scalars(tmp_path, "loss", [0.75, 0.5, 0.25])
    run = viz.read_logdir(tmp_path)
    assert [(p.step, p.value) for p in run.scalars["loss"]] == [(0, 0.75), (1, 0.5), (2, 0.25)]
    assert all(p.wall_time > 0 for p in run.scalars["loss"])
    assert run.graph_def is None
    with pytest.raises(ValueError, match="No graph was written"):
        run.graph()


def test_read_logdir_keeps_more_than_tensorboards_default_sample(tmp_path):
    write_scalars(tmp_path, "v", [float(i) for i in range(12_000)])
    assert len(viz.read_logdir(tmp_path).scalars["v"]) == 12_000


def test_histograms_and_graph_come_back(traced_logdir):
    logdir, graph, _ = traced_logdir
    run = viz.read_logdir(logdir)
    assert [p.step for p in run.histograms["weights"]] == [0, 1, 2]
    assert run.histograms["weights"][0].histogram.num == 2
    assert [(p.step, p.value) for p in run.scalars["cost_value"]] == [(0, -0.5), (1, 0.0), (2, 0.5)]
    rebuilt = run.graph()
    assert [op.name for op in rebuilt.get_operations()] == [
        op.name for op in graph.get_operations()
    ]
    assert rebuilt.get_operation_by_name("cost").type == "Sum"
    view = viz.show_graph(rebuilt)
    assert {n.name for n in view.nodes} >= {"x", "w", "cost"}


def test_logged_run_metadata_draws_as_a_timeline_and_memory_chart(traced_logdir):
    logdir, _, original = traced_logdir
    run = viz.read_logdir(logdir)
    metadata = run.run_metadata["step_1"]
    (device,) = metadata.step_stats.dev_stats
    (original_device,) = original.step_stats.dev_stats
    assert device.device == original_device.device
    assert [n.node_name for n in device.node_stats] == [
        n.node_name for n in original_device.node_stats
    ]
    assert [n.all_start_micros for n in device.node_stats] == [
        n.all_start_micros for n in original_device.node_stats
    ]
    assert viz.plot_timeline(metadata).axes
    assert viz.plot_memory(metadata).axes


def test_runs_under_a_logdir_are_plotted_one_line_each(tmp_path):
    write_scalars(tmp_path / "lr_0.1", "loss", [1.0, 0.5])
    write_scalars(tmp_path / "lr_0.01", "loss", [1.0, 0.9, 0.8])
    write_scalars(tmp_path / "lr_0.01", "accuracy", [0.5])
    runs = viz.list_runs(tmp_path)
    assert sorted(runs) == ["lr_0.01", "lr_0.1"]
    fig = viz.plot_scalars(tmp_path, "loss")
    lines = {line.get_label(): list(line.get_ydata()) for line in fig.axes[0].lines}
    f32 = [float(np.float32(v)) for v in (1.0, 0.9, 0.8)]  # simple_value is a float32
    assert lines == {"lr_0.01: loss": f32, "lr_0.1: loss": [1.0, 0.5]}
    with pytest.raises(ValueError, match="it has: \\['accuracy', 'loss'\\]"):
        viz.plot_scalars(tmp_path, ["precision"])


def test_a_missing_logdir_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such log directory"):
        viz.read_logdir(tmp_path / "nothing")


def test_a_graph_logged_by_tensorflow_is_rebuilt_and_trains_as_in_tensorflow():
    """record_summaries.py: TF's FileWriter logged a training graph; teachflow reads it back,
    runs three GradientDescent steps and reaches TensorFlow's loss."""
    fixtures = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/summaries"
    recorded = json.loads((fixtures / "summaries.json").read_text())["training_graph"]
    graph = viz.read_logdir(fixtures / "tf_graph_logdir").graph()
    assert [op.name for op in graph.get_operations()] == recorded["ops"]
    feed = {"x:0": np.array(recorded["feed"], np.float32)}
    with tf.Session(graph=graph) as sess:
        sess.run(["w/Assign", "b/Assign"])
        for _ in range(3):
            sess.run(recorded["train_op"], feed)
        loss = sess.run("loss:0", feed)
    # A few float32 roundings (a 3x2 matmul, a mean of 4) may differ in order.
    eps = np.finfo(np.float32).eps
    assert abs(loss - recorded["loss_after_3_steps"]) <= 8 * eps * max(abs(loss), 1.0)
    assert {n.name for n in viz.show_graph(graph).nodes} >= {"x", "w", "loss"}
