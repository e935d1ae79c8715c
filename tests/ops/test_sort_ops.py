"""tf.sort and tf.argsort against TensorFlow (tests/fixtures/tensorflow/record_sort.py)."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/sort/cases.json").read_text()
)


def test_sort_and_argsort_match_tensorflow():
    x = tf.constant(RECORD["values"])
    outs = [getattr(tf, c["fn"])(x, **c["kwargs"]) for c in RECORD["cases"]]
    with tf.Session() as sess:
        values = sess.run(outs)
    for case, out, value in zip(RECORD["cases"], outs, values):
        assert out.name == case["name"] and value.tolist() == case["value"], case


def test_sort_checks_its_arguments():
    with pytest.raises(ValueError, match="should be one of ASCENDING, DESCENDING"):
        tf.sort([1, 2], direction="UP")
    with pytest.raises(ValueError, match="axis must be a constant scalar"):
        tf.sort([1, 2], axis=tf.placeholder(tf.int32))
