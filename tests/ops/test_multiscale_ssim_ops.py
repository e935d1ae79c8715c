"""teachflow/ops/multiscale_ssim_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "ssim_multiscale/..." (odd sizes
that need the symmetric pad, a broadcast batch, uint8 images with the default five
scales, the gradient)."""

import pytest

from tests.ops.image_names_programs import errors, programs, run_error, run_program

# Known graph differences, values equal: tf.nn.depthwise_conv2d adds "depthwise/Shape" and
# "depthwise/dilation_rate" (its space-to-batch wrapper), which teachflow's does not; and
# TF's C++ shape inference folds the tiled filter's depth, so the shape of each filtered
# image is a Const there and a Shape op here.
KNOWN = (r"/depthwise(_\d+)?/(Shape|dilation_rate):", r"/Scale\d+/Shape_\d+:")


@pytest.mark.parametrize("name", programs("ssim_multiscale"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name, unlike=KNOWN)


@pytest.mark.parametrize("name", errors("ssim_multiscale"))
def test_errors_are_tensorflows(name):
    run_error(name)
