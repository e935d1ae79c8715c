"""tf.image.adjust_brightness / adjust_contrast (AdjustContrastv2) and their random forms:
TensorFlow's recorded values (random draws included), NumPy formulas and errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_fixtures import check_case


def test_matches_tensorflow():
    check_case("adjustments")


def test_contrast_formula(sess):
    x = np.random.default_rng(2).uniform(0, 1, (2, 3, 4, 3)).astype(np.float32)
    y = tf.image.adjust_contrast(x, 1.7)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(sess.run(y), (x - mean) * 1.7 + mean, rtol=1e-5, atol=1e-6)
    assert y.op.inputs[0].op.type == "AdjustContrastv2"


def test_integer_images_saturate(sess):
    x = np.array([[[250, 128, 5]]], np.uint8)
    # 5 / 255 + 0.5 = 0.5196 -> 0.5196 * 255.5 = 132.7, truncated.
    np.testing.assert_array_equal(sess.run(tf.image.adjust_brightness(x, 0.5)), [[[255, 255, 132]]])
    np.testing.assert_array_equal(sess.run(tf.image.adjust_brightness(x, -1.0)), [[[0] * 3]])


def test_random_argument_errors():
    with pytest.raises(ValueError, match="max_delta must be non-negative."):
        tf.image.random_brightness(tf.zeros([2, 2, 3]), -0.1)
    with pytest.raises(ValueError, match="upper must be > lower."):
        tf.image.random_contrast(tf.zeros([2, 2, 3]), 0.5, 0.5)
    with pytest.raises(ValueError, match="lower must be non-negative."):
        tf.image.random_contrast(tf.zeros([2, 2, 3]), -0.5, 0.5)
