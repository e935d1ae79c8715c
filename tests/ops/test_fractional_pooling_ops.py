"""Fractional pooling's random regions, where TensorFlow's own draws are not reproducible
(``deterministic=False`` seeds every run afresh): the properties every draw must have.
Exact draws for fixed seeds are compared with TF's in tests/ops/test_nn_names.py."""

import numpy as np
import pytest

import teachflow as tf


def _pooled_by_hand(x, rows, cols, overlapping, reduce):
    out = np.empty((x.shape[0], len(rows) - 1, len(cols) - 1, x.shape[3]), x.dtype)
    for i in range(len(rows) - 1):
        r1 = min(rows[i + 1] + (0 if not overlapping else 1), x.shape[1])
        for j in range(len(cols) - 1):
            c1 = min(cols[j + 1] + (0 if not overlapping else 1), x.shape[2])
            out[:, i, j] = reduce(x[:, rows[i] : r1, cols[j] : c1], axis=(1, 2))
    return out


@pytest.mark.parametrize("pseudo_random", [False, True])
@pytest.mark.parametrize("overlapping", [False, True])
def test_each_run_draws_regions_of_k_or_k_plus_one_pixels(pseudo_random, overlapping):
    x = np.random.RandomState(0).uniform(size=(2, 17, 13, 3)).astype(np.float32)
    with tf.Graph().as_default():
        y, rows, cols = tf.nn.fractional_max_pool(
            x, [1.0, 1.6, 2.4, 1.0], pseudo_random=pseudo_random, overlapping=overlapping
        )
        avg = tf.nn.fractional_avg_pool(x, [1.0, 1.6, 2.4, 1.0], overlapping=overlapping)
        with tf.Session() as sess:
            seen = set()
            for _ in range(6):
                got, r, c = sess.run([y, rows, cols])
                assert got.shape == (2, 10, 5, 3) and r.dtype == np.int64
                assert r[0] == 0 and r[-1] == 17 and c[0] == 0 and c[-1] == 13
                assert set(np.diff(r)) <= {1, 2} and set(np.diff(c)) <= {2, 3}
                np.testing.assert_array_equal(got, _pooled_by_hand(x, r, c, overlapping, np.max))
                seen.add((tuple(r), tuple(c)))
                mean, r, c = sess.run(avg)
                want = _pooled_by_hand(x, r, c, overlapping, np.mean)
                np.testing.assert_allclose(mean, want, rtol=1e-6)
    assert len(seen) > 1  # fresh draws each run


def test_deterministic_without_seeds_keeps_one_draw_per_kernel():
    x = np.arange(2 * 15 * 15, dtype=np.float64).reshape(1, 15, 15, 2)
    with tf.Graph().as_default():
        _, rows, cols = tf.nn.fractional_max_pool(x, [1.0, 1.3, 1.3, 1.0], deterministic=True)
        with tf.Session() as sess:
            first = sess.run([rows, cols])
            for _ in range(3):
                again = sess.run([rows, cols])
                np.testing.assert_array_equal(first[0], again[0])
                np.testing.assert_array_equal(first[1], again[1])


def test_gradient_goes_to_each_regions_first_maximum():
    x = np.zeros((1, 5, 5, 1), np.float32)  # every pixel ties: the region's first wins
    with tf.Graph().as_default():
        xt = tf.constant(x)
        y, rows, cols = tf.nn.fractional_max_pool(xt, [1.0, 1.6, 1.6, 1.0], seed=1, seed2=1,
                                                  deterministic=True)  # fmt: skip
        (dx,) = tf.gradients(y, xt)
        with tf.Session() as sess:
            g, r, c = sess.run([dx, rows, cols])
    want = np.zeros_like(x)
    want[0, r[:-1][:, None], c[:-1][None, :], 0] = 1.0
    np.testing.assert_array_equal(g, want)
