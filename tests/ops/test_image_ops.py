"""tf.image: per_image_standardization, convert_image_dtype, flips (random ones with TF's
draws), central_crop and grayscale conversions against TensorFlow's recorded answers,
plus their errors."""

import re

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_fixtures import check_case


@pytest.mark.parametrize(
    "name", ["standardize_and_convert", "geometry_and_color", "random_flips", "crops_and_pads"]
)
def test_matches_tensorflow(name):
    check_case(name)


def test_standardization_of_a_flat_image_stays_finite(sess):
    y = sess.run(tf.image.per_image_standardization(np.ones((2, 2, 1), np.float32)))
    np.testing.assert_array_equal(y, np.zeros((2, 2, 1)))


def test_convert_to_the_same_dtype_is_identity():
    x = tf.zeros([2, 2, 3])
    assert tf.image.convert_image_dtype(x, tf.float32).op.type == "Identity"


def test_errors():
    with pytest.raises(ValueError, match="central_fraction must be within"):
        tf.image.central_crop(tf.zeros([4, 4, 3]), 0.0)
    with pytest.raises(ValueError, match="must be at least three-dimensional"):
        tf.image.flip_left_right(tf.zeros([4, 4]))
    with pytest.raises(ValueError, match="Last dimension of a grayscale image should be size 1"):
        tf.image.grayscale_to_rgb(tf.zeros([4, 4, 3]))


@pytest.mark.parametrize(
    "args, message",
    [
        ((3, 2, 3, 4), "height must be >= target + offset."),
        ((0, 4, 3, 4), "width must be >= target + offset."),
        ((-1, 0, 3, 4), "offset_height must be >= 0."),
        ((0, 0, 0, 4), "target_height must be > 0."),
    ],
)
def test_crop_errors(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        tf.image.crop_to_bounding_box(tf.zeros([5, 7, 3]), *args)


def test_pad_errors():
    with pytest.raises(ValueError, match="width must be <= target - offset"):
        tf.image.pad_to_bounding_box(tf.zeros([5, 7, 3]), 3, 2, 8, 8)
    with pytest.raises(ValueError, match="height must be <= target - offset"):
        tf.image.pad_to_bounding_box(tf.zeros([5, 7, 3]), 3, 0, 6, 8)
