"""tf.image.rot90 and transpose_image against TensorFlow's recorded values."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_spatial_fixtures import check_case


def test_matches_tensorflow():
    check_case("rotations")


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, -1, 5])
def test_python_and_tensor_k_agree_with_numpy(sess, k):
    x = np.arange(2 * 3 * 4 * 1).reshape(2, 3, 4, 1)
    want = np.rot90(x, k, axes=(1, 2))
    np.testing.assert_array_equal(sess.run(tf.image.rot90(x, k)), want)
    np.testing.assert_array_equal(sess.run(tf.image.rot90(x, tf.constant(k))), want)


def test_rank_errors():
    with pytest.raises(ValueError, match="must have either 3 or 4 dimensions"):
        tf.image.transpose_image(tf.zeros([1, 2, 3, 4, 5]))
