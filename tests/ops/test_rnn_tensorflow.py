"""Recurrent networks against TensorFlow's recorded answers: each cell's steps, static_rnn
and dynamic_rnn with and without sequence_length, MultiRNNCell, bidirectional RNNs, the
gradients of every variable through them, the variables' names, the graph's op names, and a classifier's training losses
(static_rnn, and dynamic_rnn through the while loop's gradients).

The programs are in tests/fixtures/tensorflow/rnn_programs.py; what TensorFlow 2.21
(tf.compat.v1, control flow v1, TF's legacy rnn_cell_impl) computed for them is in
rnn/programs.json and rnn/values.npz, written by record_rnn.py. Both engines start from
TF's initial variable values (loaded here), so the values compare exactly up to float32
rounding.
"""

import importlib.util
import json
import pathlib
import re
import types

import numpy as np
import pytest

import teachflow.compat.v1 as tf
from tests.float_tolerance import gamma

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location("rnn_programs", FIXTURES / "rnn_programs.py")
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "rnn" / "programs.json").read_text())
with np.load(FIXTURES / "rnn" / "values.npz") as _values:
    VALUES = dict(_values)

API = types.SimpleNamespace(
    tf=tf,
    cells=tf.nn.rnn_cell,
    static_rnn=tf.nn.static_rnn,
    dynamic_rnn=tf.nn.dynamic_rnn,
    bidirectional_dynamic_rnn=tf.nn.bidirectional_dynamic_rnn,
    static_bidirectional_rnn=tf.nn.static_bidirectional_rnn,
)

# Each step is a sum of at most (depth + units) <= 8 products feeding a 1-Lipschitz
# nonlinearity; rounding errors of the steps add up over the time steps.
STEP_TERMS = 8
TOLERANCE = 4 * programs.TIME * gamma(STEP_TERMS, np.float32)


def _load_recorded_variables(sess, program):
    by_name = {v.op.name: v for v in tf.global_variables()}
    assert sorted(by_name) == sorted(RECORDED[program]["variables"])
    for name in RECORDED[program]["variables"]:
        by_name[name].load(VALUES[f"{program}|var|{name}"], sess)


@pytest.mark.parametrize("program", sorted(programs.PROGRAMS))
def test_values_and_variable_names_match_tensorflow(program):
    recorded = RECORDED[program]
    with tf.Graph().as_default():
        tf.set_random_seed(1234)  # as recorded: DropoutWrapper's masks are TF's too
        fetches, feeds = programs.PROGRAMS[program](API)
        assert sorted(fetches) == sorted(recorded["fetches"])
        for key, tensor in fetches.items():
            assert tensor.shape.as_list() == recorded["fetches"][key]["shape"], key
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _load_recorded_variables(sess, program)
            got = sess.run(fetches, feeds)
    for key, value in got.items():
        expected = VALUES[f"{program}|out|{key}"]
        assert value.dtype == expected.dtype, key
        np.testing.assert_allclose(value, expected, rtol=TOLERANCE, atol=TOLERANCE, err_msg=key)


@pytest.mark.parametrize("program", sorted(programs.PROGRAMS))
def test_seeded_initial_variables_are_tensorflows(program):
    # tf.set_random_seed(1234) as the recording did: glorot-uniform kernels (and the GRU's
    # and LSTM's other initializers) draw TensorFlow's numbers, bit for bit.
    with tf.Graph().as_default():
        tf.set_random_seed(1234)
        programs.PROGRAMS[program](API)
        variables = tf.global_variables()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(variables)
    for v, value in zip(variables, values):
        np.testing.assert_array_equal(value, VALUES[f"{program}|var|{v.op.name}"], v.op.name)


# Where teachflow's graph still differs from TF 2.21's, outside this chapter's modules:
# TF's tf.Assert adds its string data as "Assert/Assert/data_<i>" constants; TF 2.x's
# dropout (Mul, GreaterEqual, SelectV2) and random_uniform over [0, 1) (no min/max/sub/mul)
# are not TF 1.x's graphs, which teachflow's nn.dropout and random_uniform build.
_ELSEWHERE = re.compile(
    r"(/Assert/Assert/data_\d+$|(^|/)dropout(_\d+)?/|(^|/)random_uniform(_\d+)?(/|$))"
)


# The gradient programs' backward graphs come from the ops' gradient functions (Sum's,
# Mul's...), whose helper ops are named differently from TF 2.21's in places; their values
# are compared above.
FORWARD_PROGRAMS = sorted(p for p in programs.PROGRAMS if not p.startswith("gradients_"))


@pytest.mark.parametrize("program", FORWARD_PROGRAMS)
def test_graph_is_tensorflows_node_for_node(program):
    # The names a reader meets in TensorBoard, in TF's order: zero states, the transposes
    # around the loop, the TensorArrays, the loop's frame ops, the cell's ops inside it.
    with tf.Graph().as_default() as graph:
        fetches, _ = programs.PROGRAMS[program](API)
        ours = [op.name for op in graph.get_operations()]
    theirs = [name for name in RECORDED[program]["ops"] if name != "init"]  # the recorder's
    for key, tensor in fetches.items():
        theirs_name = RECORDED[program]["fetches"][key]["name"]
        assert tensor.name == theirs_name or _ELSEWHERE.search(theirs_name), key
    differ = set(ours).symmetric_difference(theirs)
    assert all(_ELSEWHERE.search(name) for name in differ), sorted(differ)
    same = set(ours) & set(theirs)
    assert [n for n in ours if n in same] == [n for n in theirs if n in same]


def test_static_rnn_names_each_step_as_tensorflow():
    with tf.Graph().as_default():
        fetches, _ = programs.static_lstm(API)
    for key, tensor in fetches.items():
        assert tensor.name == RECORDED["static_lstm"]["fetches"][key]["name"], key


@pytest.mark.parametrize("loop", ["static", "dynamic", "dynamic_outputs"])
def test_classifier_trains_to_tensorflows_losses(loop):
    # dynamic: the gradients run TF1's backward while loop over the forward one's stacks;
    # dynamic_outputs: and through the output TensorArray's gradient array.
    key = "training" if loop == "static" else f"training_{loop}"
    recorded = RECORDED[key]
    with tf.Graph().as_default():
        loss, train_op, feeds = programs.classifier(API, loop)
        assert sorted(v.op.name for v in tf.global_variables()) == sorted(recorded["variables"])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                v.load(VALUES[f"{key}|var|{v.op.name}"], sess)
            losses = [
                float(sess.run([loss, train_op], feeds)[0]) for _ in range(programs.TRAIN_STEPS)
            ]
            losses.append(float(sess.run(loss, feeds)))
    # Gradient steps carry each step's rounding into the next: the bound grows with them.
    tolerance = programs.TRAIN_STEPS * TOLERANCE
    np.testing.assert_allclose(losses, recorded["losses"], rtol=tolerance, atol=tolerance)
    assert losses[-1] < losses[0]
