"""dynamic_partition and dynamic_stitch against TensorFlow
(tests/fixtures/tensorflow/record_partition.py)."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/partition/cases.json").read_text()
)
DATA = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
STITCH_DATA = [[[1.0, 1.0], [2.0, 2.0]], [[3.0, 3.0]], [[4.0, 4.0], [5.0, 5.0]]]


def test_partition_and_stitch_match_tensorflow():
    d = tf.constant(DATA)
    parts = tf.dynamic_partition(d, [0, 2, 0, 1], 3)
    pieces = [tf.constant(x) for x in STITCH_DATA]
    st = tf.dynamic_stitch([[0, 2], [1], [3, 3]], pieces)
    loss_p = tf.reduce_sum(parts[0] * [[1.0, 2.0], [3.0, 4.0]]) + tf.reduce_sum(parts[2] * 5.0)
    loss_s = tf.reduce_sum(st * DATA)
    (gp,) = tf.gradients(loss_p, d)
    gs = tf.gradients(loss_s, pieces)
    with tf.Session() as sess:
        assert [p.tolist() for p in sess.run(parts)] == RECORD["partitions"]
        assert sess.run(st).tolist() == RECORD["stitched"]
        assert sess.run(gp).tolist() == RECORD["partition_grad"]
        assert [g.tolist() for g in sess.run(gs)] == RECORD["stitch_grads"]
    assert [p.name for p in parts] == RECORD["partition_names"]
    assert parts[0].shape.as_list() == RECORD["partition_shape"]
    assert (st.name, st.shape.as_list()) == (RECORD["stitch_name"], RECORD["stitch_shape"])


def test_partitions_out_of_range_fail_with_tensorflows_words():
    parts = tf.dynamic_partition(tf.constant(DATA), [0, 5, 0, 1], 3)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(parts)
    assert RECORD["out_of_range"] in str(info.value)
