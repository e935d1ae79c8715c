"""tf.metrics over curves, classes and tensors (auc, *_at_thresholds, mean_iou, ...),
compared with TensorFlow's run of the same graph
(tests/fixtures/tensorflow/record_curve_metrics.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests.fixtures.tensorflow.curve_metrics_program import run_curve_metrics
from tests.float_tolerance import gamma

EXPECTED = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow" / "metrics"
# The metrics are float32 sums over at most 200 thresholds, in whatever order numpy adds.
RTOL = gamma(200, np.float32)


def test_every_curve_metric_matches_tensorflow_values_and_names():
    expected = json.loads((EXPECTED / "curve_metrics.json").read_text())
    with tf.Graph().as_default():
        got = run_curve_metrics(tf)
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        if not isinstance(want, dict):
            assert got[key] == want, key
            continue
        for field in ("before", "updates", "after"):
            np.testing.assert_allclose(
                np.asarray(got[key][field], np.float64),
                np.asarray(want[field], np.float64),
                rtol=RTOL,
                atol=np.finfo(np.float32).eps,
                err_msg=f"{key} {field}",
            )
        assert got[key]["names"] == want["names"], key


def test_auc_keeps_four_counts_per_threshold_in_collections():
    auc, update = tf.metrics.auc(
        [0, 1], [0.2, 0.9], num_thresholds=5, metrics_collections=["m"], updates_collections=["u"]
    )
    names = sorted(v.op.name for v in tf.local_variables())
    assert names == [
        "auc/false_negatives",
        "auc/false_positives",
        "auc/true_negatives",
        "auc/true_positives",
    ]
    assert all(v.shape.as_list() == [5] for v in tf.local_variables())
    assert tf.trainable_variables() == [] and tf.global_variables() == []
    assert tf.get_collection("m") == [auc] and tf.get_collection("u") == [update]
    assert len(tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)) == 4


def test_auc_refuses_an_unknown_curve_or_summation_method():
    with pytest.raises(ValueError, match="Curve must be either ROC or PR"):
        tf.metrics.auc([0, 1], [0.2, 0.9], curve="DET")
    with pytest.raises(ValueError, match="Invalid summation_method"):
        tf.metrics.auc([0, 1], [0.2, 0.9], summation_method="simpson")


def test_scores_outside_zero_one_fail_the_update(sess):
    scores = tf.placeholder(tf.float32, [None])
    _, update = tf.metrics.auc([0, 1], scores)
    sess.run(tf.local_variables_initializer())
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"predictions must be in \[0, 1\]"):
        sess.run(update, {scores: [0.5, 1.5]})


def test_sensitivity_at_specificity_checks_its_target():
    with pytest.raises(ValueError, match="`specificity` must be in the range"):
        tf.metrics.sensitivity_at_specificity([0, 1], [0.2, 0.9], 1.5)


def test_mean_iou_update_gives_the_confusion_matrix(sess):
    iou, update = tf.metrics.mean_iou([0, 0, 1, 1], [0, 1, 1, 1], num_classes=2)
    assert update.dtype.base_dtype == tf.float64
    sess.run(tf.local_variables_initializer())
    np.testing.assert_array_equal(sess.run(update), [[1.0, 1.0], [0.0, 2.0]])
    # class 0: 1 / (2 + 1 - 1); class 1: 2 / (3 + 2 - 2)
    np.testing.assert_allclose(sess.run(iou), (0.5 + 2 / 3) / 2, rtol=1e-6)
