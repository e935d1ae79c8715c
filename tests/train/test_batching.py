"""tf.train.batch / shuffle_batch and their _join forms, run by queue-runner threads.

Shapes, names and padding follow TensorFlow (tf.compat.v1), checked with the oracle.
"""

import threading

import numpy as np
import pytest

import teachflow as tf
from tests.train.conftest import run_pipeline

JOIN_S = 10.0


def _drain_pipeline(fetch):
    """Run ``fetch`` in a new session until OutOfRange; no thread is left once it closed."""
    before = set(threading.enumerate())
    out = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while True:
                out.append(sess.run(fetch))
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
            coord.join(threads, stop_grace_period_secs=JOIN_S)
    for t in set(threading.enumerate()) - before:
        t.join(JOIN_S)
        assert not t.is_alive(), t.name
    return out


def test_batch_of_constants_shapes_values_and_names(sess):
    x, y = tf.train.batch([tf.constant(1.5), tf.constant([2, 3])], batch_size=4)
    assert x.shape.as_list() == [4] and y.shape.as_list() == [4, 2]
    assert x.dtype == tf.float32 and y.dtype == tf.int32
    assert x.op.name == "batch" and x.op.type == "QueueDequeueManyV2"
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 1
    (bx, by), _ = run_pipeline(sess, [x, y], 2)
    np.testing.assert_array_equal(bx, np.full([4], 1.5, np.float32))
    np.testing.assert_array_equal(by, np.tile([2, 3], (4, 1)))
    assert by.dtype == np.int32


def test_batch_enqueue_many_keeps_order_and_single_tensor_unwrapped(sess):
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    b = tf.train.batch(tf.constant(data), batch_size=4, enqueue_many=True)
    assert b.shape.as_list() == [4, 2]
    got = run_pipeline(sess, b, 3)
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
    got = run_pipeline(sess, b, 3)
    for g in got:
        assert sorted(g.tolist()) == list(range(10))
        assert g.dtype == np.int64
    assert any(g.tolist() != list(range(10)) for g in got)  # shuffled


def test_dynamic_pad_pads_each_batch_to_its_longest_example(sess):
    length = tf.train.slice_input_producer([tf.constant([1, 3, 2, 2])], shuffle=False)[0]
    seq = tf.range(length)
    assert seq.shape.as_list() == [None]
    b, n = tf.train.batch([seq, length], batch_size=2, dynamic_pad=True)
    assert b.shape.as_list() == [2, None] and n.shape.as_list() == [2]
    queue = tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)[-1].queue
    assert queue.queue_ref.op.type == "PaddingFIFOQueueV2"
    assert queue.queue_ref.op.name == "batch/padding_fifo_queue"
    got = run_pipeline(sess, [b, n], 2)
    np.testing.assert_array_equal(got[0][0], [[0, 0, 0], [0, 1, 2]])
    np.testing.assert_array_equal(got[1][0], [[0, 1], [0, 1]])
    assert got[0][0].dtype == np.int32


def test_dynamic_pad_needs_a_known_rank_and_enqueue_many_shapes():
    with pytest.raises(ValueError, match="Cannot infer Tensor's rank"):
        tf.train.batch([tf.placeholder(tf.float32)], 2, dynamic_pad=True)
    b = tf.train.batch([tf.constant([[1, 2], [3, 4]])], 2, dynamic_pad=True, enqueue_many=True)
    assert b.shape.as_list() == [2, 2]


def test_batch_join_one_enqueue_op_per_list_and_names(sess):
    a, c = tf.constant([1, 2]), tf.constant([3, 4])
    x, y = tf.train.batch_join([[a, tf.constant(1.0)], [c, tf.constant(2.0)]], batch_size=3)
    assert x.shape.as_list() == [3, 2] and y.shape.as_list() == [3]
    assert x.op.name == "batch_join" and x.op.type == "QueueDequeueManyV2"
    (qr,) = tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
    assert qr.name == "batch_join/fifo_queue"
    assert [op.name for op in qr.enqueue_ops] == [
        "batch_join/fifo_queue_enqueue",
        "batch_join/fifo_queue_enqueue_1",
    ]
    (bx, by), *_ = run_pipeline(sess, [x, y], 3)
    for row, label in zip(bx.tolist(), by.tolist()):
        assert (row, label) in (([1, 2], 1.0), ([3, 4], 2.0))  # components stay together


def test_batch_join_errors_and_dicts():
    a, c = tf.constant([1, 2]), tf.constant([3, 4])
    with pytest.raises(ValueError, match="same number of tensors"):
        tf.train.batch_join([[a, tf.constant(1.0)], [c]], batch_size=3)
    with pytest.raises(TypeError, match="Expected types to be consistent: int32 vs. float32."):
        tf.train.batch_join([[a], [tf.constant(1.0)]], batch_size=3)
    with pytest.raises(ValueError, match="same keys"):
        tf.train.batch_join([{"x": a}, {"y": c}], batch_size=3)
    out = tf.train.batch_join([{"x": a}, {"x": c}], batch_size=3)
    assert list(out) == ["x"] and out["x"].shape.as_list() == [3, 2]


def _csv_files(tmp_path, n_files, rows):
    names = []
    for f in range(n_files):
        path = tmp_path / f"part{f}.csv"
        path.write_text("".join(f"{f},{r}\n" for r in range(rows)))
        names.append(str(path))
    return names


def test_batch_join_reads_files_in_parallel_with_one_reader_per_thread(tmp_path):
    files = _csv_files(tmp_path, 3, 4)
    filenames = tf.train.string_input_producer(files, num_epochs=1, shuffle=False)
    examples = []
    for _ in range(2):
        _, line = tf.TextLineReader().read(filenames)
        examples.append(tf.decode_csv(line, [[0], [0]]))
    fid, row = tf.train.batch_join(examples, batch_size=5, allow_smaller_final_batch=True)
    assert fid.shape.as_list() == [None]
    got = _drain_pipeline([fid, row])
    assert [len(b[0]) for b in got] == [5, 5, 2]  # the last batch is what was left
    pairs = sorted((int(f), int(r)) for b in got for f, r in zip(*b))
    assert pairs == [(f, r) for f in range(3) for r in range(4)]


def test_shuffle_batch_join_is_a_permutation_of_the_inputs(sess):
    data = [tf.constant(np.arange(5) + 10 * k) for k in range(2)]
    b = tf.train.shuffle_batch_join(
        [[d] for d in data], 10, capacity=10, min_after_dequeue=0, seed=5, enqueue_many=True
    )
    assert b.shape.as_list() == [10] and b.op.name == "shuffle_batch_join"
    (qr,) = tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
    assert qr.queue.queue_ref.op.type == "RandomShuffleQueueV2" and len(qr.enqueue_ops) == 2
    got = run_pipeline(sess, b, 2)
    for g in got:
        # A full queue of 10 holds two copies of one list or one copy of each: in every
        # case, values from {0..4, 10..14}, each at most twice.
        assert set(g.tolist()) <= set(range(5)) | set(range(10, 15))
        assert max(np.bincount(g)) <= 2


def test_allow_smaller_final_batch_gives_the_rest():
    x = tf.train.slice_input_producer([tf.range(7)], num_epochs=1, shuffle=False)[0]
    b = tf.train.batch([x], batch_size=3, allow_smaller_final_batch=True)
    assert b.shape.as_list() == [None] and b.op.type == "QueueDequeueUpToV2"
    got = _drain_pipeline(b)
    assert [g.tolist() for g in got] == [[0, 1, 2], [3, 4, 5], [6]]
