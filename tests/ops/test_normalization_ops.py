"""tf.nn.batch_normalization, fused_batch_norm (FusedBatchNormV3 and its gradient op) and
lrn: against TensorFlow's recorded answers, NumPy formulas and finite differences."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients
from tests.ops.nn_conv_fixtures import (
    ERROR_CLASSES,
    cases_of,
    check_case,
    check_error,
    errors_of,
)

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(
    "name", cases_of("fused_batch_norm", "batch_normalization", "lrn", "weighted_moments")
)
def test_matches_tensorflow(name):
    check_case(name)


@pytest.mark.parametrize("name", errors_of("fused_batch_norm"))
def test_errors_match_tensorflow(name):
    check_error(name, ERROR_CLASSES)


def test_batch_normalization_op_order():
    x = tf.placeholder(tf.float32, [None, 3])
    mean, variance = tf.nn.moments(x, [0])
    y = tf.nn.batch_normalization(x, mean, variance, tf.zeros([3]), tf.ones([3]), 1e-3)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert [n for n in names if n.startswith("batchnorm/")] == [
        "batchnorm/add/y", "batchnorm/add", "batchnorm/Rsqrt", "batchnorm/mul",
        "batchnorm/mul_1", "batchnorm/mul_2", "batchnorm/sub", "batchnorm/add_1",
    ]  # fmt: skip
    assert y.op.name == "batchnorm/add_1"


def test_batch_normalization_gradients_match_finite_differences():
    x = RNG.standard_normal((4, 3))

    def normalised(a, scale, offset):
        mean, variance = tf.nn.moments(a, [0])
        return tf.nn.batch_normalization(a, mean, variance, offset, scale, 1e-3)

    check_gradients(normalised, x, RNG.uniform(0.5, 2, 3), RNG.standard_normal(3), rtol=1e-4)


def test_fused_training_normalises_with_the_batch(sess):
    x = RNG.standard_normal((8, 2, 2, 3)).astype(np.float32) * 3 + 1
    y, mean, variance = tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]), epsilon=0.0)
    yv, mv, vv = sess.run([y, mean, variance])
    flat = x.reshape(-1, 3)
    np.testing.assert_allclose(mv, flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(vv, flat.var(0, ddof=1), rtol=1e-5)  # Bessel-corrected
    eps = 1.001e-5  # raised to cuDNN's minimum
    want = (flat - flat.mean(0)) / np.sqrt(flat.var(0) + eps)
    np.testing.assert_allclose(yv.reshape(-1, 3), want, rtol=1e-4, atol=1e-5)
    assert y.op.get_attr("epsilon") == pytest.approx(1.001e-5)


def test_fused_inference_uses_the_given_statistics(sess):
    x = RNG.standard_normal((2, 2, 2, 2)).astype(np.float32)
    y, m, v = tf.nn.fused_batch_norm(
        x, [2.0, 1.0], [0.5, 0.0], mean=[1.0, -1.0], variance=[4.0, 1.0], is_training=False
    )
    want = (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 1.0]) + 1e-3) * [2.0, 1.0] + [0.5, 0.0]
    yv, mv, vv = sess.run([y, m, v])
    np.testing.assert_allclose(yv, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mv, [1.0, -1.0])
    np.testing.assert_array_equal(vv, [4.0, 1.0])


def test_fused_inference_needs_statistics():
    with pytest.raises(ValueError, match="must be a 1D tensor when is_training is False"):
        tf.nn.fused_batch_norm(tf.ones([1, 1, 1, 1]), [1.0], [0.0], is_training=False)


def test_fused_rejects_float64():
    with pytest.raises(TypeError, match="DataType float64 not in list"):
        tf.nn.fused_batch_norm(np.ones((1, 1, 1, 1)), [1.0], [0.0])


def test_fused_half_precision(sess):
    x = RNG.standard_normal((4, 2, 2, 2)).astype(np.float16)
    y, mean, _ = tf.nn.fused_batch_norm(x, [1.0, 1.0], [0.0, 0.0])
    yv, mv = sess.run([y, mean])
    assert y.dtype == tf.float16 and yv.dtype == np.float16 and mv.dtype == np.float32
    flat = x.astype(np.float32).reshape(-1, 2)
    want = (flat - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-3)
    np.testing.assert_allclose(yv.reshape(-1, 2), want, atol=4 * np.finfo(np.float16).eps * 4)


def test_lrn_values(sess):
    x = RNG.standard_normal((1, 2, 2, 7)).astype(np.float32)
    y = tf.nn.local_response_normalization(x, depth_radius=2, bias=1.5, alpha=0.3, beta=0.6)
    sqr = np.pad(x**2, [(0, 0)] * 3 + [(2, 2)])
    window = sum(sqr[..., k : k + 7] for k in range(5))
    np.testing.assert_allclose(sess.run(y), x / (1.5 + 0.3 * window) ** 0.6, rtol=1e-5)
    assert y.op.type == "LRN" and tf.nn.lrn is tf.nn.local_response_normalization


def test_lrn_gradient_against_finite_differences_of_its_formula(sess):
    # LRN is float16/float32 only, so the check runs in float32 with a matching step.
    x_value = RNG.standard_normal((1, 1, 2, 5)).astype(np.float32)
    x = tf.placeholder(tf.float32, x_value.shape)
    y = tf.nn.lrn(x, depth_radius=1, bias=1.0, alpha=0.5, beta=0.75)
    w = RNG.standard_normal(x_value.shape).astype(np.float32)
    (g,) = tf.gradients(y, [x], grad_ys=tf.constant(w))
    assert g.op.type == "LRNGrad"
    analytic = sess.run(g, {x: x_value})

    def f(v):
        v = v.astype(np.float64)
        sqr = np.pad(v**2, [(0, 0)] * 3 + [(1, 1)])
        window = sum(sqr[..., k : k + 5] for k in range(3))
        return np.sum(w * v / (1 + 0.5 * window) ** 0.75)

    numeric = np.zeros_like(x_value, dtype=np.float64)
    for i in np.ndindex(x_value.shape):
        up, down = x_value.astype(np.float64), x_value.astype(np.float64)
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric[i] = (f(up) - f(down)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-5)


def test_sufficient_statistics_and_normalize_moments(sess):
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    counts, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0], shift=0.5)
    mean, variance = tf.nn.normalize_moments(counts, m_ss, v_ss, shift)
    assert m_ss.op.name == "sufficient_statistics/mean_ss" and mean.op.name == "normalize/mean"
    got_mean, got_var, n = sess.run([mean, variance, counts])
    assert n == 5
    np.testing.assert_allclose(got_mean, x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_var, x.var(0), rtol=1e-4, atol=1e-6)


def test_weighted_moments_with_zero_weights_is_zero(sess):
    mean, variance = tf.nn.weighted_moments(tf.ones([3]), [0], tf.zeros([3]))
    assert sess.run([mean, variance]) == [0.0, 0.0]
