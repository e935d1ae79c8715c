"""teachflow/ops/gamma_correction_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "adjust_gamma/..."."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("adjust_gamma"))
def test_graph_and_values_are_tensorflows(name):
    # The int32 image's float32 power differs from Eigen's by one float32 rounding, which
    # the conversion back to int32 (x 2**31) turns into up to 2 units.
    run_program(name, int_atol={2: 2} if name.endswith("uint8_and_int") else None)


@pytest.mark.parametrize("name", errors("adjust_gamma"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_gamma_one_gain_one_is_the_identity(sess):
    x = np.random.RandomState(2).rand(3, 4, 3).astype(np.float32)
    np.testing.assert_array_equal(sess.run(tf.image.adjust_gamma(x)), x)
