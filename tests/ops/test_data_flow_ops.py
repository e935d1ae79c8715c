"""TF1 queues: ops, shapes, blocking across threads, deadlines, sharing across sessions."""

import threading

import numpy as np
import pytest

import teachflow as tf

JOIN_S = 10.0


def _run_in_thread(sess, fetch, results, started=None):
    def body():
        if started is not None:
            started.set()
        try:
            results.append(sess.run(fetch))
        except tf.errors.OpError as e:
            results.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


def test_graph_ops_names_and_static_shapes():
    q = tf.FIFOQueue(3, [tf.float32, tf.int32], shapes=[[2], []])
    assert q.queue_ref.op.type == "FIFOQueueV2" and q.name == "fifo_queue"
    assert q.enqueue(([1.0, 2.0], 5)).name == "fifo_queue_enqueue"
    assert q.enqueue_many(([[1.0, 2.0]], [6])).type == "QueueEnqueueManyV2"
    d = q.dequeue()
    assert d[0].op.type == "QueueDequeueV2" and d[0].shape.as_list() == [2]
    assert d[1].dtype == tf.int32
    assert [t.shape.as_list() for t in q.dequeue_many(4)] == [[4, 2], [4]]
    assert [t.shape.as_list() for t in q.dequeue_up_to(4)] == [[None, 2], [None]]
    assert q.size().dtype == tf.int32 and q.is_closed().dtype == tf.bool
    assert q.close().name == "fifo_queue_Close"
    with pytest.raises(ValueError, match="incompatible"):
        q.enqueue(([1.0, 2.0, 3.0], 5))


def test_names_give_and_take_dicts(sess):
    q = tf.FIFOQueue(3, [tf.float32, tf.int32], shapes=[[], []], names=["a", "b"])
    with pytest.raises(ValueError, match="dictionary"):
        q.enqueue((1.0, 2))
    with pytest.raises(ValueError, match="do not match names"):
        q.enqueue({"a": 1.0})
    sess.run(q.enqueue({"a": 1.5, "b": 2}))
    out = sess.run(q.dequeue())
    assert out == {"a": np.float32(1.5), "b": np.int32(2)}
    assert isinstance(out["a"], np.float32)


def test_fifo_order_size_dequeue_many_and_up_to(sess):
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    sess.run(q.enqueue_many([[1, 2, 3, 4, 5]]))
    assert sess.run(q.size()) == 5
    assert sess.run(q.dequeue()) == 1
    np.testing.assert_array_equal(sess.run(q.dequeue_many(2)), [2, 3])
    sess.run(q.close())
    assert sess.run(q.is_closed())
    got = sess.run(q.dequeue_up_to(5))
    np.testing.assert_array_equal(got, [4, 5])
    assert got.dtype == np.int32
    with pytest.raises(tf.errors.OutOfRangeError, match=r"requested 5, current size 0"):
        sess.run(q.dequeue_up_to(5))


def test_closed_queue_errors(sess):
    q = tf.FIFOQueue(3, tf.float32)
    sess.run(q.close())
    with pytest.raises(tf.errors.CancelledError, match=r"FIFOQueue '_\d+_fifo_queue' is closed\."):
        sess.run(q.enqueue(1.0))
    with pytest.raises(
        tf.errors.OutOfRangeError,
        match=r"FIFOQueue '_\d+_fifo_queue' is closed and has insufficient elements "
        r"\(requested 1, current size 0\)",
    ):
        sess.run(q.dequeue())


def test_dequeue_many_needs_shapes(sess):
    q = tf.FIFOQueue(3, tf.float32)
    sess.run(q.enqueue(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="require the components"):
        sess.run(q.dequeue_many(1))


def test_runtime_shape_mismatch_is_invalid_argument(sess):
    q = tf.FIFOQueue(3, tf.float32, shapes=[[2]])
    p = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Shape mismatch"):
        sess.run(q.enqueue(p), {p: [1.0, 2.0, 3.0]})


def test_dequeue_blocks_until_another_thread_enqueues():
    q = tf.FIFOQueue(2, tf.float32)
    deq = q.dequeue()
    enq = q.enqueue(7.0)
    with tf.Session() as sess:
        results, started = [], threading.Event()
        t = _run_in_thread(sess, deq, results, started)
        assert started.wait(JOIN_S)
        assert not results  # nothing enqueued yet: the dequeue waits
        sess.run(enq)
        t.join(JOIN_S)
        assert not t.is_alive()
        assert results == [np.float32(7.0)]


def test_enqueue_blocks_on_full_queue_until_dequeue():
    q = tf.FIFOQueue(1, tf.int32)
    enq = q.enqueue(2)
    with tf.Session() as sess:
        sess.run(q.enqueue(1))
        results = []
        t = _run_in_thread(sess, enq, results)
        assert sess.run(q.dequeue()) == 1
        t.join(JOIN_S)
        assert not t.is_alive() and results == [None]
        assert sess.run(q.dequeue()) == 2


def test_close_wakes_blocked_dequeue_with_out_of_range():
    q = tf.FIFOQueue(2, tf.float32)
    with tf.Session() as sess:
        results, started = [], threading.Event()
        t = _run_in_thread(sess, q.dequeue(), results, started)
        assert started.wait(JOIN_S)
        sess.run(q.close())
        t.join(JOIN_S)
        assert not t.is_alive()
        assert isinstance(results[0], tf.errors.OutOfRangeError)


def test_cancel_pending_enqueues():
    q = tf.FIFOQueue(1, tf.float32)
    with tf.Session() as sess:
        sess.run(q.enqueue(1.0))
        results, started = [], threading.Event()
        t = _run_in_thread(sess, q.enqueue(2.0), results, started)
        assert started.wait(JOIN_S)
        sess.run(q.close(cancel_pending_enqueues=True))
        t.join(JOIN_S)
        assert not t.is_alive()
        assert isinstance(results[0], tf.errors.CancelledError)
        assert sess.run(q.dequeue()) == np.float32(1.0)


def test_operation_timeout_on_empty_dequeue_and_full_enqueue():
    q = tf.FIFOQueue(1, tf.float32)
    config = tf.ConfigProto(operation_timeout_in_ms=100)
    with tf.Session(config=config) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(q.dequeue())
        sess.run(q.enqueue(1.0))
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(q.enqueue(2.0))
        assert sess.run(q.size()) == 1


def test_run_options_timeout(sess):
    q = tf.FIFOQueue(1, tf.float32)
    with pytest.raises(tf.errors.DeadlineExceededError):
        sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=50))


