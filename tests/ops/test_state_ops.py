"""Assign and friends: values stored in variables, and TF's shape checks at run time."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors


def test_assign_stores_value_and_returns_variable(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    out = tf.assign(v, [3.0, 4.0])
    np.testing.assert_array_equal(sess.run(out), np.array([3.0, 4.0], np.float32))
    np.testing.assert_array_equal(sess.run(v), np.array([3.0, 4.0], np.float32))
    assert out.op.type == "Assign" and out.dtype == tf.float32_ref


def test_assign_checks_declared_shape_of_uninitialized_variable(sess):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    # A value of unknown static shape passes graph construction; the kernel checks it.
    p = tf.placeholder(tf.float32)
    with pytest.raises(errors.InvalidArgumentError) as e:
        sess.run(tf.assign(v, p), {p: [1.0, 2.0]})
    assert "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [2]" in (
        e.value.message
    )


def test_assign_without_validate_shape_changes_shape(sess):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    p = tf.placeholder(tf.float32)
    sess.run(v.initializer)
    out = tf.assign(v, p, validate_shape=False)
    np.testing.assert_array_equal(sess.run(out, {p: [5.0, 6.0]}), [5.0, 6.0])
