"""Three TF1 runtime behaviours, against what TensorFlow did
(tests/fixtures/tensorflow/record_semantics.py): a variable's read sees the assignment its
consumer waited for (Assign writes in place); closing a closed queue is a CancelledError;
an untraced run's RunMetadata has empty step stats."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/semantics/cases.json").read_text()
)


def test_a_read_under_control_dependencies_sees_the_assignment():
    v = tf.Variable(1.0)
    with tf.control_dependencies([v.assign(5.0)]):
        y = v + 1.0
    w = tf.Variable([1.0, 2.0])
    with tf.control_dependencies([w.assign_add([1.0, 1.0])]):
        z = w * 2.0
    u = tf.Variable(10.0)
    with tf.control_dependencies([u.assign_sub(3.0)]):
        r = tf.identity(u)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert float(sess.run(y)) == RECORD["assign_then_read"]
        assert sess.run(z).tolist() == RECORD["assign_add_then_read"]
        assert float(sess.run(r)) == RECORD["assign_sub_then_identity"]


def test_a_read_under_control_dependencies_sees_the_optimizers_update():
    g = tf.Variable(1.0)
    train_op = tf.train.AdamOptimizer(0.1).minimize(g * g)
    with tf.control_dependencies([train_op]):
        g_after_step = g + 0.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = [float(sess.run(g_after_step)), float(sess.run(g))]
    assert got == pytest.approx(
        RECORD["train_step_then_read"], rel=4 * float(np.finfo(np.float32).eps)
    )


def test_fetched_values_and_queued_elements_do_not_change_with_later_assignments():
    w = tf.Variable([1.0, 2.0])
    q = tf.FIFOQueue(3, tf.float32, shapes=[[2]])
    enqueue = q.enqueue(w.assign_add([1.0, 1.0]))
    with tf.Session() as sess:
        sess.run(w.initializer)
        before = sess.run(w)
        sess.run(enqueue)
        sess.run(enqueue)
        # teachflow's queue holds copies (TF's would alias the buffer: 3, 3 for both).
        np.testing.assert_array_equal(sess.run(q.dequeue_many(2)), [[2.0, 3.0], [3.0, 4.0]])
        np.testing.assert_array_equal(before, [1.0, 2.0])
        before.fill(0.0)  # a fetched array is the caller's own
        np.testing.assert_array_equal(sess.run(w), [3.0, 4.0])


def test_assign_of_another_shape_replaces_the_buffer():
    v = tf.Variable([1.0, 2.0], validate_shape=False)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(tf.assign(v, [1.0, 2.0, 3.0], validate_shape=False))
        assert sess.run(v).tolist() == [1.0, 2.0, 3.0]


def test_closing_a_closed_queue_is_cancelled():
    q = tf.FIFOQueue(3, tf.float32)
    close, cancel = q.close(), q.close(cancel_pending_enqueues=True)
    expected = RECORD["close_twice"]
    with tf.Session() as sess:
        sess.run(close)
        with pytest.raises(getattr(tf.errors, expected["error"])) as info:
            sess.run(close)
        message = str(info.value)
        assert all(words in message for words in expected["words"]) and q.name in message
        assert RECORD["cancel_after_close"] is None
        sess.run(cancel)  # cancelling pending enqueues after a close is fine, as in TF


def test_untraced_run_metadata_has_empty_step_stats():
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(tf.constant(1.0) + 1.0, run_metadata=md)
    assert md.HasField("step_stats") is RECORD["untraced_has_step_stats"]
    assert len(md.step_stats.dev_stats) == RECORD["untraced_dev_stats"]
