"""gather, gather_nd, scatter_nd: values against numpy, shapes, errors, dense gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

P = np.arange(24, dtype=np.float32).reshape(4, 3, 2)


@pytest.mark.parametrize(
    "indices, axis",
    [([0, 2], 0), ([[0, 3], [1, 1]], 0), (2, 0), ([2, 0, 2], 1), ([[1]], 2), ([1, 0], -1)],
)
def test_gather_matches_numpy(sess, indices, axis):
    r = tf.gather(P, indices, axis=axis)
    expected = np.take(P, indices, axis=axis)
    np.testing.assert_array_equal(sess.run(r), expected)
    assert r.shape == expected.shape
    assert r.op.type == "GatherV2" and r.op.name == "GatherV2"
    assert [t.op.name for t in r.op.inputs[1:]] == ["GatherV2/indices", "GatherV2/axis"]


def test_gather_dtypes(sess):
    assert sess.run(tf.gather(["a", "b", "c"], [2, 0])).tolist() == [b"c", b"a"]
    assert sess.run(tf.gather([True, False], [1])).tolist() == [False]
    out = sess.run(tf.gather(tf.constant([10, 20, 30], tf.int64), tf.constant(1, tf.int64)))
    assert isinstance(out, np.int64) and out == 20


def test_gather_static_shapes():
    params = tf.placeholder(tf.float32, [None, 3])
    assert tf.gather(params, tf.placeholder(tf.int32, [5, None])).shape.as_list() == [5, None, 3]
    assert tf.gather(params, [1, 2], axis=1).shape.as_list() == [None, 2]
    assert tf.gather(params, [1], axis=tf.placeholder(tf.int32, [])).shape.as_list() == [None, None]
    assert tf.gather(tf.placeholder(tf.float32), [1]).shape.ndims is None


def test_gather_batch_dims(sess):
    r = tf.gather(np.arange(6.0).reshape(3, 2), [[1], [0], [1]], batch_dims=1)
    assert r.shape.as_list() == [3, 1]
    np.testing.assert_array_equal(sess.run(r), [[1.0], [2.0], [5.0]])


def test_gather_errors(sess):
    with pytest.raises(ValueError, match="Shape must be at least rank 3 but is rank 2"):
        tf.gather(P[0], [1], axis=2)
    with pytest.raises(ValueError, match="Shape must be at least rank 1 but is rank 0"):
        tf.gather(1.0, [1])
    with pytest.raises(
        TypeError, match="has DataType float32 not in list of allowed values: int16, int32, int64"
    ):
        tf.gather(P, [1.0])
    idx = tf.placeholder(tf.int32)
    r = tf.gather(P, idx)
    for bad, words in [
        ([5], "indices[0] = 5 is not in [0, 4)"),
        ([[0, -1]], "indices[0,1] = -1 is not in [0, 4)"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(r, {idx: bad})
        assert words in e.value.message


@pytest.mark.parametrize(
    "indices, axis", [([0, 2, 0], 0), ([[1, 1], [0, 3]], 0), ([2, 0, 2], 1), ([1], 2), (1, 1)]
)
def test_gather_gradient_sums_repeats(indices, axis):
    value = np.arange(24.0).reshape(4, 3, 2)
    check_gradient(lambda x: tf.gather(x, indices, axis=axis), value)


def test_gather_gradient_with_unknown_shapes():
    check_gradient(
        lambda x: tf.gather(x, [1, 1, 0]), np.arange(6.0).reshape(3, 2), feed_shape=[None, None]
    )


@pytest.mark.parametrize(
    "indices", [[[1, 1], [2, 0]], [[3]], [[[0, 2, 1]]], [[0, 0, 0], [3, 2, 1]]]
)
def test_gather_nd_matches_numpy(sess, indices):
    idx = np.asarray(indices)
    r = tf.gather_nd(P, indices)
    expected = P[tuple(idx[..., k] for k in range(idx.shape[-1]))]
    np.testing.assert_array_equal(sess.run(r), expected)
    assert r.shape == expected.shape and r.op.type == "GatherNd"


def test_gather_nd_errors(sess):
    with pytest.raises(ValueError, match="indices.shape\\[-1\\] must be <= params.rank"):
        tf.gather_nd(P, [[0, 0, 0, 0]])
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"indices\[0\] = \[4, 1\] does not index into param shape \[4,3,2\]",
    ):
        sess.run(tf.gather_nd(P, [[4, 1]]))


def test_gather_nd_gradient():
    check_gradient(
        lambda x: tf.gather_nd(x, [[1, 1], [0, 2], [1, 1]]), np.arange(6.0).reshape(2, 3)
    )


def test_scatter_nd(sess):
    r = tf.scatter_nd([[1], [1]], [[1.0, 2.0], [3.0, 4.0]], [3, 2])
    assert r.shape.as_list() == [3, 2] and r.op.type == "ScatterNd"
    np.testing.assert_array_equal(sess.run(r), [[0, 0], [4, 6], [0, 0]])
    ints = tf.scatter_nd([[0, 1], [2, 0]], [5, 7], [3, 2])
    np.testing.assert_array_equal(sess.run(ints), [[0, 5], [0, 0], [7, 0]])
    assert ints.dtype == tf.int32
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"indices\[0\] = \[4\] does not index into shape \[3,2\]",
    ):
        sess.run(tf.scatter_nd([[4]], [[1.0, 2.0]], [3, 2]))


def test_scatter_nd_gradient():
    check_gradient(
        lambda u: tf.scatter_nd([[1], [1], [0]], u, [3, 2]), np.arange(6.0).reshape(3, 2)
    )


# -- boolean_mask -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mask, axis",
    [
        ([True, False, True, True], None),
        ([[True, False, True], [False, False, True], [True] * 3, [False] * 3], None),
        ([False, True, True], 1),
        ([[True, False], [False, True], [True, True]], 1),
    ],
)
def test_boolean_mask_matches_numpy(sess, mask, axis):
    m = np.asarray(mask)
    r = tf.boolean_mask(P, mask, axis=axis)
    a = axis or 0
    flat = P.reshape(P.shape[:a] + (-1,) + P.shape[a + m.ndim :])
    expected = np.compress(m.reshape(-1), flat, axis=a)
    np.testing.assert_array_equal(sess.run(r), expected)
    assert r.shape.is_compatible_with(expected.shape) and r.shape[a].value is None


def test_boolean_mask_errors_and_unknown_shapes(sess):
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        tf.boolean_mask(P, True)
    with pytest.raises(ValueError, match="Number of mask dimensions must be specified"):
        tf.boolean_mask(P, tf.placeholder(tf.bool))
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(P, [True, False])
    x = tf.placeholder(tf.float32, [None, 2])
    m = tf.placeholder(tf.bool, [None])
    r = tf.boolean_mask(x, m)
    assert r.shape.as_list() == [None, 2]
    out = sess.run(r, {x: [[1, 2], [3, 4], [5, 6]], m: [False, True, True]})
    np.testing.assert_array_equal(out, [[3, 4], [5, 6]])


def test_boolean_mask_gradient():
    check_gradient(
        lambda x: tf.boolean_mask(x, [[True, False], [True, True]]), np.arange(4.0).reshape(2, 2)
    )
