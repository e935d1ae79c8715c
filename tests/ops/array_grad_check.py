"""Finite-difference checks for the gradients of array ops.

``check_gradient(build, x)`` builds ``y = build(x_placeholder)``, asks ``tf.gradients``
for d(sum(w * y))/dx with random weights ``w``, and compares it with central differences
of the same sum computed from real runs. Values are float64 so differences are exact
enough at ``eps = 1e-6``.
"""

from __future__ import annotations

import numpy as np

import teachflow as tf


def check_gradient(build, x_value, *, seed=0, eps=1e-6, atol=1e-6, feed_shape=None):
    x_value = np.asarray(x_value, dtype=np.float64)
    x = tf.placeholder(tf.float64, shape=x_value.shape if feed_shape is None else feed_shape)
    y = build(x)
    rng = np.random.default_rng(seed)
    with tf.Session() as sess:
        y_value = sess.run(y, {x: x_value})
        w = rng.standard_normal(np.shape(y_value))
        (dx,) = tf.gradients(y, x, grad_ys=tf.constant(w, dtype=tf.float64))
        assert dx is not None, "no gradient path from y to x"
        # An IndexedSlices (a gather's gradient) is compared densified, as TF's checker does.
        dx = tf.convert_to_tensor(dx)
        analytic = sess.run(dx, {x: x_value})
        numeric = np.zeros_like(x_value)
        flat = numeric.reshape(-1)
        for i in range(x_value.size):
            plus, minus = x_value.copy(), x_value.copy()
            plus.reshape(-1)[i] += eps
            minus.reshape(-1)[i] -= eps
            f_plus = np.sum(w * sess.run(y, {x: plus}))
            f_minus = np.sum(w * sess.run(y, {x: minus}))
            flat[i] = (f_plus - f_minus) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, atol=atol, rtol=1e-5)
    return analytic
