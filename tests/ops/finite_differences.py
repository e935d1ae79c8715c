"""Numerical gradient checks: ``tf.gradients`` against central finite differences.

For ``y = f(x1, x2, ...)`` and a fixed random weighting ``w`` of ``y``'s elements, the
gradient of ``sum(w * y)`` with respect to each input is computed twice: by the graph
(``tf.gradients(y, xs, grad_ys=w)``) and by nudging each input element by ``±eps``.
Everything runs in float64 so that ``eps`` can be small.
"""

from __future__ import annotations

import numpy as np

import teachflow as tf


def check_gradients(f, *arrays, eps=1e-6, rtol=1e-5, atol=1e-7, seed=0):
    """Assert that the graph's gradients of ``f`` at ``arrays`` match finite differences.

    ``f`` takes one placeholder per array and returns a tensor; returns the graph's
    gradients (numpy arrays) so a test can check more.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    with tf.Graph().as_default(), tf.Session() as sess:
        xs = [tf.placeholder(tf.float64, a.shape) for a in arrays]
        y = f(*xs)
        y_value = np.asarray(sess.run(y, dict(zip(xs, arrays))))
        w = np.random.default_rng(seed).standard_normal(y_value.shape)
        grads = tf.gradients(y, xs, grad_ys=tf.constant(w))
        assert all(g is not None for g in grads), grads
        analytic = sess.run(grads, dict(zip(xs, arrays)))

        def weighted(values):
            return float(np.sum(w * sess.run(y, dict(zip(xs, values)))))

        for i, a in enumerate(arrays):
            numeric = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                plus = [v.copy() for v in arrays]
                minus = [v.copy() for v in arrays]
                plus[i][idx] += eps
                minus[i][idx] -= eps
                numeric[idx] = (weighted(plus) - weighted(minus)) / (2 * eps)
            assert np.shape(analytic[i]) == a.shape, (np.shape(analytic[i]), a.shape)
            np.testing.assert_allclose(analytic[i], numeric, rtol=rtol, atol=atol)
        return analytic
