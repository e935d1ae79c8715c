"""While loops in the executor (teachflow/runtime/control_flow_frames.py): a loop frame runs
as one plan step, one iteration after another, with the executor's deadness inside."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime import control_flow_frames


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


def test_a_loop_is_one_step_of_the_plan_and_its_trace_lists_each_iteration(graph):
    n = tf.placeholder(tf.int32, [], name="n")
    i, total = tf.while_loop(
        lambda i, t: i < n, lambda i, t: (i + 1, t + i), [tf.constant(0), tf.constant(0)]
    )
    out = total * 2
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    with tf.Session() as sess:
        assert sess.run([i, out], {n: 5}, options=options, run_metadata=md) == [5, 20]
        assert sess.run([i, out], {n: 0}) == [0, 0]
        plan = next(iter(sess._cache.values()))[2]
    frames = [op for op in plan.ops if isinstance(op, control_flow_frames.LoopFrame)]
    assert [f.name for f in frames] == ["while/while_context"]
    assert [t.name for t in frames[0]._outputs] == ["while/Exit:0", "while/Exit_1:0"]
    runs = [n.node_name for ds in md.step_stats.dev_stats for n in ds.node_stats]
    assert "while/while_context" in runs and "mul" in runs
    # Each op of each iteration that ran, as TF's step stats list them: the body ran five
    # times, the condition six, each Exit once (at the end).
    assert runs.count("while/add") == 5 and runs.count("while/Less") == 6
    assert runs.count("while/Exit") == 1 and runs.count("while/Exit_1") == 1


def test_loop_body_side_effects_run_once_per_iteration(graph):
    v = tf.Variable(0, name="v")

    def body(i):
        with tf.control_dependencies([tf.assign_add(v, i)]):
            return i + 1

    r = tf.while_loop(lambda i: i < 4, body, [tf.constant(0)])
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(r) == 4
        assert sess.run(v) == 0 + 1 + 2 + 3


def test_an_error_inside_the_loop_names_the_inner_op(graph):
    def body(i):
        check = tf.Assert(i < 2, [i], name="small")
        with tf.control_dependencies([check]):
            return i + 1

    r = tf.while_loop(lambda i: i < 5, body, [tf.constant(0)])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(r)
    assert "assertion failed: [2]" in info.value.message
    assert "while/small" in info.value.message


def test_a_loop_that_never_ends_stops_at_the_step_deadline(graph):
    r = tf.while_loop(lambda i: i >= 0, lambda i: i + 1, [tf.constant(0)])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(r, options=tf.RunOptions(timeout_in_ms=300))


def test_nested_loops_and_a_loop_in_a_cond_branch(graph):
    p = tf.placeholder(tf.bool, [], name="p")

    def outer_body(i, acc):
        _, a = tf.while_loop(lambda j, a: j < i, lambda j, a: (j + 1, a + j), [0, acc])
        return i + 1, a

    nested = tf.while_loop(lambda i, acc: i < 5, outer_body, [0, 0])[1]
    in_cond = tf.cond(p, lambda: tf.while_loop(lambda x: x < 50, lambda x: x * 3, [1]), lambda: -1)
    with tf.Session() as sess:
        assert sess.run(nested) == sum(j for i in range(5) for j in range(i))
        assert sess.run(in_cond, {p: True}) == 81
        assert sess.run(in_cond, {p: False}) == -1


def test_a_loops_gradient_is_a_second_frame_reading_the_first(graph):
    x = tf.constant(2.0)
    r = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, [x])
    (g,) = tf.gradients(r, x)
    frame, parent = control_flow_frames.frame_of_ops(set(graph.get_operations()))
    # The backward loop reads the forward loop's iteration count (an Exit) and is a
    # top-level frame of its own, run after the forward one.
    assert parent["gradients/while/while_context"] == ""
    with tf.Session() as sess:
        assert sess.run([r, g]) == [16.0, 8.0]


def test_map_fn_over_a_fed_batch(graph):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    norms = tf.map_fn(lambda row: tf.reduce_sum(row * row), x)
    batch = np.arange(12, dtype=np.float32).reshape(4, 3)
    with tf.Session() as sess:
        got = sess.run(norms, {x: batch})
    np.testing.assert_array_equal(got, (batch * batch).sum(axis=1))
