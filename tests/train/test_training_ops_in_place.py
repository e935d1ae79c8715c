"""The in-place update kernels compute the same bits as the rules they stand in for, and
write into the variable's own buffer (what a read taken earlier in the step sees)."""

import dataclasses

import numpy as np
import pytest

import teachflow as tf
from teachflow.train import training_ops, update_rules


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_in_place_gives_the_rules_bits(dtype):
    rng = np.random.default_rng(3)
    var, m, v, grad = (rng.standard_normal(1000).astype(dtype) for _ in range(4))
    v = np.abs(v)
    scalars = [dtype(x) for x in (0.9**3, 0.999**3, 1e-3, 0.9, 0.999, 1e-8)]
    expected = update_rules.adam(np, var, m, v, *scalars, grad)
    buffers = [var.copy(), m.copy(), v.copy()]
    assert update_rules.adam_in_place(*buffers, *scalars, grad)
    for got, want in zip(buffers, expected):
        np.testing.assert_array_equal(got, want)


def test_gradient_descent_in_place_gives_the_rules_bits():
    rng = np.random.default_rng(4)
    var, delta = rng.standard_normal(100).astype(np.float32), rng.standard_normal(100)
    delta = delta.astype(np.float32)
    (expected,) = update_rules.gradient_descent(np, var, np.float32(0.1), delta)
    got = var.copy()
    update_rules.gradient_descent_in_place(got, np.float32(0.1), delta)
    np.testing.assert_array_equal(got, expected)


def test_adam_trains_in_the_variables_own_buffer(monkeypatch):
    def copying_rule(*args, **kwargs):
        raise AssertionError("the in-place kernel should have run")

    spec = training_ops.TRAINING_OPS["ApplyAdam"]
    monkeypatch.setitem(
        training_ops.TRAINING_OPS, "ApplyAdam", dataclasses.replace(spec, update=copying_rule)
    )
    w = tf.Variable(np.ones(4, np.float32), name="w")
    loss = tf.reduce_sum(tf.square(w))
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    with tf.control_dependencies([train]):
        read_after = tf.identity(w.value())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        # A read under the update's control dependency sees the buffer written in place;
        # Adam's first step moves each weight by about the learning rate.
        np.testing.assert_allclose(sess.run(read_after), np.full(4, 0.9, np.float32), rtol=1e-5)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), np.full(4, 0.8, np.float32), rtol=1e-3)
