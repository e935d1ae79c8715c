"""Segment reductions against TensorFlow (tests/fixtures/tensorflow/record_segments.py):
float and int values with empty segments, op types and names, gradients of the sum and mean
forms; and TF's run-time errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/segments/cases.json").read_text()
)


@pytest.mark.parametrize("case", RECORD["cases"], ids=[c["fn"] for c in RECORD["cases"]])
def test_matches_tensorflow(case):
    data = tf.constant(np.asarray(RECORD["data"], np.float32))
    ints = tf.constant(np.asarray(RECORD["data"], np.int32))
    fn = getattr(tf, case["fn"])
    if case["fn"].startswith("unsorted"):
        out, out_int = (fn(d, RECORD["unsorted_ids"], 4) for d in (data, ints))
        weights = RECORD["weights"]["unsorted"]
    else:
        out, out_int = (fn(d, RECORD["sorted_ids"]) for d in (data, ints))
        weights = RECORD["weights"]["sorted"]
    assert (out.op.type, out.name) == (case["type"], case["name"])
    (grad,) = tf.gradients(tf.reduce_sum(out * weights), data)
    with tf.Session() as sess:
        value, value_int = sess.run([out, out_int])
        assert value.tolist() == case["value"] and value_int.tolist() == case["int_value"]
        if case["grad"] is not None:
            assert sess.run(grad).tolist() == case["grad"]
        else:
            assert grad is None  # teachflow has no segment_prod gradient yet


def test_unsorted_segment_sum_static_shape_and_errors():
    out = tf.unsorted_segment_sum(tf.ones([4, 3]), [0, 1, 0, 1], 2)
    assert out.shape.as_list() == [2, 3]
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[1\] = 5 is out"):
            sess.run(tf.unsorted_segment_sum(tf.ones([2]), [0, 5], 2))
        with pytest.raises(tf.errors.InvalidArgumentError, match="segment ids are not increasing"):
            sess.run(tf.segment_sum(tf.ones([3]), [1, 0, 1]))
