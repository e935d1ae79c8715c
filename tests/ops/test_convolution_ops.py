"""tf.nn.convolution / pool / atrous_conv2d / conv1d: the rank-generic entry points pick
the 1-D or 2-D op and agree with calling it directly (TF's recorded values are checked in
test_conv_ops.py and test_pooling_ops.py)."""

import numpy as np
import pytest

import teachflow as tf

RNG = np.random.default_rng(11)


def test_convolution_is_conv2d_for_images(sess):
    x = RNG.standard_normal((2, 7, 7, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)
    a = tf.nn.convolution(x, w, "SAME", strides=[2, 2], dilation_rate=None)
    b = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    assert a.op.type == "Conv2D" and a.op.name == "convolution"
    np.testing.assert_array_equal(*sess.run([a, b]))


def test_atrous_conv2d_is_a_dilated_conv2d(sess):
    x = RNG.standard_normal((1, 9, 9, 2)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 2, 3)).astype(np.float32)
    a = tf.nn.atrous_conv2d(x, w, 2, "VALID")
    b = tf.nn.conv2d(x, w, 1, "VALID", dilations=2)
    assert a.op.get_attr("dilations") == [1, 2, 2, 1]
    np.testing.assert_array_equal(*sess.run([a, b]))
    with pytest.raises(ValueError, match="cannot be less than one"):
        tf.nn.atrous_conv2d(x, w, 0, "VALID")


def test_pool_picks_max_or_average(sess):
    x = RNG.standard_normal((1, 4, 4, 2)).astype(np.float32)
    m = tf.nn.pool(x, [2, 2], "MAX", "VALID", strides=[2, 2])
    a = tf.nn.pool(x, [2, 2], "AVG", "VALID", strides=[2, 2])
    assert (m.op.type, a.op.type) == ("MaxPool", "AvgPool")
    np.testing.assert_array_equal(sess.run(m), sess.run(tf.nn.max_pool(x, 2, 2, "VALID")))
    with pytest.raises(ValueError, match="pooling_type must be MAX or AVG"):
        tf.nn.pool(x, [2, 2], "MIN", "VALID")


def test_ranks_other_than_1d_and_2d_are_refused():
    with pytest.raises(ValueError, match="rank 3 or 4 inputs, got 5"):
        tf.nn.convolution(tf.zeros([1, 2, 2, 2, 1]), tf.ones([1, 1, 1, 1, 1]), "SAME")
