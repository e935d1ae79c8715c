"""tf.confusion_matrix against TensorFlow (tests/fixtures/tensorflow/record_confusion_matrix.py):
values, names, and the range checks with TF's messages."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/confusion/cases.json").read_text()
)


def test_values_and_names_match_tensorflow():
    c = tf.confusion_matrix([1, 2, 4], [2, 2, 4])
    c2 = tf.confusion_matrix(
        [0, 1, 1], [1, 1, 0], num_classes=3, weights=[0.5, 1.0, 2.0], dtype=tf.float32
    )
    labels = tf.placeholder(tf.int32)
    fed = tf.confusion_matrix(labels, [0, 1], num_classes=3)
    with tf.Session() as sess:
        assert sess.run(c).tolist() == RECORD["plain"]["value"]
        assert sess.run(c2).tolist() == RECORD["weighted"]["value"]
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(fed, {labels: [0, 5]})
    assert RECORD["fed_out_of_bound"] in str(info.value)
    assert (c.name, c.dtype.name) == (RECORD["plain"]["name"], RECORD["plain"]["dtype"])
    assert c2.name == RECORD["weighted"]["name"] and tf.math.confusion_matrix is tf.confusion_matrix


def test_constant_labels_out_of_range_fail_while_building():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.confusion_matrix([0, 3], [0, 1], num_classes=3)
    assert info.value.message == RECORD["static_out_of_bound"]
