"""Graphs cross between teachflow and TensorFlow both ways, as TensorFlow's GraphDef.

Fixtures: ``tests/fixtures/tensorflow/formats/`` (record_formats.py: a TF 2.21 compat.v1
training graph with resource variables, its pbtxt as TF's write_graph wrote it, and TF's
numbers; check_op_registry.py: TF's verdict on a teachflow graph of ~460 nodes)."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework.codecs import graph_def, op_defs
from teachflow.proto import messages

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "tensorflow"
FORMATS = FIXTURES / "formats"


def tf_graph_def():
    return messages.GraphDef.FromString((FORMATS / "resource_graph.pb").read_bytes())


def test_tensorflows_graph_comes_back_out_of_teachflow_node_for_node():
    original = tf_graph_def()
    with tf.Graph().as_default() as g:
        tf.import_graph_def(original, name="")
    again = g.as_graph_def()
    assert again.versions == original.versions
    ours = {n.name: n for n in again.node}
    assert set(ours) == {n.name for n in original.node}
    for node in original.node:
        assert ours[node.name] == node, node.name


def test_write_graph_text_is_tensorflows_pbtxt_byte_for_byte(tmp_path):
    with tf.Graph().as_default() as g:
        tf.import_graph_def(tf_graph_def(), name="")
    path = tf.train.write_graph(g, str(tmp_path), "graph.pbtxt")
    assert pathlib.Path(path).read_text() == (FORMATS / "resource_graph.pbtxt").read_text()
    binary = tf.train.write_graph(g, str(tmp_path), "graph.pb", as_text=False)
    again = messages.GraphDef.FromString(pathlib.Path(binary).read_bytes())
    assert {n.name for n in again.node} == {n.name for n in tf_graph_def().node}


def test_versions_are_tensorflow_2_21s():
    recorded = json.loads((FORMATS / "resource_graph.json").read_text())["versions"]
    gd = tf.Graph().as_graph_def()
    assert gd.versions.producer == recorded["producer"] == graph_def.PRODUCER
    assert gd.versions.min_consumer == recorded["min_consumer"]
    assert len(gd.library.function) == 0


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_teachflow_graph", FIXTURES / "build_teachflow_graph.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_node_teachflow_writes_validates_against_tensorflows_op_registry():
    g, *_ = load_builder().build()
    gd = g.as_graph_def()
    problems = {n.name: op_defs.check_node_def(n) for n in gd.node}
    assert {k: v for k, v in problems.items() if v} == {}
    # What TensorFlow itself said about the same graph (check_op_registry.py).
    verdict = json.loads((FORMATS / "op_registry_verdicts.json").read_text())
    assert verdict["node_problems"] == {} and verdict["imported"] and verdict["mismatches"] == {}
    assert verdict["nodes"] == len(gd.node)
    assert sorted({n.op for n in gd.node}) == verdict["op_types"]


def test_type_attrs_and_defaults_are_filled_in_as_tensorflow_writes_them():
    with tf.Graph().as_default() as g:
        x = tf.constant([[1.0, 2.0]], name="x")
        tf.reshape(x, [2, 1], name="r")
        tf.matmul(x, x, transpose_b=True, name="m")
        tf.logical_and(x > 0, x < 2, name="both")
    nodes = {n.name: n for n in g.as_graph_def().node}
    assert nodes["r"].attr["T"].type == messages.DataType.Value("DT_FLOAT")
    assert nodes["r"].attr["Tshape"].type == messages.DataType.Value("DT_INT32")
    assert sorted(nodes["m"].attr) == ["T", "grad_a", "grad_b", "transpose_a", "transpose_b"]
    assert nodes["m"].attr["transpose_b"].b and not nodes["m"].attr["grad_a"].b
    assert "T" not in nodes["both"].attr  # LogicalAnd declares no T in TF's registry


def test_import_with_prefix_input_map_and_return_elements():
    with tf.Graph().as_default():
        x = tf.constant([[1.0, 0.0, 0.0]] * 2, name="my_x")
        loss, w_read = tf.import_graph_def(
            tf_graph_def(),
            input_map={"x:0": x, "y:0": tf.zeros([2, 1])},
            return_elements=["loss:0", "w/Read/ReadVariableOp"],
            name="model",
        )
        assert loss.name == "model/loss:0" and w_read.name == "model/w/Read/ReadVariableOp"
        with tf.Session() as sess:
            sess.run("model/init")
            # sigmoid(0.25 + 0.5)^2, the same for both rows
            expected = (1 / (1 + np.exp(-0.75))) ** 2
            assert sess.run(loss) == pytest.approx(
                expected, rel=float(np.finfo(np.float32).eps) * 8
            )


def test_output_shapes_are_ignored_and_debug_info_passes_through():
    with tf.Graph().as_default() as g:
        tf.add(tf.constant(1.0, name="a"), 2.0, name="b")
    gd = g.as_graph_def(add_shapes=True)
    assert gd.node[0].attr["_output_shapes"].list.shape[0] == messages.TensorShapeProto()
    gd.node[2].experimental_debug_info.original_node_names.append("orig_b")
    with tf.Graph().as_default() as h:
        tf.import_graph_def(gd, name="")
    assert "_output_shapes" not in h.get_operation_by_name("a")._attrs
    back = {n.name: n for n in h.as_graph_def().node}
    assert list(back["b"].experimental_debug_info.original_node_names) == ["orig_b"]


def test_a_function_the_library_does_not_define_is_refused_with_its_name():
    # Functions the library defines are read (tests/framework/codecs/test_function_def.py).
    gd = messages.GraphDef()
    gd.library.function.add().signature.name = "my_fn"
    node = gd.node.add(name="m", op="MapDataset")
    node.attr["f"].func.name = "other_fn"
    with pytest.raises(ValueError, match="names the function 'other_fn'"):
        graph_def.node_defs_from_graph_def(gd)


def test_graph_def_bytes_import_too():
    with tf.Graph().as_default() as g:
        (loss,) = tf.import_graph_def(
            tf_graph_def().SerializeToString(), return_elements=["loss:0"], name=""
        )
    assert loss.graph is g and loss.dtype == tf.float32
