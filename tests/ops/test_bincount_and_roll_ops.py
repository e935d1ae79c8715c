"""bincount, roll and accumulate_n against TensorFlow
(tests/fixtures/tensorflow/record_counting.py)."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/counting/cases.json").read_text()
)


def test_match_tensorflow():
    outs = {
        "bincount": tf.bincount(tf.constant([1, 1, 3, 0])),
        "bincount_weighted": tf.bincount(
            tf.constant([1, 1, 3]), weights=tf.constant([0.5, 1.0, 2.0]), minlength=6
        ),
        "bincount_max": tf.bincount(tf.constant([1, 5, 2, 2]), maxlength=3),
        "bincount_empty": tf.bincount(tf.constant([], tf.int32), minlength=2),
        "roll": tf.roll([[1, 2, 3], [4, 5, 6]], shift=1, axis=1),
        "roll_two_axes": tf.roll([[1, 2, 3], [4, 5, 6]], shift=[1, -1], axis=[0, 1]),
        "accumulate_n": tf.accumulate_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]),
    }
    x = tf.constant([1.0, 2.0, 3.0])
    (g,) = tf.gradients(tf.reduce_sum(tf.roll(x, 1, 0) * [1.0, 2.0, 3.0]), x)
    with tf.Session() as sess:
        for key, t in outs.items():
            expected = RECORD[key]
            assert sess.run(t).tolist() == expected["value"], key
            assert (t.name, t.dtype.name) == (expected["name"], expected["dtype"]), key
        assert sess.run(g).tolist() == RECORD["roll_grad"]


def test_errors():
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="must be non-negative"):
            sess.run(tf.bincount(tf.constant([1, -1])))
        with pytest.raises(tf.errors.InvalidArgumentError, match="the same size"):
            sess.run(tf.roll([1, 2], shift=[1, 1], axis=0))
