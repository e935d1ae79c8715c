"""tf.extract_image_patches against TensorFlow's recorded values, graph and gradient."""

import pytest

import teachflow as tf
from tests.ops.image_spatial_fixtures import check_case


def test_matches_tensorflow():
    check_case("patches")


def test_a_window_larger_than_the_image():
    with pytest.raises(ValueError, match="Computed output size would be negative: -1"):
        tf.extract_image_patches(tf.zeros([1, 5, 6, 1]), [1, 7, 2, 1], [1] * 4, [1] * 4, "VALID")


def test_windows_across_batch_or_depth_are_unimplemented(sess):
    y = tf.extract_image_patches(tf.zeros([1, 5, 6, 1]), [2, 2, 2, 1], [1] * 4, [1] * 4, "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match="Only support ksizes across space"):
        sess.run(y)
