"""tf.metrics: streaming values in local variables, compared with TensorFlow's run of the same
graph (tests/fixtures/tensorflow/record_metrics.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests.fixtures.tensorflow.metrics_program import run_metrics

EXPECTED = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow" / "metrics"


def test_every_metric_matches_tensorflow_values_and_names():
    expected = json.loads((EXPECTED / "expected.json").read_text())
    with tf.Graph().as_default():
        got = run_metrics(tf)
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        if isinstance(want, dict):
            for field in ("before", "updated", "after"):
                assert got[key][field] == pytest.approx(want[field], rel=1e-6), (key, field)
            assert got[key]["names"] == want["names"], key
        else:
            assert got[key] == want, key


def test_metric_variables_are_local_and_a_fresh_initializer_starts_over(sess):
    x = tf.placeholder(tf.float32, [None])
    mean, update = tf.metrics.mean(x, metrics_collections=["m"], updates_collections=["u"])
    assert tf.trainable_variables() == [] and tf.global_variables() == []
    assert tf.get_collection("m") == [mean] and tf.get_collection("u") == [update]
    sess.run(tf.local_variables_initializer())
    sess.run(update, {x: [1.0, 2.0]})
    assert sess.run(update, {x: [6.0]}) == 3.0
    sess.run(tf.local_variables_initializer())
    np.testing.assert_allclose(sess.run(update, {x: [5.0, 7.0]}), 6.0)


def test_accuracy_squeezes_labels_of_shape_batch_by_one(sess):
    acc, update = tf.metrics.accuracy(tf.constant([[1], [2]]), tf.constant([1, 0]))
    sess.run(tf.local_variables_initializer())
    assert sess.run(update) == 0.5


def test_uninitialized_metric_says_which_variable(sess):
    _, update = tf.metrics.accuracy([1], [1])
    with pytest.raises(tf.errors.FailedPreconditionError, match="accuracy/(total|count)"):
        sess.run(update)
