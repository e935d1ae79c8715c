"""Reductions, argmax/argmin and their relatives: values, shapes, names, errors, gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from tests.ops.finite_differences import check_gradients

REDUCTIONS = [
    (tf.reduce_sum, np.sum, "Sum"),
    (tf.reduce_mean, np.mean, "Mean"),
    (tf.reduce_max, np.max, "Max"),
    (tf.reduce_min, np.min, "Min"),
    (tf.reduce_prod, np.prod, "Prod"),
]
AXES = [None, 0, 1, -1, [0, 2], [-1, 0, 1], []]


def _as_tuple(axis):
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("fn,ref,op_type", REDUCTIONS)
def test_float_reductions_match_numpy(sess, fn, ref, op_type, axis, keepdims):
    x = np.random.default_rng(5).uniform(-2, 2, size=(2, 3, 4)).astype(np.float32)
    t = fn(x, axis=axis, keepdims=keepdims)
    expected = ref(x, axis=_as_tuple(axis), keepdims=keepdims)
    assert (t.op.type, t.dtype, t.shape) == (op_type, tf.float32, np.shape(expected))
    out = sess.run(t)
    assert np.asarray(out).dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.float16, np.float64])
@pytest.mark.parametrize("fn,ref,op_type", REDUCTIONS)
def test_reductions_keep_the_dtype(sess, fn, ref, op_type, dtype):
    x = np.array([[1, 2, 3], [4, 5, 7]], dtype)
    out = sess.run(fn(x, axis=1))
    assert out.dtype == dtype
    whole = sess.run(fn(x))
    assert isinstance(whole, np.generic) and whole.dtype == dtype


def test_integer_mean_rounds_toward_zero(sess):
    assert sess.run(tf.reduce_mean([1, 2, 2])) == 1
    assert sess.run(tf.reduce_mean([-1, -2, -2])) == -1
    # The sum is taken wide: 250 + 250 does not wrap around in uint8.
    out = sess.run(tf.reduce_mean(np.array([[250, 250]], np.uint8), axis=1))
    assert out.tolist() == [250] and out.dtype == np.uint8
    assert sess.run(tf.reduce_sum(np.array([[250, 250]], np.uint8), axis=1)).tolist() == [244]


def test_empty_reductions_give_the_identity(sess):
    empty_f = tf.constant(np.zeros(0, np.float32))
    empty_i = tf.constant(np.zeros(0, np.int32))
    got = sess.run(
        [
            tf.reduce_sum(empty_f),
            tf.reduce_prod(empty_f),
            tf.reduce_max(empty_f),
            tf.reduce_min(empty_i),
            tf.reduce_max(empty_i),
            tf.reduce_mean(empty_i),
            tf.reduce_any(np.zeros(0, np.bool_)),
            tf.reduce_all(np.zeros(0, np.bool_)),
        ]
    )
    assert got[:2] == [0.0, 1.0]
    assert got[2] == -np.inf and got[3] == 2**31 - 1 and got[4] == -(2**31)
    assert got[5] == 0 and got[6] is np.False_ and got[7] is np.True_
    assert np.isnan(sess.run(tf.reduce_mean(empty_f)))


def test_any_and_all(sess):
    x = tf.constant([[True, False], [False, False]])
    assert sess.run(tf.reduce_any(x, 1)).tolist() == [True, False]
    assert sess.run(tf.reduce_all(tf.logical_not(x), 0)).tolist() == [False, True]
    with pytest.raises(TypeError, match="Input 'input' of 'Any' Op has type int32"):
        tf.reduce_any(tf.constant([1, 2]))


def test_reductions_refuse_bools_and_strings():
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        tf.reduce_sum(tf.constant([True]))
    with pytest.raises(TypeError, match="DataType string"):
        tf.reduce_max(tf.constant(["a"]))


def test_axis_constants_are_named_like_tensorflow():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    total = tf.reduce_sum(x)
    assert total.op.inputs[1].name == "Const_1:0"
    assert total.op.inputs[1].op.get_attr("value").tolist() == [0, 1]
    rows = tf.reduce_mean(x, 1)
    assert rows.op.inputs[1].name == "Mean/reduction_indices:0"
    assert rows.op.get_attr("keep_dims") is False
    assert tf.reduce_sum(x, tf.constant(1, tf.int64)).op.get_attr("Tidx") == tf.int64


def test_unknown_rank_reduces_over_a_computed_range(sess):
    p = tf.placeholder(tf.float32)
    t = tf.reduce_sum(p)
    # TF's _may_reduce_to_scalar: a reduction over every axis is a scalar, rank or not.
    assert t.op.inputs[1].op.type == "Range" and t.shape.ndims == 0
    assert sess.run(t, {p: np.ones([2, 3])}) == 6.0


def test_static_shapes_with_unknown_axes_or_dims():
    x = tf.constant(np.ones([2, 2], np.float32))
    assert tf.reduce_sum(x, axis=tf.placeholder(tf.int32)).shape.ndims is None
    assert tf.reduce_sum(x, axis=tf.placeholder(tf.int32), keepdims=True).shape == [None, None]
    assert tf.reduce_sum(x, axis=tf.placeholder(tf.int32, [1])).shape == [None]
    assert tf.reduce_sum(tf.placeholder(tf.float32, [None, 3]), axis=1).shape == [None]
    assert tf.reduce_sum(tf.placeholder(tf.float32), axis=1).shape.ndims is None


def test_axis_tensor_at_run_time(sess):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    a = tf.placeholder(tf.int32, [None])
    t = tf.reduce_sum(x, a)
    assert sess.run(t, {a: [1]}).tolist() == [3.0, 7.0]
    assert sess.run(t, {a: [-2]}).tolist() == [4.0, 6.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate dimension: 1"):
        sess.run(t, {a: [1, -1]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension"):
        sess.run(t, {a: [2]})


def test_invalid_constant_axes_fail_while_building():
    with pytest.raises(ValueError, match="Invalid reduction dimension 2 for input with 2 dim") as e:
        tf.reduce_sum(tf.ones([2, 3]), 2)
    assert "(op: 'Sum')" in str(e.value)
    with pytest.raises(ValueError, match="Invalid reduction dimension 0 for input with 0"):
        tf.reduce_sum(tf.constant(3.0), axis=0)
    with pytest.raises(ValueError, match="Shape must be at most rank 1 but is rank 2"):
        tf.reduce_sum(tf.ones([1, 2]), axis=[[0]])
    with pytest.raises(TypeError, match="'reduction_indices' has DataType float32"):
        tf.reduce_sum(tf.ones([1, 2]), axis=0.5)


def test_deprecated_argument_names(sess):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert sess.run(tf.reduce_sum(x, reduction_indices=[1])).tolist() == [3.0, 7.0]
    assert sess.run(tf.reduce_sum(x, axis=[0, -1], keep_dims=True)).tolist() == [[10.0]]
    with pytest.raises(ValueError, match="Cannot specify both 'reduction_indices' and 'axis'"):
        tf.reduce_sum(x, axis=1, reduction_indices=[1])
    with pytest.raises(ValueError, match="Cannot specify both 'keep_dims' and 'keepdims'"):
        tf.reduce_sum(x, keepdims=True, keep_dims=True)


def test_max_propagates_nan(sess):
    assert np.isnan(sess.run(tf.reduce_max([1.0, np.nan, 3.0])))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.data(),
)
def test_sum_over_random_axes_matches_numpy(shape, data):
    rank = len(shape)
    axes = data.draw(st.lists(st.integers(-rank, rank - 1), unique_by=lambda a: a % rank))
    keep = data.draw(st.booleans())
    x = np.arange(np.prod(shape), dtype=np.int32).reshape(shape)
    with tf.Graph().as_default(), tf.Session() as sess:
        t = tf.reduce_sum(x, axis=axes, keepdims=keep)
        out = sess.run(t)
    expected = np.sum(x, axis=tuple(axes), keepdims=keep, dtype=np.int32)
    assert t.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


# -- argmax, logsumexp, count_nonzero, variance ------------------------------------------
def test_argmax_and_argmin(sess):
    x = tf.constant([[1, 5, 5], [7, 2, 7]])
    t = tf.argmax(x, 1)
    assert (t.op.type, t.dtype, t.shape) == ("ArgMax", tf.int64, (2,))
    assert t.op.inputs[1].name == "ArgMax/dimension:0"
    assert sess.run(t).tolist() == [1, 0]
    assert sess.run(tf.argmax(x)).tolist() == [1, 0, 1]
    m = tf.argmin(x, axis=-1, output_type=tf.int32)
    assert m.dtype == tf.int32 and sess.run(m).tolist() == [0, 1]
    assert sess.run(tf.argmax(x, dimension=1)).tolist() == [1, 0]


def test_argmax_errors(sess):
    with pytest.raises(ValueError, match=r"Dimension \(2\) must be in the range \[-2, 2\)"):
        tf.argmax(tf.ones([2, 3]), 2)
    with pytest.raises(ValueError, match="Cannot specify both 'dimension' and 'axis'"):
        tf.argmax(tf.ones([2, 3]), axis=1, dimension=1)
    d = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[-2, 2\), but got 2"):
        sess.run(tf.argmax(tf.ones([2, 3]), d), {d: 2})
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Reduction axis 0 is empty in shape \[0,3\]"
    ):
        sess.run(tf.argmax(tf.zeros([0, 3]), 0))


def test_reduce_logsumexp(sess):
    x = np.array([[1.0, 2.0], [3.0, 1000.0]], np.float32)
    t = tf.reduce_logsumexp(x, axis=1)
    assert (t.name, t.shape) == ("ReduceLogSumExp:0", (2,))
    expected = [np.log(np.exp(1.0) + np.exp(2.0)), 1000.0]
    np.testing.assert_allclose(sess.run(t), expected, rtol=1e-6)
    assert sess.run(tf.reduce_logsumexp([-np.inf, -np.inf])) == -np.inf
    kept = tf.reduce_logsumexp([1.0, 2.0], keepdims=True)
    assert kept.shape == (1,)


def test_count_nonzero(sess):
    x = tf.constant([[0, 250], [3, 4]])
    t = tf.count_nonzero(x)
    assert (t.op.name, t.dtype) == ("count_nonzero/Sum", tf.int64)
    assert sess.run(t) == 3
    assert sess.run(tf.count_nonzero(x, axis=1, keepdims=True)).tolist() == [[1], [2]]
    small = tf.count_nonzero(x, axis=0, dtype=tf.int32)
    assert small.dtype == tf.int32 and sess.run(small).tolist() == [1, 2]
    assert sess.run(tf.count_nonzero(tf.constant(["", "a"]))) == 1


def test_variance_and_std(sess):
    x = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]], np.float32)
    np.testing.assert_allclose(sess.run(tf.math.reduce_variance(x, axis=1)), np.var(x, axis=1))
    np.testing.assert_allclose(sess.run(tf.math.reduce_std(x)), np.std(x), rtol=1e-6)


# -- gradients ---------------------------------------------------------------------------
X = np.array([[[0.5, -1.2, 2.0, 0.1], [1.5, 0.7, -0.3, 0.9], [0.2, 1.9, -0.8, 1.1]]] * 2)
X[1] *= 0.5


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2]])
@pytest.mark.parametrize(
    "fn", [tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min, tf.reduce_prod]
)
def test_reduction_gradients(fn, axis, keepdims):
    check_gradients(lambda x: fn(x, axis=axis, keepdims=keepdims), X)


def test_reduction_gradients_with_unknown_dimensions(sess):
    x = tf.placeholder(tf.float64, [None, 3])
    for fn in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max):
        (g,) = tf.gradients(fn(x, axis=1), x, grad_ys=tf.constant([1.0, 2.0], tf.float64))
        out = sess.run(g, {x: [[1.0, 5.0, 2.0], [4.0, 4.0, 0.0]]})
        if fn is tf.reduce_sum:
            assert out.tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
        elif fn is tf.reduce_mean:
            np.testing.assert_allclose(out, [[1 / 3] * 3, [2 / 3] * 3])
        else:  # ties share the gradient
            assert out.tolist() == [[0.0, 1.0, 0.0], [1.0, 1.0, 0.0]]


def test_gradient_with_axes_fed_at_run_time(sess):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float64)
    a = tf.placeholder(tf.int32, [None])
    (g,) = tf.gradients(tf.reduce_sum(x, a), x, grad_ys=tf.constant([1.0, 2.0], tf.float64))
    assert sess.run(g, {a: [0]}).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    assert sess.run(g, {a: [-1]}).tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_prod_gradient_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    check_gradients(lambda t: tf.reduce_prod(t, axis=1), x)
    check_gradients(lambda t: tf.reduce_prod(t), x[2:] + np.eye(1, 3))


def test_logsumexp_and_variance_gradients():
    check_gradients(lambda t: tf.reduce_logsumexp(t, axis=1), X[0])
    check_gradients(lambda t: tf.reduce_logsumexp(t), X[0])
    check_gradients(lambda t: tf.math.reduce_std(t, axis=0), X[0])


def test_reduced_shape(sess):
    from teachflow.ops.math_ops import reduced_shape

    # Known while building: a numpy array, as TF's; else TF's DynamicStitch.
    got = reduced_shape(tf.constant([2, 3, 5]), tf.constant([1, -1]))
    assert got.tolist() == [2, 1, 1]
    axes = tf.placeholder(tf.int32, [2])
    got = reduced_shape(tf.constant([2, 3, 5]), axes)
    assert got.op.type == "DynamicStitch"
    assert sess.run(got, {axes: [1, -1]}).tolist() == [2, 1, 1]


def test_gradient_of_reducing_a_scalar():
    check_gradients(lambda t: tf.reduce_sum(t) * 3.0, np.array(2.0))
    check_gradients(lambda t: tf.reduce_mean(t, axis=[]), np.array([1.0, 2.0]))
