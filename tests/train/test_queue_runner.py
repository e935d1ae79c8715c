"""tf.train.QueueRunner: enqueue threads, closing on exhaustion, cancelling on stop."""

import pytest

import teachflow as tf
from teachflow.framework import errors


def _assert_stopped(threads):
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads)


def test_runner_fills_queue_from_a_counter(sess):
    counter = tf.Variable(0, name="counter")
    q = tf.FIFOQueue(3, tf.int32, shapes=[[]])
    qr = tf.train.QueueRunner(q, [q.enqueue(tf.assign_add(counter, 1))])
    sess.run(tf.global_variables_initializer())
    coord = tf.train.Coordinator()
    threads = qr.create_threads(sess, coord=coord, start=True)
    assert len(threads) == 2  # the enqueue thread and the cancel watcher
    got = [sess.run(q.dequeue()) for _ in range(7)]
    assert got == list(range(1, 8))
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=5)
    _assert_stopped(threads)
    assert sess.run(q.is_closed())


def test_runner_closes_queue_when_all_threads_hit_out_of_range(sess):
    src = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    sess.run(src.enqueue_many([[1, 2, 3]]))
    sess.run(src.close())
    dst = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    qr = tf.train.QueueRunner(dst, [dst.enqueue(src.dequeue())] * 2)
    threads = qr.create_threads(sess, start=True)
    _assert_stopped(threads)
    assert sess.run(dst.is_closed())
    assert sorted(sess.run(dst.dequeue_up_to(10)).tolist()) == [1, 2, 3]
    with pytest.raises(errors.OutOfRangeError):
        sess.run(dst.dequeue())
    assert qr.exceptions_raised == []


def test_runner_error_is_recorded_in_the_coordinator(sess):
    q = tf.FIFOQueue(3, tf.float32, shapes=[[]])
    bad = tf.placeholder(tf.float32, [], name="boom")  # never fed: the enqueue fails
    qr = tf.train.QueueRunner(q, [q.enqueue(bad)])
    coord = tf.train.Coordinator()
    threads = qr.create_threads(sess, coord=coord, start=True)
    assert coord.wait_for_stop(10)
    with pytest.raises(errors.InvalidArgumentError, match="boom"):
        coord.join(threads, stop_grace_period_secs=5)
    _assert_stopped(threads)


def test_create_threads_is_not_doubled_for_a_running_session(sess):
    q = tf.FIFOQueue(2, tf.int32, shapes=[[]])
    qr = tf.train.QueueRunner(q, [q.enqueue(1)])
    coord = tf.train.Coordinator()
    threads = qr.create_threads(sess, coord=coord, start=True)
    assert qr.create_threads(sess, coord=coord) == []
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=5)
    _assert_stopped(threads)


def test_start_queue_runners_uses_the_collection_and_default_session():
    q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(2.5)]))
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 1
    with pytest.raises(ValueError, match="No default session"):
        tf.train.start_queue_runners()
    with tf.Session() as s:  # a `with` session is the default one
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(coord=coord)
        assert all(t.daemon for t in threads)
        assert s.run(q.dequeue_many(3)).tolist() == [2.5] * 3
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
    _assert_stopped(threads)


def test_runner_requires_queue_and_ops():
    with pytest.raises(ValueError, match="Must provide queue and enqueue_ops"):
        tf.train.QueueRunner(None, [])


def test_no_thread_left_after_stop_with_producers_blocked_on_a_full_queue():
    # Producers blocked on a full queue wake when the stop closes the queue (cancel op).
    # Each blocked op holds an inter-op pool thread, so the pool must outnumber them.
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    qr = tf.train.QueueRunner(q, [q.enqueue(7)] * 3)
    config = tf.ConfigProto(inter_op_parallelism_threads=8)
    with tf.Session(config=config) as sess:
        coord = tf.train.Coordinator()
        threads = qr.create_threads(sess, coord=coord, daemon=True, start=True)
        assert sess.run(q.dequeue()) == 7
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
        _assert_stopped(threads)
        assert sess.run(q.is_closed())


def test_a_thread_that_blocks_after_the_stop_is_cancelled_too():
    # The runner's thread is held at a gate while the stop (and its cancel op) happens;
    # released afterwards, it blocks in take_grad. The watcher cancels again while the
    # thread runs, so it ends within the grace period instead of at its step deadline.
    gate = tf.FIFOQueue(1, tf.float32, shapes=[[]])
    acc = tf.ConditionalAccumulator(tf.float32, shape=[])
    out = tf.FIFOQueue(1, tf.float32, shapes=[[]])
    with tf.control_dependencies([gate.dequeue()]):
        take = acc.take_grad(1)
    qr = tf.train.QueueRunner(out, [out.enqueue(take)], cancel_op=acc.cancel_take_grads())
    config = tf.ConfigProto(operation_timeout_in_ms=60_000)
    with tf.Session(config=config) as sess:
        coord = tf.train.Coordinator()
        threads = qr.create_threads(sess, coord=coord, daemon=True, start=True)
        coord.request_stop()
        watcher = threads[-1]
        watcher.join(0.2)  # it has run the cancel once and now watches the runner thread
        sess.run(gate.enqueue(1.0))
        coord.join(threads, stop_grace_period_secs=5)
        _assert_stopped(threads)
