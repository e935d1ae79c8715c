"""The input producers (string/range/slice_input_producer, num_epochs), run by queue runners."""

import pytest

import teachflow as tf
from teachflow.framework import errors
from tests.train.conftest import run_pipeline


def test_string_input_producer_cycles_filenames(sess):
    q = tf.train.string_input_producer(["a", "b", "c"], shuffle=False)
    name = q.dequeue()
    assert q.name == "input_producer" and name.dtype == tf.string
    got = run_pipeline(sess, name, 7)
    assert got == [b"a", b"b", b"c", b"a", b"b", b"c", b"a"]


def test_string_input_producer_shuffles_each_epoch(sess):
    files = [f"f{i}".encode() for i in range(5)]
    q = tf.train.string_input_producer(files, seed=1)
    got = run_pipeline(sess, q.dequeue(), 10)
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
    got = run_pipeline(sess, [q.dequeue(), xs, ys], 5)
    assert [g[0] for g in got] == [0, 1, 2, 3, 0]
    assert [(int(g[1]), float(g[2])) for g in got] == [
        (10, 1.0),
        (20, 2.0),
        (30, 3.0),
        (10, 1.0),
        (20, 2.0),
    ]


def test_match_filenames_once_lists_files_at_local_init(sess, tmp_path):
    for name in ("b.csv", "a.csv", "c.txt"):
        (tmp_path / name).write_text("1\n")
    files = tf.train.match_filenames_once(str(tmp_path / "*.csv"))
    assert files.op.name == "matching_filenames" and files in tf.local_variables()
    sess.run(tf.local_variables_initializer())
    assert [f.rsplit(b"/", 1)[-1] for f in sess.run(files)] == [b"a.csv", b"b.csv"]
