"""Elementwise functions of one tensor: values, dtypes, errors and gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


FLOAT_FUNCTIONS = [
    (tf.abs, np.abs, "Abs"),
    (tf.square, np.square, "Square"),
    (tf.sqrt, np.sqrt, "Sqrt"),
    (tf.rsqrt, lambda x: 1 / np.sqrt(x), "Rsqrt"),
    (tf.exp, np.exp, "Exp"),
    (tf.log, np.log, "Log"),
    (tf.log1p, np.log1p, "Log1p"),
    (tf.expm1, np.expm1, "Expm1"),
    (tf.sin, np.sin, "Sin"),
    (tf.cos, np.cos, "Cos"),
    (tf.tan, np.tan, "Tan"),
    (tf.sign, np.sign, "Sign"),
    (tf.reciprocal, np.reciprocal, "Reciprocal"),
    (tf.floor, np.floor, "Floor"),
    (tf.ceil, np.ceil, "Ceil"),
    (tf.round, np.round, "Round"),
    (tf.sigmoid, _sigmoid, "Sigmoid"),
    (tf.tanh, np.tanh, "Tanh"),
]


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("fn,ref,op_type", FLOAT_FUNCTIONS)
def test_float_functions_match_numpy(sess, fn, ref, op_type, dtype, shape):
    x = np.random.default_rng(3).uniform(0.1, 2.5, size=shape).astype(dtype)
    t = fn(tf.constant(x))
    assert (t.op.type, t.dtype, t.shape) == (op_type, tf.as_dtype(dtype), tf.TensorShape(shape))
    out = sess.run(t)
    assert np.asarray(out).dtype == dtype
    if shape == ():
        assert isinstance(out, np.generic)
    rtol = 2e-3 if dtype == np.float16 else 1e-6
    np.testing.assert_allclose(out, ref(x.astype(np.float64)).astype(dtype), rtol=rtol)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_integer_functions(sess, dtype):
    x = np.array([-3, 0, 2], dtype)
    out = sess.run([tf.abs(x), tf.square(x), tf.sign(x), tf.negative(x)])
    assert [v.tolist() for v in out] == [[3, 0, 2], [9, 0, 4], [-1, 0, 1], [3, 0, -2]]
    assert all(v.dtype == dtype for v in out)


def test_round_sends_halves_to_even(sess):
    out = sess.run(tf.round([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]))
    assert out.tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 2.0]
    ints = tf.constant([1, 2])
    assert tf.round(ints) is ints


def test_special_values(sess):
    out = sess.run(tf.log(tf.constant([0.0, -1.0])))
    assert out[0] == -np.inf and np.isnan(out[1])
    assert sess.run(tf.sigmoid(tf.constant([-1000.0, 1000.0]))).tolist() == [0.0, 1.0]
    s = sess.run(tf.sign(tf.constant([np.nan, -2.0, 0.0])))
    assert np.isnan(s[0]) and s[1:].tolist() == [-1.0, 0.0]


def test_nan_and_inf_predicates(sess):
    x = tf.constant([1.0, np.nan, np.inf, -np.inf])
    nan, inf, finite = tf.is_nan(x), tf.is_inf(x), tf.is_finite(x)
    assert nan.dtype == tf.bool and nan.op.type == "IsNan"
    got = sess.run([nan, inf, finite])
    assert [v.tolist() for v in got] == [
        [False, True, False, False],
        [False, False, True, True],
        [True, False, False, False],
    ]


@pytest.mark.parametrize("fn", [tf.exp, tf.log, tf.sqrt, tf.sigmoid, tf.tanh, tf.floor])
def test_float_only_functions_refuse_integers(fn):
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        fn(tf.constant([1, 2]))


def test_abs_refuses_bools():
    with pytest.raises(TypeError, match="DataType bool"):
        tf.abs(tf.constant([True]))


def test_names():
    x = tf.constant([1.0])
    assert tf.sigmoid(x).name == "Sigmoid:0"
    assert tf.exp(x, name="e").name == "e:0"
    assert tf.sqrt(2.0).op.inputs[0].name == "Sqrt/x:0"
    assert abs(x).name == "Abs:0"


X = np.array([[0.3, -1.1, 2.0], [0.9, -0.4, 1.4]])
POSITIVE = np.abs(X) + 0.3


@pytest.mark.parametrize(
    "fn,x",
    [
        (tf.abs, X),
        (tf.square, X),
        (tf.sqrt, POSITIVE),
        (tf.rsqrt, POSITIVE),
        (tf.exp, X),
        (tf.log, POSITIVE),
        (tf.log1p, POSITIVE),
        (tf.expm1, X),
        (tf.sin, X),
        (tf.cos, X),
        (tf.tan, X * 0.5),
        (tf.reciprocal, POSITIVE),
        (tf.sigmoid, X),
        (tf.tanh, X),
    ],
)
def test_gradients_match_finite_differences(fn, x):
    check_gradients(fn, x)


@pytest.mark.parametrize("fn", [tf.sigmoid, tf.tanh, tf.sqrt, tf.rsqrt, tf.reciprocal])
def test_second_derivatives(fn):
    # The gradient ops (SigmoidGrad, ...) have gradients of their own.
    def first_derivative(x):
        (g,) = tf.gradients(fn(x), x, grad_ys=tf.ones_like(x))
        return g

    check_gradients(first_derivative, POSITIVE)


def test_gradient_ops_are_tensorflows():
    x = tf.constant([1.0, 2.0])
    (g,) = tf.gradients(tf.sigmoid(x), x, grad_ys=tf.ones_like(x))
    assert g.op.type == "SigmoidGrad"


def test_piecewise_constant_functions_have_zero_or_no_gradient(sess):
    x = tf.constant([1.5, -2.5])
    ones = tf.constant([1.0, 1.0])
    for fn in (tf.floor, tf.ceil, tf.round):
        assert tf.gradients(fn(x), x, grad_ys=ones) == [None]
    (g,) = tf.gradients(tf.sign(x), x, grad_ys=ones)
    assert sess.run(g).tolist() == [0.0, 0.0]
