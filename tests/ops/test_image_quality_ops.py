"""tf.image.total_variation, image_gradients, sobel_edges, psnr and ssim against
TensorFlow's recorded values, graphs and gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_spatial_fixtures import check_case


def test_matches_tensorflow():
    check_case("quality")


def test_identical_images(sess):
    x = np.random.default_rng(0).uniform(size=(1, 12, 12, 3)).astype(np.float32)
    psnr, ssim = sess.run([tf.image.psnr(x, x, 1.0), tf.image.ssim(x, x, 1.0)])
    assert np.isinf(psnr).all()
    np.testing.assert_allclose(ssim, 1.0, rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="must be either 3 or 4-dimensional"):
        tf.image.total_variation(tf.zeros([4, 4]))
    with pytest.raises(ValueError, match="image_gradients expects a 4D tensor"):
        tf.image.image_gradients(tf.zeros([4, 4, 3]))
