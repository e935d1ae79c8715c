"""tf.image.resize_images / resize_bilinear / resize_nearest_neighbor and the
ResizeBilinearGrad op: against TensorFlow's recorded answers and finite differences."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients
from tests.ops.image_fixtures import check_case


@pytest.mark.parametrize("name", ["resize", "resize_gradient"])
def test_matches_tensorflow(name):
    check_case(name)


def test_bilinear_gradient_matches_finite_differences():
    # The resize computes in float32 (its output dtype), but it is linear in the image:
    # a large step is exact, so float32 rounding does not swamp the differences.
    x = np.random.default_rng(1).standard_normal((1, 3, 4, 2))
    check_gradients(lambda a: tf.image.resize_bilinear(a, [5, 3]), x, eps=0.5, rtol=1e-5, atol=1e-5)


def test_same_size_is_returned_as_it_is():
    x = tf.zeros([4, 4, 3], tf.uint8)
    y = tf.image.resize_images(x, [4, 4])
    assert y.dtype == tf.uint8 and y.op.type == "Squeeze"


def test_names_and_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    y = tf.image.resize_images(x, [14, 14])
    assert y.op.name == "resize/ResizeBilinear" and y.shape.as_list() == [None, 14, 14, 1]
    assert y.op.inputs[1].op.name == "resize/size"
    assert y.op.get_attr("align_corners") is False
    assert y.op.get_attr("half_pixel_centers") is False


def test_errors():
    with pytest.raises(ValueError, match="'images' must have either 3 or 4 dimensions"):
        tf.image.resize_images(tf.zeros([4, 4]), [2, 2])
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 elements"):
        tf.image.resize_images(tf.zeros([4, 4, 1]), [2, 2, 2])


def test_non_positive_size_is_invalid_argument(sess):
    size = tf.placeholder(tf.int32, [2])
    y = tf.image.resize_bilinear(tf.zeros([1, 4, 4, 1]), size)
    with pytest.raises(tf.errors.InvalidArgumentError, match="output dimensions must be positive"):
        sess.run(y, {size: [0, 3]})
