"""tf.image colour adjustments: brightness, contrast (AdjustContrastv2), saturation and hue
(AdjustSaturation, AdjustHue), RGB <-> HSV, and their random forms: TensorFlow's recorded
values (random draws included), NumPy formulas and errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_fixtures import check_case


@pytest.mark.parametrize("name", ["adjustments", "colour_spaces"])
def test_matches_tensorflow(name):
    check_case(name)


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


def test_hue_and_saturation_argument_errors():
    with pytest.raises(ValueError, match=r"max_delta must be <= 0.5."):
        tf.image.random_hue(tf.zeros([2, 2, 3]), 0.6)
    with pytest.raises(ValueError, match="upper must be > lower."):
        tf.image.random_saturation(tf.zeros([2, 2, 3]), 1.0, 0.5)
    with pytest.raises(ValueError, match="Dimension must be 3 but is 4"):
        tf.image.rgb_to_hsv(tf.zeros([2, 2, 4]))


def test_hsv_round_trip(sess):
    x = np.random.default_rng(5).uniform(0, 1, (3, 4, 3)).astype(np.float32)
    y = sess.run(tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x)))
    np.testing.assert_allclose(y, x, atol=8 * np.finfo(np.float32).eps)
