"""The views draw TensorFlow's own records: a RunMetadata from a real FULL_TRACE run on two
CPU devices (message, bytes, file), its Chrome trace (timeline.Timeline's JSON) and a
GraphDef TF wrote (record_formats.py recorded them)."""

import json
import pathlib

import matplotlib
import pytest

matplotlib.use("Agg")

from teachflow import viz  # noqa: E402
from teachflow.client import timeline  # noqa: E402
from teachflow.proto import messages  # noqa: E402
from teachflow.runtime.config import RunMetadata  # noqa: E402
from teachflow.viz import tensorflow_sources  # noqa: E402

FORMATS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "formats"
RAW = (FORMATS / "run_metadata.pb").read_bytes()
SUMMARY = json.loads((FORMATS / "run_metadata.json").read_text())


@pytest.mark.parametrize(
    "source",
    [RAW, messages.RunMetadata.FromString(RAW), str(FORMATS / "run_metadata.pb")],
    ids=["bytes", "message", "path"],
)
def test_tensorflows_run_metadata_becomes_teachflows(source):
    md = tensorflow_sources.run_metadata_of(source)
    assert isinstance(md, RunMetadata)
    assert [d.device for d in md.step_stats.dev_stats] == SUMMARY["devices"]
    assert {d.device: len(d.node_stats) for d in md.step_stats.dev_stats} == SUMMARY[
        "nodes_per_device"
    ]
    assert len(md.partition_graphs) == SUMMARY["partition_graphs"]


def test_timeline_and_memory_over_a_real_tensorflow_run():
    fig = viz.plot_timeline(RAW)
    labels = {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    assert any("CPU:0" in t for t in labels) and any("CPU:1" in t for t in labels)
    assert viz.plot_memory(messages.RunMetadata.FromString(RAW)).axes


def test_placement_lists_where_each_node_ran():
    table = viz.show_placement(RAW)
    devices = {r.node: r.device for r in table.rows}
    assert devices["c"].endswith("CPU:1") and devices["e"].endswith("CPU:0")
    assert {r.reason for r in table.rows} == {"ran here"}


def test_graph_of_tensorflows_partitions_and_of_a_graph_def_file():
    view = viz.show_graph(run_metadata=RAW)
    assert {n.id for n in view.nodes} >= {"b", "c", "d", "e"}
    from_file = viz.show_graph(str(FORMATS / "resource_graph.pbtxt"), max_nodes=None)
    assert len(from_file.nodes) + len(from_file.aside) == len(
        messages.GraphDef.FromString((FORMATS / "resource_graph.pb").read_bytes()).node
    )


def test_a_chrome_trace_from_tensorflows_timeline_reads_as_step_stats():
    text = (FORMATS / "timeline.json").read_text()
    md = tensorflow_sources.run_metadata_of(text)
    nodes = {ns.node_name: d.device for d in md.step_stats.dev_stats for ns in d.node_stats}
    assert nodes["c"].endswith("CPU:1") and nodes["b"].endswith("CPU:0")
    assert viz.plot_timeline(str(FORMATS / "timeline.json")).axes
    with pytest.raises(ValueError, match="no op events"):
        tensorflow_sources.run_metadata_of('{"traceEvents": []}')


def test_client_timeline_takes_tensorflows_run_metadata():
    trace = json.loads(timeline.Timeline(RAW).generate_chrome_trace_format())
    names = {e.get("args", {}).get("name") for e in trace["traceEvents"] if e.get("ph") == "X"}
    assert {"b", "c", "d", "e"} <= names


def test_teachflows_run_metadata_serializes_as_tensorflows():
    import numpy as np

    import teachflow as tf

    with tf.Graph().as_default() as g:
        a = tf.constant(np.ones((4, 4), np.float32), name="a")
        tf.reduce_sum(tf.matmul(a, a), name="s")
    md = tf.RunMetadata()
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    with tf.Session(graph=g) as sess:
        assert sess.run("s:0", options=opts, run_metadata=md) == 64.0
    pb = messages.RunMetadata.FromString(md.SerializeToString())
    names = {ns.node_name for d in pb.step_stats.dev_stats for ns in d.node_stats}
    assert {"a", "MatMul", "s"} <= names
    node_ops = {n.name: n.op for n in pb.partition_graphs[0].node}
    assert node_ops["MatMul"] == "MatMul"
    assert pb.partition_graphs[0].node[0].attr["dtype"].type == messages.DataType.Value("DT_FLOAT")
    back = RunMetadata.FromString(md.SerializeToString())
    assert [d.device for d in back.step_stats.dev_stats] == [
        d.device for d in md.step_stats.dev_stats
    ]
