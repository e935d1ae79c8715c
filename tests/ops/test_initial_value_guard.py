"""Variables initialized from other variables, against TensorFlow's recorded graphs and runs.

The programs are in tests/fixtures/tensorflow/initialized_value_programs.py; what TensorFlow
2.21 (tf.compat.v1, ref variables, control flow v2 off) built and computed for them, and how
it ran teachflow's exported graphs of them, is in initialized_values/programs.json, written
by record_initialized_values.py. The values are small integers held in floats, exact in any
order of evaluation, so they are compared exactly.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow.compat.v1 as tf
from teachflow.framework import errors
from teachflow.ops.initial_value_guard import guard_against_uninitialized_dependencies

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "initialized_value_programs", FIXTURES / "initialized_value_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "initialized_values" / "programs.json").read_text())
NAMES = sorted(RECORDED["programs"])


def _nodes(graph):
    nodes = []
    for op in graph.get_operations():
        inputs = [t.name for t in op.inputs] + ["^" + c.name for c in op.control_inputs]
        colocation = [s.decode() for s in op._attrs.get("_class", [])]
        nodes.append([op.name, op.type, inputs, colocation])
    return nodes


def _successful_values(runs):
    """TensorFlow's values over the runs that did not race (they all agree)."""
    values = [run for run in runs if "error" not in run]
    assert all(v == values[0] for v in values)
    return values[0] if values else None


def test_every_program_was_recorded():
    assert NAMES == sorted(programs.PROGRAMS)


@pytest.mark.parametrize("name", NAMES)
def test_graph_matches_tensorflow(name):
    with tf.Graph().as_default() as graph:
        programs.PROGRAMS[name](tf)
    assert _nodes(graph) == RECORDED["programs"][name]["nodes"]


@pytest.mark.parametrize("name", NAMES)
def test_initializer_gives_tensorflows_values_every_run(name):
    """TensorFlow's first run of chain may fail (its initializers race); teachflow's order
    is fixed, so every run gives the values, or every run the same error."""
    runs = RECORDED["programs"][name]["runs"]
    expected = _successful_values(runs)
    with tf.Graph().as_default():
        variables = programs.PROGRAMS[name](tf)
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            for _ in range(RECORDED["runs_per_session"]):
                if expected is None:
                    with pytest.raises(errors.FailedPreconditionError) as info:
                        sess.run(init)
                    assert runs[0]["message"] in str(info.value)
                    continue
                sess.run(init)
                got = sess.run({k: v.value() for k, v in variables.items()})
                assert sorted(got) == sorted(expected)
                for k, record in expected.items():
                    assert got[k].dtype.name == record["dtype"], k
                    np.testing.assert_array_equal(got[k], np.array(record["value"]), err_msg=k)


@pytest.mark.parametrize("name", NAMES)
def test_teachflows_graph_runs_in_tensorflow(name):
    """TensorFlow imported teachflow's GraphDef (every op type is one of its own, the
    removed InitializedValue among none) and computed TensorFlow's values with it."""
    recorded = RECORDED["teachflow_graphs"][name]
    assert "InitializedValue" not in recorded["op_types"]
    assert _successful_values(recorded["runs"]) == _successful_values(
        RECORDED["programs"][name]["runs"]
    )


def test_initialized_value_is_made_outside_control_dependencies_and_conds():
    with tf.Graph().as_default():
        w = tf.Variable(2.0, name="w")
        p = tf.placeholder(tf.bool, [], name="p")
        with tf.control_dependencies([p.op]):
            inside = tf.cond(p, lambda: w.initialized_value() + 1.0, lambda: tf.constant(0.0))
        merge = tf.get_default_graph().get_operation_by_name("cond/cond/Merge")
        assert merge._control_flow_context is None
        switch = tf.get_default_graph().get_operation_by_name("cond/cond/Switch")
        assert switch.control_inputs == []
        with tf.Session() as sess:
            # w is never initialized: the cond gives its initial value.
            assert sess.run(inside, {p: True}) == 3.0


def test_an_initial_value_in_a_cycle_is_left_as_it_is():
    """A while loop's back edge is a cycle: TensorFlow's guard then copies nothing."""
    with tf.Graph().as_default():
        a = tf.Variable(1.0, name="a")
        total = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + a), [0, 0.0])[1]
        # A loop's Exit is in the loop's context: as a tensor initial value TF1 refuses it
        # (ValueError, below); through a function it is taken.
        b = tf.Variable(lambda: total, name="b")
        assert b.initializer.inputs[1] is total
        with tf.Session() as sess:
            sess.run(a.initializer)
            sess.run(b.initializer)
            assert sess.run(b) == 3.0


def test_guard_needs_a_tensor():
    with pytest.raises(TypeError, match="initial_value needs to be a Tensor"):
        guard_against_uninitialized_dependencies("v/", 1.0)


def test_a_tensor_initial_value_inside_a_cond_is_refused_but_a_lambda_is_not():
    # TF 1.x (and TF 2.21 with control flow v2 disabled) words it so.
    with tf.Graph().as_default():
        p, x = tf.placeholder(tf.bool, []), tf.constant(2.0)

        def tensor_initial_value():
            return tf.Variable(x * 3, name="v") + 0.0

        with pytest.raises(ValueError, match=r"Initializer for variable cond/v/ is from inside"):
            tf.cond(p, tensor_initial_value, lambda: x)

        def lambda_initial_value():
            tf.Variable(lambda: tf.constant(3.0), name="w")
            return tf.identity(x)

        tf.cond(p, lambda_initial_value, lambda: x)  # builds
        total = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])
        with pytest.raises(ValueError, match=r"Initializer for variable n/ is from inside"):
            tf.Variable(total, name="n")
