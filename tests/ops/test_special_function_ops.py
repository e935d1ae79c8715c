"""igamma, igammac, betainc, zeta and polygamma against TensorFlow 2.21's values.

The values are recorded by ``tests/fixtures/tensorflow/record_special_functions.py``. TF's
Eigen kernels compute in the dtype itself (a float32 series in float32), teachflow in float64
cast back, so the two differ by TF's rounding: a few dozen ulps of the dtype at most.
"""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

CASES = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/special_functions/cases.json"
RECORD = json.loads(CASES.read_text())


def _ulps(dtype):
    # Cephes' series and fractions accumulate up to ~50 roundings in the dtype (TF's side).
    return 64 * float(np.finfo(dtype).eps)


def _build(case):
    dtype = np.dtype(case["dtype"])
    args = [np.asarray(a, np.float64).astype(dtype) for a in case["args"]]
    if case["fn"] == "betainc":
        inputs = [tf.constant(a) for a in args]
    else:
        inputs = [tf.constant(args[0].reshape(-1, 1)), tf.constant(args[1])]
    return dtype, inputs


def _assert_close(got, expected, dtype):
    expected = np.asarray(expected, np.float64)
    got = np.asarray(got, np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(
        got[finite], expected[finite], rtol=_ulps(dtype), atol=float(np.finfo(dtype).tiny)
    )
    np.testing.assert_array_equal(got[np.isinf(expected)], expected[np.isinf(expected)])


@pytest.mark.parametrize("case", RECORD["cases"], ids=lambda c: f"{c['fn']}-{c['dtype']}")
def test_values_and_gradients_match_tensorflow(case):
    with tf.Graph().as_default():
        dtype, inputs = _build(case)
        out = getattr(tf, case["fn"])(*inputs)
        (grad,) = tf.gradients(tf.reduce_sum(out), inputs[-1])
        assert (out.op.type, out.name) == (case["op_type"], case["name"])
        assert out.dtype.as_numpy_dtype == dtype
        with tf.Session() as sess:
            value, grad_value = sess.run([out, grad])
    assert value.dtype == dtype
    _assert_close(value, case["value"], dtype)
    _assert_close(grad_value, case["grad"], dtype)


def test_math_namespace_has_them():
    for name in ("igamma", "igammac", "betainc", "zeta", "polygamma"):
        assert getattr(tf.math, name) is getattr(tf, name)


def test_betainc_does_not_broadcast():
    with tf.Graph().as_default():
        with pytest.raises(ValueError) as e:
            tf.betainc(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]), 0.5)
    expected = RECORD["betainc_shape_error"]
    # The words before " for <node>" are TF's; teachflow writes the node its own way.
    assert str(e.value).split(" for ")[0] == expected.split(" for ")[0]


def test_betainc_shapes_checked_at_run_time():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, [None])
        out = tf.betainc(a, [1.0, 2.0, 3.0], 0.5)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="Shapes of a and b are "):
                sess.run(out, {a: [1.0, 2.0]})


def test_half_is_not_a_special_function_dtype():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="float16"):
            tf.zeta(tf.constant(2.0, tf.float16), tf.constant(1.0, tf.float16))


def test_python_numbers_take_the_tensor_dtype():
    with tf.Graph().as_default():
        out = tf.igamma(tf.constant([1.0], tf.float64), 2.0)
        assert out.dtype == tf.float64
        assert out.op.inputs[1].name == "Igamma/x:0"


def test_digamma_gradient_is_trigamma():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.5], tf.float64)
        (g,) = tf.gradients(tf.digamma(x), x)
        with tf.Session() as sess:
            got = sess.run(g)
    # trigamma(1) = pi^2 / 6; trigamma(2.5) = pi^2 / 2 - 4 - 4 / 9
    np.testing.assert_allclose(got, [np.pi**2 / 6, np.pi**2 / 2 - 4 - 4 / 9], rtol=1e-14)
