"""reshape, expand_dims, squeeze, transpose, invert_permutation: values, shapes, errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


# -- reshape ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [[24], [-1], [4, 6], [4, -1], [-1, 2, 3], [2, 3, 4, 1], [1, 24]])
def test_reshape_values_match_numpy(sess, shape):
    r = tf.reshape(tf.constant(X), shape)
    np.testing.assert_array_equal(sess.run(r), X.reshape(shape))
    assert r.shape == X.reshape(shape).shape


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.int32),
        np.array([True, False] * 3),
        np.array([b"a", b"b", b"c", b"d", b"e", b"f"], dtype=object),
        np.arange(6, dtype=np.int64),
    ],
)
def test_reshape_keeps_dtype(sess, value):
    r = tf.reshape(tf.constant(value), [3, 2])
    out = sess.run(r)
    assert out.dtype == value.dtype
    np.testing.assert_array_equal(out, value.reshape(3, 2))


def test_reshape_to_scalar_is_a_numpy_scalar(sess):
    out = sess.run(tf.reshape(tf.constant([5.0]), []))
    assert isinstance(out, np.float32) and out == 5.0


def test_reshape_names_its_ops():
    r = tf.reshape(tf.constant(X), [4, 6])
    assert r.op.name == "Reshape" and r.op.type == "Reshape"
    assert r.op.inputs[1].op.name == "Reshape/shape"
    assert tf.reshape(r, [-1], name="flat").op.name == "flat"


@pytest.mark.parametrize(
    "in_shape, target, expected",
    [
        ([None, 3, 4], [-1, 12], [None, 12]),
        ([None, 6], [-1, 2, 3], [None, 2, 3]),
        ([None, 6], [4, 3], [4, 3]),
        ([None, 6], [4, -1], [4, None]),
        ([2, None, 6], [4, -1, 3], [4, None, 3]),
        ([0, 3], [-1, 0], [None, 0]),
        ([0, 3], [-1, 5], [0, 5]),
        ([None, 0], [-1, 5], [0, 5]),
        ([2, 3], [3, -1], [3, 2]),
    ],
)
def test_reshape_static_shape_like_tensorflow(in_shape, target, expected):
    x = tf.placeholder(tf.float32, in_shape)
    assert tf.reshape(x, target).shape.as_list() == expected


def test_reshape_uses_values_known_at_graph_time():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = tf.shape(x)
    assert tf.reshape(x, [-1, s[1]]).shape.as_list() == [None, 3]
    assert tf.reshape(x, [s[0], s[1] * s[2]]).shape.as_list() == [None, 12]
    assert tf.reshape(x, s[1:]).shape.as_list() == [3, 4]
    assert tf.reshape(x, tf.concat([s[:1], [12]], 0)).shape.as_list() == [None, 12]
    assert tf.reshape(x, tf.placeholder(tf.int32, [3])).shape.as_list() == [None] * 3
    assert tf.reshape(x, tf.placeholder(tf.int32)).shape.ndims is None


@pytest.mark.parametrize(
    "in_shape, target, words",
    [
        ([2, 3], [4], "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)"),
        ([2, 3], [4, -1], "Dimension size must be evenly divisible by 4 but is 6"),
        ([None, 6], [4, 5], "Dimension size must be evenly divisible by 6 but is 20"),
        ([2, 3], [[6]], "Shape must be rank 1 but is rank 2"),
        ([None, 3], [-2, 3], "Invalid value in tensor used for shape: -2"),
    ],
)
def test_reshape_static_errors(in_shape, target, words):
    x = tf.placeholder(tf.float32, in_shape)
    with pytest.raises(ValueError) as e:
        tf.reshape(x, target)
    assert words in str(e.value) and "'Reshape'" in str(e.value)


def test_reshape_rejects_float_shape():
    with pytest.raises(TypeError, match="Tshape"):
        tf.reshape(tf.constant(X), tf.constant([24.0]))


@pytest.mark.parametrize(
    "target, words",
    [
        ([4], "Input to reshape is a tensor with 6 values, but the requested shape has 4"),
        (
            [4, -1],
            "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4",
        ),
        ([-1, -1], "Only one input size may be -1, not both 0 and 1"),
        ([-2, 3], "Size 0 must be non-negative, not -2"),
    ],
)
def test_reshape_runtime_errors(sess, target, words):
    x = tf.placeholder(tf.float32)
    shape = tf.placeholder(tf.int32)
    r = tf.reshape(x, shape)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(r, {x: np.zeros(6), shape: target})
    assert words in e.value.message
    assert e.value.op is r.op


def test_reshape_gradient():
    check_gradient(lambda x: tf.reshape(x, [3, -1]), np.ones((2, 3)))
    check_gradient(
        lambda x: tf.reshape(x, [-1]), np.arange(6.0).reshape(2, 3), feed_shape=[None, 3]
    )


# -- expand_dims / squeeze ---------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1, -2, -4])
def test_expand_dims_matches_numpy(sess, axis):
    r = tf.expand_dims(tf.constant(X), axis)
    np.testing.assert_array_equal(sess.run(r), np.expand_dims(X, axis))
    assert r.shape == np.expand_dims(X, axis).shape
    assert r.op.type == "ExpandDims" and r.op.inputs[1].op.name == "ExpandDims/dim"


def test_expand_dims_of_scalar_and_strings(sess):
    assert sess.run(tf.expand_dims(3, 0)).tolist() == [3]
    out = sess.run(tf.expand_dims(tf.constant(["a", "b"]), 1))
    assert out.tolist() == [[b"a"], [b"b"]]


def test_expand_dims_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.expand_dims(x, 1).shape.as_list() == [None, 1, 3]
    assert tf.expand_dims(x, tf.placeholder(tf.int32, [])).shape.as_list() == [None] * 3
    assert tf.expand_dims(tf.placeholder(tf.float32), 0).shape.ndims is None
    assert tf.expand_dims(x, dim=-1).shape.as_list() == [None, 3, 1]


def test_expand_dims_errors(sess):
    with pytest.raises(ValueError, match=r"dim 3 not in the interval \[-3, 2\]"):
        tf.expand_dims(tf.zeros([2, 3]), 3)
    with pytest.raises(ValueError, match="Must specify an axis"):
        tf.expand_dims(tf.zeros([2]))
    dim = tf.placeholder(tf.int32)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Tried to expand dim index 5 for tensor with 2 dimensions",
    ):
        sess.run(tf.expand_dims(tf.zeros([2, 3]), dim), {dim: 5})


def test_expand_dims_gradient():
    check_gradient(lambda x: tf.expand_dims(x, 1), np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize(
    "shape, axis",
    [
        ([1, 2, 1, 3], None),
        ([1, 2, 1, 3], [0]),
        ([1, 2, 1, 3], [2, 0]),
        ([1, 2, 1, 3], -2),
        ([1], None),
    ],
)
def test_squeeze_matches_numpy(sess, shape, axis):
    value = np.arange(np.prod(shape), dtype=np.int32).reshape(shape)
    r = tf.squeeze(tf.constant(value), axis)
    expected = np.squeeze(value, axis=None if axis is None else tuple(np.atleast_1d(axis)))
    out = sess.run(r)
    np.testing.assert_array_equal(out, expected)
    assert r.shape == expected.shape and r.op.type == "Squeeze"
    assert r.dtype == tf.int32


def test_squeeze_static_shapes():
    x = tf.placeholder(tf.float32, [None, 1, 3])
    assert tf.squeeze(x, [1]).shape.as_list() == [None, 3]
    assert tf.squeeze(x).shape.ndims is None  # the unknown dim might be 1
    assert tf.squeeze(tf.placeholder(tf.float32, [2, 1]), squeeze_dims=[1]).shape.as_list() == [2]


def test_squeeze_errors(sess):
    with pytest.raises(
        ValueError, match=r"Can not squeeze dim\[0\], expected a dimension of 1, got 2"
    ):
        tf.squeeze(tf.zeros([2, 3]), [0])
    with pytest.raises(ValueError, match=r"squeeze_dims\[0\] not in \[-2,2\)"):
        tf.squeeze(tf.zeros([2, 3]), [5])
    x = tf.placeholder(tf.float32)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Can not squeeze dim\[1\], expected a dimension of 1, got 3",
    ):
        sess.run(tf.squeeze(x, [1]), {x: np.zeros((2, 3))})
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Tried to squeeze dim index 4 for tensor with 2 dimensions",
    ):
        sess.run(tf.squeeze(x, [4]), {x: np.zeros((2, 3))})


def test_squeeze_gradient():
    check_gradient(lambda x: tf.squeeze(x), np.arange(3.0).reshape(1, 3, 1))


# -- transpose ----------------------------------------------------------------------------------
@pytest.mark.parametrize("perm", [None, [0, 1, 2], [2, 0, 1], [1, 0, 2], [2, 1, 0]])
def test_transpose_matches_numpy(sess, perm):
    r = tf.transpose(tf.constant(X), perm)
    np.testing.assert_array_equal(sess.run(r), np.transpose(X, perm))
    assert r.shape == np.transpose(X, perm).shape
    assert r.op.name == "transpose" and r.op.inputs[1].op.name == "transpose/perm"


def test_transpose_static_and_unknown_rank(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.transpose(x).shape.as_list() == [3, None]
    assert tf.transpose(x, tf.placeholder(tf.int32, [2])).shape.as_list() == [None, None]
    u = tf.placeholder(tf.float32)
    t = tf.transpose(u)
    assert t.shape.ndims is None
    np.testing.assert_array_equal(sess.run(t, {u: X}), X.T)


def test_transpose_strings_and_bools(sess):
    s = np.array([[b"a", b"b"], [b"c", b"d"]], dtype=object)
    assert sess.run(tf.transpose(s)).tolist() == s.T.tolist()
    b = np.array([[True, False, True]])
    np.testing.assert_array_equal(sess.run(tf.transpose(b)), b.T)


def test_transpose_errors(sess):
    with pytest.raises(ValueError, match="Dimension must be 2 but is 1"):
        tf.transpose(tf.zeros([2, 3]), [0])
    with pytest.raises(ValueError, match="perm dim 2 is out of range of input rank 2"):
        tf.transpose(tf.zeros([2, 3]), [0, 2])
    x, p = tf.placeholder(tf.float32), tf.placeholder(tf.int32)
    t = tf.transpose(x, p)
    for perm, words in [
        ([0, 0], "1 is missing from {0,0}."),
        ([0, 1, 2], "transpose expects a vector of size 2. But input(1) is a vector of size 3"),
        ([0, 5], "5 is out of range [0 .. 2)"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(t, {x: np.zeros((2, 3)), p: perm})
        assert words in e.value.message


def test_transpose_gradient():
    check_gradient(lambda x: tf.transpose(x, [2, 0, 1]), np.arange(24.0).reshape(2, 3, 4))
    check_gradient(lambda x: tf.transpose(x), np.arange(6.0).reshape(2, 3))


def test_invert_permutation(sess):
    r = tf.invert_permutation([2, 0, 1])
    assert r.op.type == "InvertPermutation" and r.shape.as_list() == [3]
    np.testing.assert_array_equal(sess.run(r), [1, 2, 0])
    p = tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="0 is duplicated in the input"):
        sess.run(tf.invert_permutation(p), {p: [0, 0]})


def test_reshape_sizes_as_tensorflow_checks_them(sess):
    # TF leaves zero sizes out of the product, so -1 is inferred for an empty tensor, and
    # refuses a shape whose element count overflows (record_resource_limits.py).
    import json
    import pathlib

    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    tf_says = json.loads(fixture.read_text())
    x = tf.placeholder(tf.float32)
    shape = tf.placeholder(tf.int64, [2])
    out = tf.reshape(x, shape)
    empty = np.zeros(0, np.float32)
    assert (
        list(sess.run(out, {x: empty, shape: [0, -1]}).shape)
        == tf_says["reshape_empty_infers"]["shape"]
    )
    rows = sess.run(out, {x: np.zeros((0, 3), np.float32), shape: [-1, 0]})
    assert list(rows.shape) == tf_says["reshape_empty_infers_rows"]["shape"]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(out, {x: empty, shape: [10**12, 10**12]})
    assert info.value.message.split("\n")[0] == tf_says["reshape_too_many"]["message"]
