"""teachflow/ops/colorspace_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "colorspace/..." (YIQ and YUV, their
unscoped Tensordot graphs, the gradient)."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("colorspace"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize("name", errors("colorspace"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_round_trips_to_float32_rounding(sess):
    rgb = np.random.RandomState(0).rand(5, 7, 3).astype(np.float32)
    yiq, yuv = tf.image.rgb_to_yiq(rgb), tf.image.rgb_to_yuv(rgb)
    back = sess.run([tf.image.yiq_to_rgb(yiq), tf.image.yuv_to_rgb(yuv)])
    for got in back:
        np.testing.assert_allclose(got, rgb, atol=1e-4)


def test_luma_is_rgb_to_grayscales(sess):
    rgb = np.random.RandomState(1).rand(4, 3).astype(np.float32)
    y = sess.run(tf.image.rgb_to_yuv(rgb))[:, 0]
    np.testing.assert_allclose(y, rgb @ np.array([0.299, 0.587, 0.114], np.float32), rtol=1e-6)
