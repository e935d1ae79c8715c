"""Dead tensors in the executor (teachflow/runtime/control_flow.py): TF's rules, checked on
small Switch/Merge graphs and on random nests of tf.cond against plain Python."""

import random

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.control_flow_primitives import control_trigger, merge, switch


def _ran(sess, fetch, feed=None):
    """(value, names of the ops that ran) for one traced step."""
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    value = sess.run(fetch, feed, options=options, run_metadata=md)
    return value, {n.node_name for ds in md.step_stats.dev_stats for n in ds.node_stats}


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


def test_switch_forwards_to_one_output_and_the_other_is_dead(graph):
    p = tf.placeholder(tf.bool, [], name="p")
    f, t = switch(tf.constant(2.0), p, name="sw")
    y = tf.add(t, 1.0, name="y")
    with tf.Session() as sess:
        assert sess.run(y, {p: True}) == 3.0
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Retval\[0\] does not have"):
            sess.run(y, {p: False})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Retval\[1\] does not have"):
            sess.run([f, t], {p: False})
        # The dead op did not run: the trace has the Switch but not y.
        _, ran = _ran(sess, f, {p: False})
        assert "sw" in ran and "y" not in ran


def test_dead_control_input_kills_an_op_and_a_switch_control_edge_does_not(graph):
    p = tf.placeholder(tf.bool, [], name="p")
    f, t = switch(tf.constant(2.0), p)
    dead_when_false = tf.identity(t, name="on_true")
    with tf.control_dependencies([dead_when_false]):
        after_branch = tf.constant(5.0, name="after_branch")
    with tf.control_dependencies([f.op]):  # the Switch itself ran: its edge is live
        after_switch = tf.constant(7.0, name="after_switch")
    with tf.Session() as sess:
        assert sess.run(after_branch, {p: True}) == 5.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not have value"):
            sess.run(after_branch, {p: False})
        assert sess.run(after_switch, {p: False}) == 7.0


def test_control_trigger_runs_after_dead_inputs(graph):
    p = tf.placeholder(tf.bool, [], name="p")
    _, t = switch(tf.constant(2.0), p)
    with tf.control_dependencies([tf.identity(t).op]):
        trigger = control_trigger(name="trigger")
    with tf.control_dependencies([trigger]):
        out = tf.constant(1.0, name="out")
    with tf.Session() as sess:
        value, ran = _ran(sess, out, {p: False})
    assert value == 1.0 and "trigger" in ran


def test_merge_takes_the_live_input_and_is_dead_only_when_all_are(graph):
    p = tf.placeholder(tf.bool, [], name="p")
    q = tf.placeholder(tf.bool, [], name="q")
    f, t = switch(tf.constant(3.0), p)
    m = merge([f * 10.0, t + 1.0], name="m")
    _, tq = switch(tf.constant(4.0), q)
    both_dead = merge([tf.identity(t), tf.identity(tq)], name="both")
    with tf.Session() as sess:
        assert sess.run(list(m), {p: True}) == [4.0, 1]
        assert sess.run(list(m), {p: False}) == [30.0, 0]
        assert sess.run(both_dead.output, {p: False, q: True}) == 4.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not have value"):
            sess.run(both_dead.output, {p: False, q: False})


def test_switch_pred_must_be_a_scalar(graph):
    p = tf.placeholder(tf.bool, None, name="p")
    f, _ = switch(tf.constant(1.0), p, name="sw")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(f, {p: [True, False]})
    assert "The second input must be a scalar, but it has shape [2]" in info.value.message
    assert "sw" in info.value.message


def test_plans_with_control_flow_take_the_reference_loop_with_threads(graph):
    """Two expensive branches (MatMuls) on a session with inter-op threads: the reference
    loop hands them off, and deadness still holds."""
    x = tf.placeholder(tf.float32, [64, 64], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: tf.matmul(x, x), lambda: tf.matmul(x, x, transpose_a=True))
    z = tf.matmul(x, x) + y
    a = np.arange(64 * 64, dtype=np.float32).reshape(64, 64) / 4096.0
    config = tf.ConfigProto(inter_op_parallelism_threads=4)
    with tf.Session(config=config) as sess:
        got_t, got_f = sess.run(z, {x: a, p: True}), sess.run(z, {x: a, p: False})
    eps = np.finfo(np.float32).eps * np.sqrt(64) * 64
    np.testing.assert_allclose(got_t, a @ a + a @ a, rtol=eps)
    np.testing.assert_allclose(got_f, a @ a + a.T @ a, rtol=eps)


def _random_cond(rng, x, depth):
    """A random nest of tf.cond over placeholder x: (build, value, derivative), the last
    two plain Python. Inner branches capture x first as often as outer ones do."""
    if depth == 0 or rng.random() < 0.25:
        c = rng.choice([1.0, 2.0, -3.0, 0.5])
        op = rng.choice(["add", "mul", "sub"])
        fns = {
            "add": (lambda v: v + c, lambda v: 1.0),
            "mul": (lambda v: v * c, lambda v: c),
            "sub": (lambda v: c - v, lambda v: -1.0),
        }
        py, dpy = fns[op]
        return (lambda: py(x)), py, dpy
    threshold = rng.choice([-2.0, 0.0, 1.5])
    tf_t, py_t, d_t = _random_cond(rng, x, depth - 1)
    tf_f, py_f, d_f = _random_cond(rng, x, depth - 1)

    def build():
        return tf.cond(x > threshold, tf_t, tf_f)

    return (
        build,
        lambda v: py_t(v) if v > threshold else py_f(v),
        lambda v: d_t(v) if v > threshold else d_f(v),
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_nested_conds_and_their_gradients_match_python(seed):
    rng = random.Random(seed)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [], name="x")
        build, py, dpy = _random_cond(rng, x, depth=3)
        y = build()
        (g,) = tf.gradients(y, x)
        with tf.Session() as sess:
            for v in (-3.0, -1.0, 0.0, 1.0, 2.0):
                got_y, got_g = sess.run([y, g], {x: v})
                assert got_y == np.float32(py(np.float32(v)))
                assert got_g == np.float32(dpy(np.float32(v)))
