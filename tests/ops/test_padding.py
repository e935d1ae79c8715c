"""pad (CONSTANT / REFLECT / SYMMETRIC) and reverse: values, shapes, errors, gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

A = np.arange(6, dtype=np.float32).reshape(2, 3)


@pytest.mark.parametrize(
    "paddings, mode, np_mode",
    [
        ([[1, 0], [0, 2]], "CONSTANT", "constant"),
        ([[0, 0], [0, 0]], "constant", "constant"),
        ([[1, 1], [2, 2]], "REFLECT", "reflect"),
        ([[1, 0], [1, 1]], "reflect", "reflect"),
        ([[2, 1], [3, 2]], "SYMMETRIC", "symmetric"),
        ([[0, 2], [3, 0]], "symmetric", "symmetric"),
    ],
)
def test_pad_matches_numpy(sess, paddings, mode, np_mode):
    r = tf.pad(A, paddings, mode)
    expected = np.pad(A, paddings, mode=np_mode)
    np.testing.assert_array_equal(sess.run(r), expected)
    assert r.shape == expected.shape
    assert r.op.type == ("Pad" if np_mode == "constant" else "MirrorPad")


def test_pad_constant_values_and_dtypes(sess):
    r = tf.pad(A, [[1, 0], [0, 2]], constant_values=7)
    assert r.op.type == "PadV2" and r.op.name == "PadV2"
    np.testing.assert_array_equal(sess.run(r), np.pad(A, [[1, 0], [0, 2]], constant_values=7))
    ints = sess.run(tf.pad([1, 2], [[1, 1]]))
    assert ints.dtype == np.int32 and ints.tolist() == [0, 1, 2, 0]
    strings = sess.run(tf.pad(["a"], [[1, 0]], constant_values="z"))
    assert strings.tolist() == [b"z", b"a"]
    assert tf.pad(A, [[1, 0], [0, 2]]).op.inputs[1].op.name.endswith("/paddings")


def test_pad_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.pad(x, [[1, 1], [2, 2]]).shape.as_list() == [None, 7]
    assert tf.pad(x, [[1, 1], [2, 2]], "REFLECT").shape.as_list() == [None, 7]
    assert tf.pad(x, tf.placeholder(tf.int32, [2, 2])).shape.as_list() == [None, None]
    assert tf.pad(tf.placeholder(tf.float32), [[1, 1]]).shape.as_list() == [None]


def test_pad_static_errors():
    with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2"):
        tf.pad(A, [[1, 0], [0, 2], [1, 1]])
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.pad(A, [1, 0])
    with pytest.raises(ValueError, match="Paddings must be non-negative"):
        tf.pad(A, [[-1, 0], [0, 2]])
    with pytest.raises(
        ValueError,
        match='expected to be one of "CONSTANT", "REFLECT", or "SYMMETRIC". Received `mode` = FOO',
    ):
        tf.pad(A, [[1, 0], [0, 2]], "foo")


def test_pad_runtime_errors(sess):
    p = tf.placeholder(tf.int32, [2, 2])
    cases = [
        (tf.pad(A, p), [[-2, 0], [0, 0]], "Paddings must be non-negative: -2 0"),
        (
            tf.pad(A, p, "REFLECT"),
            [[2, 0], [0, 0]],
            "paddings must be less than the dimension size: 2, 0 not less than 2",
        ),
        (
            tf.pad(A, p, "SYMMETRIC"),
            [[3, 1], [0, 0]],
            "paddings must be no greater than the dimension size: 3, 1 greater than 2",
        ),
    ]
    for r, value, words in cases:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(r, {p: value})
        assert words in e.value.message


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_gradients(mode):
    check_gradient(lambda x: tf.pad(x, [[1, 1], [2, 1]], mode), np.arange(12.0).reshape(3, 4))


def test_pad_v2_gradient():
    check_gradient(lambda x: tf.pad(x, [[0, 2]], constant_values=3.0), np.arange(3.0))


def test_mirror_pad_grad_folds_borders(sess):
    # Each border value is added back onto the input value it copied.
    g = tf.get_default_graph()
    dy = tf.constant(np.arange(7.0))
    folded = g.create_op("MirrorPadGrad", [dy, tf.constant([[2, 2]])], {"mode": "REFLECT"}).outputs[
        0
    ]
    assert folded.shape.as_list() == [3]
    # [a b c] padded by 2 is [c b a b c b a]: a sits at 2 and 6, b at 1, 3, 5, c at 0 and 4.
    np.testing.assert_array_equal(sess.run(folded), [2 + 6, 1 + 3 + 5, 0 + 4])


# -- reverse ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [[0], [1], [-1], [0, 1], []])
def test_reverse_matches_numpy(sess, axis):
    r = tf.reverse(A, axis)
    np.testing.assert_array_equal(sess.run(r), np.flip(A, axis=tuple(axis)) if axis else A)
    assert r.shape == A.shape and r.op.type == "ReverseV2" and r.op.name == "ReverseV2"


def test_reverse_strings_and_unknown_shapes(sess):
    assert sess.run(tf.reverse(["a", "b", "c"], [0])).tolist() == [b"c", b"b", b"a"]
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.reverse(x, [0]).shape.as_list() == [None, 3]
    assert tf.reverse_v2 is tf.reverse


def test_reverse_errors(sess):
    with pytest.raises(ValueError, match=r"'axis'\[0\] = 2 is out of valid range \[0, 1"):
        tf.reverse(A, [2])
    with pytest.raises(ValueError, match="axis 1 specified more than once."):
        tf.reverse(A, [1, -1])
    axis = tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 0 specified more than once"):
        sess.run(tf.reverse(A, axis), {axis: [0, 0]})


def test_reverse_gradient():
    check_gradient(lambda x: tf.reverse(x, [1]), np.arange(6.0).reshape(2, 3))
