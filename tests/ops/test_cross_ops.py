"""tf.cross against numpy's cross product and finite differences; its errors in
TensorFlow's classes and words (seen with TF 2.21)."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients


def test_values_match_numpy_along_the_last_axis(sess):
    a = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]], np.float32)
    b = np.array([[0.5, -2.0, 1.0], [3.0, 1.0, 2.0]], np.float32)
    product = tf.cross(a, b)
    assert product.op.type == "Cross" and product.name == "Cross:0"
    assert product.shape == tf.TensorShape([2, 3])
    np.testing.assert_array_equal(sess.run(product), np.cross(a, b))
    ints = tf.cross(tf.constant([1, 2, 3]), [4, 5, 6])  # b takes a's dtype
    assert ints.dtype == tf.int32 and sess.run(ints).tolist() == [-3, 6, -3]


def test_gradient_is_b_cross_g_and_g_cross_a():
    rng = np.random.default_rng(3)
    check_gradients(tf.cross, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))


def test_graph_time_shape_errors():
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2 for 'Cross'"):
        tf.cross([1.0, 2.0], [3.0, 4.0])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
        tf.cross([1.0, 2.0, 3.0], [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="Shape must be at least rank 1 but is rank 0"):
        tf.cross(1.0, 2.0)
    with pytest.raises(TypeError, match="allowed values"):
        tf.cross([True, False, True], [True, True, False])


def test_run_time_shape_errors(sess):
    p = tf.placeholder(tf.float32, [None])
    q = tf.placeholder(tf.float32, [None])
    product = tf.cross(p, q)
    with pytest.raises(tf.errors.FailedPreconditionError, match="only defined for 3-element"):
        sess.run(product, {p: [1.0, 2.0], q: [1.0, 2.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"same shape: \[3\] vs. \[4\]"):
        sess.run(product, {p: [1.0, 2.0, 3.0], q: [1.0, 2.0, 3.0, 4.0]})