def test_each_session_gets_its_own_queue_without_shared_name():
    q = tf.FIFOQueue(3, tf.float32)
    with tf.Session() as s1, tf.Session() as s2:
        s1.run(q.enqueue(1.0))
        assert s1.run(q.size()) == 1
        assert s2.run(q.size()) == 0


def test_random_shuffle_queue_keeps_min_after_dequeue(sess):
    q = tf.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=3)
    assert q.queue_ref.op.type == "RandomShuffleQueueV2"
    sess.run(q.enqueue_many([list(range(5))]))
    got = list(sess.run(q.dequeue_many(3)))
    with pytest.raises(tf.errors.DeadlineExceededError):
        sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=50))
    sess.run(q.close())
    got += list(sess.run(q.dequeue_up_to(5)))
    assert sorted(got) == [0, 1, 2, 3, 4]
    with pytest.raises(tf.errors.OutOfRangeError, match="RandomShuffleQueue"):
        sess.run(q.dequeue())


def test_padding_fifo_queue_pads_unknown_dims(sess):
    q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], []])
    assert q.queue_ref.op.type == "PaddingFIFOQueueV2"
    sess.run(q.enqueue(([1, 2, 3], b"a")))
    sess.run(q.enqueue(([4], b"b")))
    dm = q.dequeue_many(2)
    assert dm[0].shape.as_list() == [2, None]
    ints, strs = sess.run(dm)
    np.testing.assert_array_equal(ints, [[1, 2, 3], [4, 0, 0]])
    assert list(strs) == [b"a", b"b"]
    with pytest.raises(ValueError, match="Shapes must be provided"):
        tf.PaddingFIFOQueue(5, [tf.int32], shapes=None)


def test_priority_queue_smallest_first(sess):
    q = tf.PriorityQueue(5, [tf.string], shapes=[[]])
    assert q.queue_ref.op.type == "PriorityQueueV2"
    sess.run(q.enqueue_many(([3, 1, 2], [b"c", b"a", b"b"])))
    pri, val = sess.run(q.dequeue_many(3))
    np.testing.assert_array_equal(pri, [1, 2, 3])
    assert pri.dtype == np.int64 and list(val) == [b"a", b"b", b"c"]


@pytest.fixture
def server():
    s = tf.train.Server.create_local_server()
    yield s
    s.stop()


def test_shared_queue_between_two_sessions_on_a_server(server):
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        q1 = tf.FIFOQueue(5, tf.float32, shared_name="shared_q")
        enq = q1.enqueue(3.5)
    with g2.as_default():
        q2 = tf.FIFOQueue(5, tf.float32, shared_name="shared_q")
        deq, size = q2.dequeue(), q2.size()
    with tf.Session(server.target, graph=g1) as s1, tf.Session(server.target, graph=g2) as s2:
        s1.run(enq)
        assert s2.run(size) == 1
        assert s2.run(deq) == np.float32(3.5)


def test_blocked_dequeue_on_a_server_is_released_by_another_session(server):
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        enq = tf.FIFOQueue(5, tf.int32, shared_name="handoff").enqueue(42)
    with g2.as_default():
        q2 = tf.FIFOQueue(5, tf.int32, shared_name="handoff")
        deq = q2.dequeue()
    with tf.Session(server.target, graph=g1) as s1, tf.Session(server.target, graph=g2) as s2:
        results, started = [], threading.Event()
        t = _run_in_thread(s2, deq, results, started)
        assert started.wait(JOIN_S)
        s1.run(enq)  # the server still serves s1 while s2's step waits on a pool thread
        t.join(JOIN_S)
        assert not t.is_alive()
        assert results == [np.int32(42)]


def test_operation_timeout_on_a_server(server):
    q = tf.FIFOQueue(1, tf.float32, shared_name="timeout_q")
    config = tf.ConfigProto(operation_timeout_in_ms=100)
    with tf.Session(server.target, config=config) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(q.dequeue())


def test_timeout_with_one_inter_op_thread_runs_inline():
    # With one inter-op thread the blocking kernel runs on the caller's thread: its own
    # wait must still end at the step's deadline.
    q = tf.FIFOQueue(1, tf.float32)
    config = tf.ConfigProto(inter_op_parallelism_threads=1, operation_timeout_in_ms=100)
    with tf.Session(config=config) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out"):
            sess.run(q.dequeue())


def test_enqueue_many_checks_batch_sizes(sess):
    q = tf.FIFOQueue(5, [tf.int32, tf.int32], shapes=[[], []])
    a, b = tf.placeholder(tf.int32), tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch size"):
        sess.run(q.enqueue_many((a, b)), {a: [1, 2], b: [1, 2, 3]})
    assert sess.run(q.size()) == 0
