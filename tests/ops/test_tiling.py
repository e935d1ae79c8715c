"""tile and broadcast_to: values, static shapes, errors, gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

A = np.arange(6, dtype=np.int32).reshape(2, 3)


@pytest.mark.parametrize("multiples", [[1, 1], [2, 1], [1, 3], [2, 2], [0, 2]])
def test_tile_matches_numpy(sess, multiples):
    r = tf.tile(A, multiples)
    np.testing.assert_array_equal(sess.run(r), np.tile(A, multiples))
    assert r.shape == np.tile(A, multiples).shape
    assert r.op.name == "Tile" and r.op.inputs[1].op.name == "Tile/multiples"


def test_tile_strings_bools_and_scalars(sess):
    assert sess.run(tf.tile(["a", "b"], [2])).tolist() == [b"a", b"b", b"a", b"b"]
    assert sess.run(tf.tile([True], [3])).tolist() == [True] * 3
    assert sess.run(tf.tile(5, [])) == 5


def test_tile_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = tf.shape(x)
    assert tf.tile(x, [1, s[1], 2]).shape.as_list() == [None, 9, 8]
    assert tf.tile(x, tf.placeholder(tf.int32, [3])).shape.as_list() == [None] * 3
    assert tf.tile(tf.placeholder(tf.float32), [2, 2]).shape.as_list() == [None, None]
    assert tf.tile(tf.placeholder(tf.float32, [4, 5, 6]), [2, -1, 1]).shape.as_list() == [
        8,
        None,
        6,
    ]


def test_tile_errors(sess):
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.tile(A, [2])
    x, m = tf.placeholder(tf.float32), tf.placeholder(tf.int32)
    r = tf.tile(x, m)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Expected multiples\[1\] >= 0, but got -1"
    ):
        sess.run(r, {x: np.zeros((2, 3)), m: [2, -1]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="vector of length 2 but got length 1"):
        sess.run(r, {x: np.zeros((2, 3)), m: [2]})


def test_tile_gradient():
    check_gradient(lambda x: tf.tile(x, [2, 3]), np.arange(6.0).reshape(2, 3))
    check_gradient(lambda x: tf.tile(x, [3]), np.arange(2.0), feed_shape=[None])


@pytest.mark.parametrize(
    "value, shape", [([1, 2, 3], [2, 3]), ([[1], [2]], [2, 4]), (7, [2, 2]), ([[1, 2]], [3, 1, 2])]
)
def test_broadcast_to_matches_numpy(sess, value, shape):
    r = tf.broadcast_to(value, shape)
    out = sess.run(r)
    np.testing.assert_array_equal(out, np.broadcast_to(value, shape))
    assert r.shape.as_list() == shape and r.op.type == "BroadcastTo"
    out[...] = 0  # a fresh array, not numpy's read-only view


def test_broadcast_to_static_shapes_and_errors(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.broadcast_to(x, [4, 2, 3]).shape.as_list() == [4, 2, 3]
    assert tf.broadcast_to(tf.zeros([3]), tf.placeholder(tf.int32, [2])).shape.as_list() == [
        None,
        3,
    ]
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 4"):
        tf.broadcast_to(tf.zeros([3]), [2, 4])
    with pytest.raises(ValueError, match="Shape must be at most rank 1 but is rank 2"):
        tf.broadcast_to(tf.zeros([2, 3]), [3])
    shape = tf.placeholder(tf.int32, [2])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[3\] vs. \[2,4\]"
    ):
        sess.run(tf.broadcast_to(tf.zeros([3]), shape), {shape: [2, 4]})


def test_broadcast_to_gradient():
    check_gradient(lambda x: tf.broadcast_to(x, [4, 2, 3]), np.arange(3.0).reshape(1, 3))
