"""teachflow/ops/resize_with_pad_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "resize_with_pad/..." (all four
resize methods, 3-D and 4-D images, TF's run-time pad_to_bounding_box graph)."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("resize_with_pad"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize("name", errors("resize_with_pad"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_shape_is_known_while_building():
    # TF's shape inference folds the float arithmetic of the sizes: so does teachflow.
    y = tf.image.resize_image_with_pad(tf.zeros([2, 10, 4, 3]), 6, 6)
    assert y.shape.as_list() == [2, 6, 6, 3]


def test_a_tall_image_is_padded_left_and_right(sess):
    y = sess.run(tf.image.resize_image_with_pad(np.ones([4, 2, 1], np.float32), 4, 4))
    np.testing.assert_array_equal(y[:, :, 0], [[0, 1, 1, 0]] * 4)
