"""tf.random_gamma and tf.random_poisson: graphs, shapes, errors and moments.

Their exact values against TensorFlow are in test_random_tensorflow_values.py.
"""

import numpy as np
import pytest

import teachflow as tf


# -- random_gamma ------------------------------------------------------------------------------
def test_random_gamma_shape_dtype_and_moments(sess):
    x = tf.random_gamma([20000], [0.5, 3.0], beta=[1.0, 2.0], seed=1)
    assert x.shape == tf.TensorShape([20000, 2]) and x.dtype == tf.float32
    assert x.op.type == "Maximum" and x.op.name == "random_gamma/Maximum"
    v = sess.run(x)
    # Gamma(alpha, rate beta): mean alpha / beta, variance alpha / beta**2.
    assert abs(v[:, 0].mean() - 0.5) < 0.03 and abs(v[:, 1].mean() - 1.5) < 0.03
    assert abs(v[:, 1].var() - 0.75) < 0.05
    assert v.min() >= np.finfo(np.float32).tiny  # raised to the smallest normal float


def test_random_gamma_no_samples_and_no_alphas(sess):
    empty = sess.run(tf.random_gamma([0, 2], [1.0, 2.0, 3.0]))
    assert empty.shape == (0, 2, 3)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Input alpha should have non-zero element count"
    ):
        sess.run(tf.random_gamma([2], np.zeros([0], np.float32)))


def test_random_gamma_needs_a_float_dtype():
    # TF reads np.finfo(dtype).tiny first, so an integer dtype is numpy's ValueError.
    with pytest.raises(ValueError, match="not inexact"):
        tf.random_gamma([2], 1, dtype=tf.int32)
    assert tf.random.gamma([2], 1.0).op.inputs[1].op.inputs[0].op.type == "RandomGamma"


# -- random_poisson ----------------------------------------------------------------------------
def test_random_poisson_shape_dtype_and_moments(sess):
    x = tf.random_poisson([0.5, 4.0, 50.0], [20000], dtype=tf.int64, seed=2)
    assert x.shape == tf.TensorShape([20000, 3]) and x.dtype == tf.int64
    assert x.op.type == "RandomPoissonV2" and x.op.name == "random_poisson/RandomPoissonV2"
    assert x.op.inputs[1].dtype == tf.float32  # lam as given (python floats: float32)
    v = sess.run(x)
    assert v.dtype == np.int64 and v.min() >= 0
    # Poisson: mean = variance = lam (Knuth's sampler below 10, Hormann's above).
    for column, lam in enumerate([0.5, 4.0, 50.0]):
        assert abs(v[:, column].mean() - lam) < 4 * np.sqrt(lam / 20000) + 1e-3
        assert abs(v[:, column].var() / lam - 1) < 0.06


def test_random_poisson_float_output_and_empty(sess):
    x = tf.random.poisson(3.0, [2, 2], dtype=tf.float16)
    v = sess.run(x)
    assert v.dtype == np.float16 and v.shape == (2, 2) and np.all(v == np.round(v))
    assert sess.run(tf.random_poisson([1.0, 2.0], [0])).shape == (0, 2)


def test_random_poisson_rejects_a_bool_dtype():
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        tf.random_poisson(1.0, [2], dtype=tf.bool)
