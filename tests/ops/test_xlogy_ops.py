"""tf.math.xlogy / xdivy: 0 wherever x is 0, and TF's gradients (log y and x / y for xlogy;
1 / y and -x / y^2 for xdivy, each 0 where x is 0)."""

import numpy as np

import teachflow as tf


def test_values_are_zero_where_x_is(sess):
    x = np.array([0.0, 0.0, 2.0, 3.0], np.float32)
    y = np.array([0.0, 5.0, 1.0, 4.0], np.float32)
    got_log, got_div = sess.run([tf.math.xlogy(x, y), tf.math.xdivy(x, y)])
    np.testing.assert_allclose(got_log, [0.0, 0.0, 0.0, 3 * np.log(4.0)], rtol=1e-6)
    np.testing.assert_allclose(got_div, [0.0, 0.0, 2.0, 0.75], rtol=1e-6)


def test_gradients(sess):
    x = tf.constant([0.0, 2.0, 3.0], tf.float64)
    y = tf.constant([[0.5], [4.0]], tf.float64)
    gx, gy = tf.gradients(tf.reduce_sum(tf.math.xlogy(x, y)), [x, y])
    dx, dy = tf.gradients(tf.reduce_sum(tf.math.xdivy(x, y)), [x, y])
    got = sess.run([gx, gy, dx, dy])
    xs, ys = np.array([0.0, 2.0, 3.0]), np.array([[0.5], [4.0]])
    nonzero = (xs != 0).astype(float)
    np.testing.assert_allclose(got[0], (nonzero * np.log(ys)).sum(0))
    np.testing.assert_allclose(got[1], (xs / ys).sum(1, keepdims=True))
    np.testing.assert_allclose(got[2], (nonzero / ys).sum(0))
    np.testing.assert_allclose(got[3], (-xs / ys**2).sum(1, keepdims=True))
