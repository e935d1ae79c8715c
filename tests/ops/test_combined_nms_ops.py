"""teachflow/ops/combined_nms_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "combined_nms/..." (q = 1 and q =
num_classes, pad_per_class, clip_boxes, score and IoU thresholds, and many equal scores,
ordered as TF's std::priority_queue and std::sort order them)."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("combined_nms"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize("name", errors("combined_nms"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_outputs_are_named_and_sized_statically():
    out = tf.image.combined_non_max_suppression(
        tf.zeros([2, 5, 1, 4]), tf.zeros([2, 5, 3]), 2, 10, pad_per_class=True
    )
    assert out._fields == ("nmsed_boxes", "nmsed_scores", "nmsed_classes", "valid_detections")
    assert out.nmsed_boxes.shape.as_list() == [2, 6, 4]
    assert out.valid_detections.shape.as_list() == [2]


def test_max_total_size_beyond_int32_is_refused():
    with pytest.raises(TypeError, match="max_total_size"):
        tf.image.combined_non_max_suppression(tf.zeros([1, 3, 1, 4]), tf.zeros([1, 3, 2]), 2, 2**40)


def test_no_box_scores_above_the_threshold(sess):
    out = tf.image.combined_non_max_suppression(
        np.ones([1, 2, 1, 4], np.float32),
        np.zeros([1, 2, 1], np.float32),
        2,
        3,
        score_threshold=0.5,
    )
    r = sess.run(out)
    assert r.valid_detections.tolist() == [0]
    assert not r.nmsed_boxes.any() and not r.nmsed_scores.any()
