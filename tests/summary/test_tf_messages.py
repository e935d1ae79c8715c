"""teachflow's graphs and step stats as TensorFlow's messages, and step stats back."""

from __future__ import annotations

import numpy as np
import pytest

import teachflow as tf
from teachflow.proto import messages
from teachflow.runtime import step_stats as records
from teachflow.summary.tf_messages import (
    attr_value_message,
    graph_def_message,
    node_defs_of_graph_def,
    run_metadata_message,
    step_stats_message,
    step_stats_of_message,
)


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [
        (True, "b", True),
        (3, "i", 3),
        (0.5, "f", 0.5),
        ("SAME", "s", b"SAME"),
        (b"\xff", "s", b"\xff"),
        (tf.int64, "type", tf.int64.enum),
    ],
)
def test_scalar_attrs_take_tensorflows_fields(value, field, expected):
    attr = attr_value_message(value)
    assert attr.WhichOneof("value") == field
    assert getattr(attr, field) == expected


def test_lists_shapes_and_tensors_take_tensorflows_fields():
    assert list(attr_value_message([1, 2, 1, 1]).list.i) == [1, 2, 1, 1]
    assert list(attr_value_message(["a", "b"]).list.s) == [b"a", b"b"]
    assert attr_value_message([]).WhichOneof("value") == "list"
    shape = attr_value_message(tf.TensorShape([None, 3])).shape
    assert [d.size for d in shape.dim] == [-1, 3]
    assert attr_value_message(tf.TensorShape(None)).shape.unknown_rank
    tensor = attr_value_message(np.array([[1.5, 2.0]], np.float32)).tensor
    assert tensor.dtype == tf.float32.enum
    assert [d.size for d in tensor.tensor_shape.dim] == [1, 2]
    assert tensor.tensor_content == np.array([1.5, 2.0], "<f4").tobytes()
    assert attr_value_message(None) is None


def test_graph_messages_of_a_graph_and_of_teachflows_graph_def_agree():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        doubled = x * 2.0
        with tf.control_dependencies([x.op]):
            y = tf.identity(doubled, name="y")
    from_graph = graph_def_message(g)
    from_def = graph_def_message(g.as_graph_def())
    assert [n.name for n in from_graph.node] == [n.name for n in from_def.node]
    node = {n.name: n for n in from_graph.node}[y.op.name]
    assert list(node.input) == ["mul", "^x"]
    assert node.attr["T"].type == tf.float32.enum
    # Only the Graph form has the output shapes (FileWriter's add_shapes=True).
    assert "_output_shapes" in node.attr
    assert graph_def_message(from_graph) is from_graph
    with pytest.raises(TypeError, match="must be an instance of `Graph`"):
        graph_def_message("a graph")


def test_a_graph_def_message_comes_back_as_node_defs_for_import():
    g = tf.Graph()
    with g.as_default():
        tf.nn.conv2d(tf.zeros([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), [1, 1, 1, 1], "SAME")
    nodes = {n.name: n for n in node_defs_of_graph_def(graph_def_message(g))}
    conv = nodes["Conv2D"]
    assert conv.attr["padding"] == "SAME"
    assert conv.attr["strides"] == [1, 1, 1, 1]
    assert conv.attr["T"] is tf.float32
    assert "_output_shapes" not in conv.attr
    np.testing.assert_array_equal(nodes["ones"].attr["value"], np.ones([2, 2, 1, 1]))


def traced_step_stats():
    with tf.Graph().as_default():
        total = tf.reduce_sum(tf.constant([1.0, 2.0]) * 3.0)
        meta = tf.RunMetadata()
        with tf.Session() as sess:
            sess.run(total, options=tf.RunOptions(trace_level=3), run_metadata=meta)
    return meta


def test_step_stats_survive_the_round_trip_through_tensorflows_message():
    meta = traced_step_stats()
    proto = run_metadata_message(meta)
    assert isinstance(proto, messages.RunMetadata)
    back = step_stats_of_message(
        messages.StepStats.FromString(proto.step_stats.SerializeToString())
    )
    (device,) = meta.step_stats.dev_stats
    (device_back,) = back.dev_stats
    assert device_back.device == device.device
    for a, b in zip(device.node_stats, device_back.node_stats, strict=True):
        assert (b.node_name, b.all_start_micros, b.op_end_rel_micros, b.all_start_nanos) == (
            a.node_name,
            a.all_start_micros,
            a.op_end_rel_micros,
            a.all_start_nanos,
        )
        assert b.thread_id == a.thread_id & 0xFFFFFFFF  # TensorFlow's ids are uint32
        assert b.memory == a.memory
        assert b.timeline_label == a.timeline_label


def test_tensor_descriptions_take_tensorflows_dtype_enum_and_shape():
    node = records.NodeExecStats(
        node_name="n",
        output=[
            records.NodeOutput(
                slot=1,
                tensor_description=records.TensorDescription(dtype="float32", shape=[2, 3]),
            )
        ],
    )
    stats = records.StepStats(dev_stats=[records.DeviceStepStats("/cpu:0", [node])])
    out = step_stats_message(stats).dev_stats[0].node_stats[0].output[0]
    assert out.slot == 1
    assert out.tensor_description.dtype == tf.float32.enum
    assert [d.size for d in out.tensor_description.shape.dim] == [2, 3]
    back = step_stats_of_message(step_stats_message(stats))
    assert back.dev_stats[0].node_stats[0].output[0].tensor_description.dtype == "float32"
    assert back.dev_stats[0].node_stats[0].output[0].tensor_description.shape == [2, 3]
