"""tf.gradients through v1 while loops (TF1's backward loop with stacks), map_fn and scan,
against TensorFlow's recorded answers.

The programs are in tests/fixtures/tensorflow/while_grad_programs.py; what TensorFlow 2.21
(tf.compat.v1, control flow v2 off) built and computed for them is in
control_flow/while_grad.json, written by record_while_grad.py.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors
from teachflow.ops import stack_ops
from teachflow.proto import messages

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "while_grad_programs", FIXTURES / "while_grad_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "control_flow" / "while_grad.json").read_text())
PROGRAMS = RECORDED["programs"]

# The frame and stack ops TF1's loop gradient adds: these must match TF's node for node
# even where the arithmetic gradients differ in their helper ops (Sum's, Add's).
LOOP_GRAD_TYPES = {
    "Enter",
    "Exit",
    "Merge",
    "Switch",
    "NextIteration",
    "LoopCond",
    "StackV2",
    "StackPushV2",
    "StackPopV2",
    "ControlTrigger",
    "TensorArrayGradV3",
}
# Programs whose whole graph matches TF's (edges compared as sets: teachflow's Mul
# gradient multiplies in the other order); in the others Sum's and Add's gradients differ.
WHOLE_GRAPH = {
    "cond_in_loop",
    "loop_in_cond",
    "max_iterations",
    "nested",
    "no_back_prop",
    "second_order",
    "simple",
    "unused_exit",
    "zero_iterations",
}


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


def _run(name):
    graph = tf.Graph()
    with graph.as_default():
        fetches, feed = getattr(programs, name)(tf)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if "train" in fetches:
                losses = [sess.run([fetches["loss"], fetches["train"]], feed)[0] for _ in range(5)]
                return graph, {"losses": np.array(losses), "w": sess.run(fetches["w"])}
            return graph, sess.run(fetches, feed)


def _tolerance(expected):
    """float32 rounding, grown with the number of terms a value sums (sqrt scaling)."""
    n = max(1, expected.size)
    return float(np.finfo(np.float32).eps) * 64 * np.sqrt(n)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_match_tensorflow(name):
    _, got = _run(name)
    for key, record in PROGRAMS[name]["values"].items():
        expected = np.asarray(record["value"], dtype=record["dtype"])
        value = np.asarray(got[key])
        assert value.dtype == expected.dtype, key
        assert list(value.shape) == record["shape"], key
        if expected.dtype.kind == "f":
            scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
            np.testing.assert_allclose(value, expected, rtol=0, atol=_tolerance(expected) * scale)
        else:
            np.testing.assert_array_equal(value, expected)


def _nodes(graph):
    return {
        op.name: (
            op.type,
            sorted([t.name for t in op.inputs] + ["^" + c.name for c in op.control_inputs]),
        )
        for op in graph.get_operations()
    }


@pytest.mark.parametrize("name", sorted(n for n, r in PROGRAMS.items() if "nodes" in r))
def test_loop_gradient_graph_matches_tensorflow(name):
    graph = tf.Graph()
    with graph.as_default():
        getattr(programs, name)(tf)
    mine = _nodes(graph)
    theirs = {n: (t, sorted(i)) for n, t, i in PROGRAMS[name]["nodes"] if n != "init"}
    if name not in WHOLE_GRAPH:
        mine = {n: v for n, v in mine.items() if v[0] in LOOP_GRAD_TYPES}
        theirs = {n: v for n, v in theirs.items() if v[0] in LOOP_GRAD_TYPES}
    assert mine == theirs


def test_simple_loop_gradient_is_built_from_stacks_and_a_backward_frame(graph):
    x = tf.placeholder(tf.float32, [], name="x")
    w = tf.constant(3.0, name="w")
    _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * w), [tf.constant(0), x])
    tf.gradients(y, [x, w])
    ops = {op.name: op for op in graph.get_operations()}
    stack = ops["gradients/while/mul_grad/Mul_1/f_acc"]
    assert stack.type == "StackV2"
    assert stack.get_attr("elem_type") == tf.float32
    assert stack.get_attr("stack_name") == b""
    push = ops["gradients/while/mul_grad/Mul_1/StackPushV2"]
    assert push.get_attr("swap_memory") is False
    assert push.inputs[1].name == "while/Identity_1:0"  # the value of each iteration
    assert ops["gradients/b_count_1"].get_attr("frame_name") == b"gradients/while/while_context"
    assert ops["gradients/while/mul/Enter_grad/b_acc_3"].type == "Exit"  # w's summed gradient


def test_stacks_are_last_in_first_out_and_refuse_an_empty_pop(graph):
    record = RECORDED["stacks"]
    s = stack_ops.stack_v2(-1, tf.float32, stack_name="demo")
    p1 = stack_ops.stack_push_v2(s, tf.constant(1.0))
    with tf.control_dependencies([p1]):
        p2 = stack_ops.stack_push_v2(s, tf.constant(2.0))
    with tf.control_dependencies([p2]):
        a = stack_ops.stack_pop_v2(s, tf.float32)
    with tf.control_dependencies([a]):
        b = stack_ops.stack_pop_v2(s, tf.float32)
    with tf.control_dependencies([b]):
        c = stack_ops.stack_pop_v2(s, tf.float32)
    assert sorted(s.op._attrs) == record["attrs"]["StackV2"]
    with tf.Session() as sess:
        assert [float(v) for v in sess.run([p1, p2, a, b])] == record["values"]
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(c)
    expected = record["empty_pop"]
    assert type(info.value).__name__ == expected["error"]
    # TF numbers each stack of the process ("demo_35"): compare the words around it.
    assert str(info.value.message).startswith("Stack[demo_")
    first_line = str(info.value.message).split("\n")[0]
    assert first_line.endswith("] is empty when calling Pop().")
    assert expected["message"].endswith("] is empty when calling Pop().")


def test_training_through_a_loop_follows_tensorflow_step_for_step():
    _, got = _run("training")
    expected = PROGRAMS["training"]["values"]
    np.testing.assert_allclose(got["losses"], expected["losses"]["value"], rtol=1e-5)
    np.testing.assert_allclose(got["w"], expected["w"]["value"], rtol=1e-5)


@pytest.mark.parametrize("name", sorted(n for n, r in PROGRAMS.items() if "fetch_names" in r))
def test_tensorflows_loop_gradient_graphs_import_and_give_its_values(name):
    record = PROGRAMS[name]
    path = FIXTURES / "control_flow" / f"while_grad_{name}.pb"
    graph_def = messages.GraphDef.FromString(path.read_bytes())
    assert {"StackV2", "StackPushV2", "StackPopV2"} <= {n.op for n in graph_def.node}
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        fetches = {k: graph.get_tensor_by_name(v) for k, v in record["fetch_names"].items()}
        feed = {graph.get_tensor_by_name(k): v for k, v in record["feed"].items()}
        with tf.Session() as sess:
            got = sess.run(fetches, feed)
    for key, expected in record["values"].items():
        value = np.asarray(got[key])
        want = np.asarray(expected["value"], dtype=expected["dtype"])
        assert value.dtype == want.dtype
        scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
        np.testing.assert_allclose(value, want, rtol=0, atol=_tolerance(want) * scale)
