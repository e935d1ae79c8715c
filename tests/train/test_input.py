"""tf.train.batch / shuffle_batch and the input producers, run by queue-runner threads."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors


def _run_pipeline(sess, fetch, n):
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    try:
        return [sess.run(fetch) for _ in range(n)]
    finally:
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
        for t in threads:
            t.join(5)
        assert not any(t.is_alive() for t in threads)


def test_batch_of_constants_shapes_values_and_names(sess):
    x, y = tf.train.batch([tf.constant(1.5), tf.constant([2, 3])], batch_size=4)
    assert x.shape.as_list() == [4] and y.shape.as_list() == [4, 2]
    assert x.dtype == tf.float32 and y.dtype == tf.int32
    assert x.op.name == "batch" and x.op.type == "QueueDequeueManyV2"
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 1
    (bx, by), _ = _run_pipeline(sess, [x, y], 2)
    np.testing.assert_array_equal(bx, np.full([4], 1.5, np.float32))
    np.testing.assert_array_equal(by, np.tile([2, 3], (4, 1)))
    assert by.dtype == np.int32


def test_batch_enqueue_many_keeps_order_and_single_tensor_unwrapped(sess):
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    b = tf.train.batch(tf.constant(data), batch_size=4, enqueue_many=True)
    assert b.shape.as_list() == [4, 2]
    got = _run_pipeline(sess, b, 3)
    flat = np.concatenate(got)
    np.testing.assert_array_equal(flat, np.concatenate([data, data])[:12])


def test_batch_dict_one_element_list_and_smaller_final_batch():
    out = tf.train.batch({"a": tf.constant(1), "b": tf.constant(2.0)}, 3)
    assert sorted(out) == ["a", "b"] and out["a"].shape.as_list() == [3]
    with tf.Graph().as_default():
        x = tf.train.batch([tf.constant(1)], 3, allow_smaller_final_batch=True)
        # A one-element list gives the tensor itself, as TF does.
        assert x.shape.as_list() == [None] and x.op.type == "QueueDequeueUpToV2"


def test_batch_needs_fully_defined_shapes():
    p = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="All shapes must be fully defined"):
        tf.train.batch([p], 2)
    b = tf.train.batch([p], 2, shapes=[[3]])
    assert b.shape.as_list() == [2, 3]


def test_shuffle_batch_with_seed_is_a_permutation(sess):
    data = np.arange(10, dtype=np.int64)
    tf.set_random_seed(3)
    # capacity == batch_size: a full queue is exactly one copy of the input (the runner
    # only adds the next copy once a dequeue_many took all of it), whatever the timing.
    b = tf.train.shuffle_batch(
        [tf.constant(data)], 10, capacity=10, min_after_dequeue=0, seed=7, enqueue_many=True
    )
    assert b.shape.as_list() == [10] and b.op.name == "shuffle_batch"
    got = _run_pipeline(sess, b, 3)
    for g in got:
        assert sorted(g.tolist()) == list(range(10))
        assert g.dtype == np.int64
    assert any(g.tolist() != list(range(10)) for g in got)  # shuffled


def test_string_input_producer_cycles_filenames(sess):
    q = tf.train.string_input_producer(["a", "b", "c"], shuffle=False)
    name = q.dequeue()
    assert q.name == "input_producer" and name.dtype == tf.string
    got = _run_pipeline(sess, name, 7)
    assert got == [b"a", b"b", b"c", b"a", b"b", b"c", b"a"]


def test_string_input_producer_shuffles_each_epoch(sess):
    files = [f"f{i}".encode() for i in range(5)]
    q = tf.train.string_input_producer(files, seed=1)
    got = _run_pipeline(sess, q.dequeue(), 10)
    assert sorted(got[:5]) == files and sorted(got[5:]) == files


def test_num_epochs_ends_with_out_of_range(sess):
    q = tf.train.string_input_producer(["x", "y"], num_epochs=2, shuffle=False)
    name = q.dequeue()
    assert len(tf.local_variables()) == 1
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    got = []
    with pytest.raises(errors.OutOfRangeError):
        while True:
            got.append(sess.run(name))
    assert got == [b"x", b"y", b"x", b"y"]
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=5)
    assert not any(t.is_alive() for t in threads)


def test_string_input_producer_rejects_empty_and_bad_epochs():
    with pytest.raises(ValueError, match="non-null input tensor"):
        tf.train.string_input_producer(tf.constant([], dtype=tf.string))
    with pytest.raises(ValueError, match="num_epochs must be > 0"):
        tf.train.string_input_producer(["a"], num_epochs=0)


def test_range_and_slice_input_producers(sess):
    q = tf.train.range_input_producer(4, shuffle=False)
    assert q.dequeue().dtype == tf.int32
    xs, ys = tf.train.slice_input_producer(
        [tf.constant([10, 20, 30]), tf.constant([1.0, 2.0, 3.0])], shuffle=False
    )
    got = _run_pipeline(sess, [q.dequeue(), xs, ys], 5)
    assert [g[0] for g in got] == [0, 1, 2, 3, 0]
    assert [(int(g[1]), float(g[2])) for g in got] == [
        (10, 1.0),
        (20, 2.0),
        (30, 3.0),
        (10, 1.0),
        (20, 2.0),
    ]
