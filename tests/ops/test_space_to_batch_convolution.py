"""tf.nn.with_space_to_batch and tf.nn.atrous_conv2d_transpose against TensorFlow's
recorded graphs and values."""

import numpy as np
import pytest

import teachflow as tf
from tests.nn_data_more_cases import check_program


@pytest.mark.parametrize(
    "name", ["with_space_to_batch", "atrous_conv2d_transpose", "space_to_batch_gradients"]
)
def test_graph_and_values_are_tensorflows(name):
    check_program(name)


def test_with_space_to_batch_is_atrous_conv2d():
    x = tf.reshape(tf.range(2 * 7 * 6 * 3, dtype=tf.float32), [2, 7, 6, 3])
    w = tf.reshape(tf.range(3 * 3 * 3 * 2, dtype=tf.float32) / 10.0, [3, 3, 3, 2])
    conv = lambda inp, n, padding: tf.nn.conv2d(inp, w, [1, 1, 1, 1], padding)  # noqa: E731
    got = tf.nn.with_space_to_batch(x, [2, 2], "SAME", conv, filter_shape=[3, 3])
    want = tf.nn.atrous_conv2d(x, w, 2, "SAME")
    with tf.Session() as sess:
        g, wv = sess.run([got, want])
    assert g.shape == wv.shape == (2, 7, 6, 2)
    assert abs(g - wv).max() <= 1e-3 * abs(wv).max()


def test_arguments_are_checked_while_building():
    x = tf.zeros([1, 4, 4, 1])
    op = lambda inp, n, padding: inp  # noqa: E731
    with pytest.raises(ValueError, match="`filter_shape` must be specified"):
        tf.nn.with_space_to_batch(x, [2, 2], "SAME", op)
    with pytest.raises(ValueError, match="`dilation_rate` must be positive"):
        tf.nn.with_space_to_batch(x, [0, 2], "VALID", op)
    with pytest.raises(ValueError, match="`spatial_dims` must be a monotonically"):
        tf.nn.with_space_to_batch(x, [2, 2], "VALID", op, spatial_dims=[2, 1])
    with pytest.raises(ValueError, match="`rate` cannot be less than one"):
        tf.nn.atrous_conv2d_transpose(x, tf.zeros([3, 3, 2, 1]), [1, 4, 4, 2], 0, "SAME")
    with pytest.raises(ValueError, match="`padding` must be either"):
        tf.nn.atrous_conv2d_transpose(x, tf.zeros([3, 3, 2, 1]), [1, 4, 4, 2], 2, "FULL")


def test_same_padding_with_a_filter_shape_fed_at_run_time(sess):
    # The paddings are computed in the graph from the fed shape: the same result as with
    # the shape given as constants.
    x = tf.constant(np.arange(2 * 8 * 8, dtype=np.float32).reshape(2, 8, 8, 1))
    w = tf.constant(np.ones((3, 3, 1, 1), np.float32))

    def op(inp, num_spatial_dims, padding):
        return tf.nn.convolution(inp, w, padding)

    fed = tf.placeholder(tf.int32, [2])
    by_feed = tf.nn.with_space_to_batch(x, [2, 2], "SAME", op, filter_shape=fed)
    by_constant = tf.nn.with_space_to_batch(x, [2, 2], "SAME", op, filter_shape=[3, 3])
    got, expected = sess.run([by_feed, by_constant], {fed: [3, 3]})
    assert got.shape == (2, 8, 8, 1)
    np.testing.assert_array_equal(got, expected)
