"""tf.graph_util against TensorFlow's answers (tests/fixtures/tensorflow/record_graph_tools.py):
a frozen graph is TensorFlow's node for node (text format, Const values included)."""

import pytest
from google.protobuf import text_format

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, graph_def_of, run


def _freeze(source, outputs=None):
    with tf.Graph().as_default() as g:
        scope = run(source)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return tf.graph_util.convert_variables_to_constants(
                sess,
                g.as_graph_def(),
                outputs or scope["outputs"],
                variable_names_whitelist=scope.get("whitelist"),
                variable_names_blacklist=scope.get("blacklist"),
            )


@pytest.mark.parametrize("name", sorted(PROGRAMS.FREEZE))
def test_frozen_graph_is_tensorflows(name):
    frozen = _freeze(PROGRAMS.FREEZE[name])
    assert text_format.MessageToString(frozen) == RECORD["freeze"][name]["text"]


def test_frozen_graph_runs_without_variables():
    frozen = _freeze(PROGRAMS.FREEZE["dense_layer"])
    with tf.Graph().as_default():
        (y,) = tf.import_graph_def(frozen, return_elements=["y:0"], name="")
        with tf.Session() as sess:
            assert sess.run(y, {"x:0": [[1.0, 1.0]]}).tolist() == [[3.5]]


def test_freezing_an_uninitialized_variable_fails_like_tensorflow():
    want = RECORD["freeze"]["uninitialized"]
    with tf.Graph().as_default() as g:
        run(PROGRAMS.FREEZE["dense_layer"])
        with tf.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value w"):
                tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ["y"])
    assert want["error"] == "FailedPreconditionError"


def test_missing_output_is_an_assertion_error():
    want = RECORD["freeze"]["missing_output"]
    with pytest.raises(AssertionError) as e:
        _freeze(PROGRAMS.FREEZE["dense_layer"], ["nope"])
    assert (type(e.value).__name__, str(e.value)) == (want["error"], want["message"])


def _nodes(graph_def):
    return [[n.name, n.op, list(n.input)] for n in graph_def.node]


@pytest.mark.parametrize("dests", PROGRAMS.EXTRACT["dests"], ids=",".join)
def test_extract_sub_graph_is_tensorflows(dests):
    gd = graph_def_of(PROGRAMS.EXTRACT["program"])
    sub = tf.graph_util.extract_sub_graph(gd, dests)
    assert _nodes(sub) == RECORD["extract"][",".join(dests)]
    assert sub.versions == gd.versions


@pytest.mark.parametrize("case", ["not_a_graph_def", "string_dest"])
def test_extract_sub_graph_errors(case):
    gd = graph_def_of(PROGRAMS.EXTRACT["program"])
    args = {"not_a_graph_def": (b"x", ["a"]), "string_dest": (gd, "a")}[case]
    want = RECORD["extract_errors"][case]
    with pytest.raises(TypeError) as e:
        tf.graph_util.extract_sub_graph(*args)
    # TensorFlow names its own class (graph_pb2.GraphDef); the type it got is the same.
    assert str(e.value) == want["message"]


@pytest.mark.parametrize("key", sorted(RECORD["remove_training_nodes"]))
def test_remove_training_nodes_is_tensorflows(key):
    program, protected = key.split("|")
    gd = graph_def_of(PROGRAMS.REMOVE_TRAINING["programs"][program])
    protected = protected.split(",") if protected else []
    want = RECORD["remove_training_nodes"][key]
    if isinstance(want, dict):  # TensorFlow's own IndexError: an identity left input-less
        with pytest.raises(IndexError):
            tf.graph_util.remove_training_nodes(gd, protected)
        return
    assert _nodes(tf.graph_util.remove_training_nodes(gd, protected)) == want


def test_must_run_on_cpu_is_tensorflows():
    with tf.Graph().as_default() as g:
        run(PROGRAMS.MUST_RUN_ON_CPU)
        ops = {op.name: op for op in g.get_operations()}
        nodes = {n.name: n for n in g.as_graph_def().node}
    # The named ops (the constants dynamic_stitch packs its lists into are named otherwise).
    named = {k: v for k, v in RECORD["must_run_on_cpu"].items() if "/" not in k}
    for name, (plain, pinned) in named.items():
        assert tf.graph_util.must_run_on_cpu(ops[name]) is plain, name
        assert tf.graph_util.must_run_on_cpu(nodes[name], pin_variables_on_cpu=True) is pinned


def test_tensor_shape_from_node_def_name_is_tensorflows():
    with tf.Graph().as_default() as g:
        run(PROGRAMS.TENSOR_SHAPES["program"])
        for name, want in RECORD["tensor_shapes"].items():
            shape = tf.graph_util.tensor_shape_from_node_def_name(g, name)
            assert (None if shape.ndims is None else shape.as_list()) == want, name
