"""teachflow's wire GraphDef (a remote run's partition graphs) reads as TensorFlow's."""

import numpy as np

import teachflow as tf
from teachflow.distributed.protocol import graphs, teachflow_pb2
from teachflow.framework.codecs import attr_value, wire_graph_def


def test_a_wire_graph_def_becomes_tensorflows_with_the_same_nodes_and_values():
    with tf.Graph().as_default() as g:
        x = tf.constant([[1.0, 2.0]], name="x")
        tf.cast(tf.reshape(x, [2, 1], name="r"), tf.int32, name="c")
        with tf.control_dependencies([x.op]):
            tf.constant("text", name="s")
    wire = teachflow_pb2.GraphDef.FromString(
        graphs.graph_def(g.get_operations()).SerializeToString()
    )
    got = wire_graph_def.to_tensorflow(wire)
    want = g.as_graph_def()
    assert [(n.name, n.op, list(n.input)) for n in got.node] == [
        (n.name, n.op, list(n.input)) for n in want.node
    ]
    nodes = {n.name: n for n in got.node}
    np.testing.assert_array_equal(attr_value.from_proto(nodes["x"].attr["value"]), [[1.0, 2.0]])
    assert attr_value.from_proto(nodes["s"].attr["value"]) == b"text"
    assert nodes["c"].attr["DstT"].type == tf.int32.enum
    assert wire_graph_def.to_tensorflow(want) is want
