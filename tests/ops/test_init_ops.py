"""Initializers: values, statistics, fans, dtypes and their validation errors."""

import math

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import init_ops


@pytest.mark.parametrize(
    "init, dtype, expected",
    [
        (tf.zeros_initializer(), tf.float32, 0.0),
        (tf.zeros_initializer(), tf.int32, 0),
        (tf.zeros_initializer(), tf.bool, False),
        (tf.ones_initializer(), tf.float64, 1.0),
        (tf.ones_initializer(), tf.int64, 1),
        (tf.constant_initializer(2.5), tf.float32, 2.5),
    ],
)
def test_filling_initializers(sess, init, dtype, expected):
    t = init([2, 3], dtype)
    v = sess.run(t)
    assert t.dtype == dtype and v.dtype == dtype.as_numpy_dtype
    np.testing.assert_array_equal(v, np.full((2, 3), expected, dtype=dtype.as_numpy_dtype))


def test_zeros_and_ones_op_names():
    assert tf.zeros_initializer()([2]).op.name == "zeros"
    assert tf.ones_initializer()([2]).op.name == "ones"
    assert tf.constant_initializer(1.0)([2]).op.name == "Const"


def test_zeros_for_strings(sess):
    v = sess.run(tf.zeros_initializer()([2], tf.string))
    assert list(v) == [b"", b""]


def test_large_zeros(sess):
    v = sess.run(tf.zeros_initializer()([50, 40]))
    assert v.shape == (50, 40) and not v.any()


def test_constant_initializer_reshapes_a_list(sess):
    v = sess.run(tf.constant_initializer([1, 2, 3, 4])([2, 2], tf.int32))
    np.testing.assert_array_equal(v, [[1, 2], [3, 4]])


def test_constant_initializer_verify_shape():
    init = tf.constant_initializer([1.0, 2.0], verify_shape=True)
    with pytest.raises(TypeError, match="Expected Tensor's shape"):
        init([3])


def test_constant_initializer_rejects_other_types():
    with pytest.raises(TypeError, match="Invalid type for initial value"):
        tf.constant_initializer({"a": 1})


def test_initializer_dtype_default_comes_from_constructor(sess):
    t = tf.ones_initializer(dtype=tf.int32)([2])
    assert t.dtype == tf.int32


def test_random_normal_initializer_statistics(sess):
    v = sess.run(tf.random_normal_initializer(mean=1.0, stddev=0.1, seed=1)([20000]))
    assert abs(v.mean() - 1.0) < 0.005 and abs(v.std() - 0.1) < 0.005


def test_truncated_normal_initializer_bounds(sess):
    v = sess.run(tf.truncated_normal_initializer(stddev=0.5, seed=1)([10000]))
    assert np.abs(v).max() <= 1.0


def test_random_uniform_initializer_range(sess):
    v = sess.run(tf.random_uniform_initializer(-0.5, 0.5, seed=1)([10000]))
    assert v.min() >= -0.5 and v.max() < 0.5
    v = sess.run(tf.random_uniform_initializer(0, 4, dtype=tf.int32)([100]))
    assert v.dtype == np.int32 and set(v) <= {0, 1, 2, 3}


def test_seeded_initializer_is_reproducible():
    init = tf.random_normal_initializer(seed=3)
    a = init([4])
    b = init([4])
    with tf.Session() as s1, tf.Session() as s2:
        first = s1.run(a)
        np.testing.assert_array_equal(first, s2.run(a))
        # Same op seed, same graph seed: a second op draws the same numbers.
        np.testing.assert_array_equal(first, s1.run(b))


@pytest.mark.parametrize(
    "shape, fans",
    [([], (1, 1)), ([5], (5, 5)), ([3, 4], (3, 4)), ([2, 3, 4, 5], (24, 30))],
)
def test_compute_fans(shape, fans):
    assert init_ops.compute_fans(shape) == fans


def test_glorot_uniform_limit(sess):
    v = sess.run(tf.glorot_uniform_initializer(seed=1)([200, 300]))
    limit = math.sqrt(6.0 / (200 + 300))
    assert v.min() >= -limit and v.max() <= limit
    assert abs(v.std() - limit / math.sqrt(3)) < 0.002


def test_glorot_normal_stddev(sess):
    v = sess.run(tf.glorot_normal_initializer(seed=1)([200, 300]))
    assert abs(v.std() - math.sqrt(2.0 / 500)) < 0.002


@pytest.mark.parametrize("mode, n", [("fan_in", 100), ("fan_out", 400), ("fan_avg", 250)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_variance(sess, mode, n, distribution):
    init = tf.variance_scaling_initializer(scale=2.0, mode=mode, distribution=distribution, seed=7)
    v = sess.run(init([100, 400]))
    assert v.dtype == np.float32
    np.testing.assert_allclose(v.var(), 2.0 / n, rtol=0.05)


def test_variance_scaling_graph():
    t = tf.variance_scaling_initializer(distribution="uniform")([3, 3])
    assert t.op.name == "random_uniform"
    t = tf.variance_scaling_initializer()([3, 3])
    assert t.op.name == "truncated_normal"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": 0.0}, "`scale` must be positive float."),
        ({"mode": "fan_sum"}, "Invalid `mode` argument: fan_sum"),
        ({"distribution": "cauchy"}, "Invalid `distribution` argument: cauchy"),
        ({"dtype": tf.int32}, "Expected floating point type, got <dtype: 'int32'>."),
    ],
)
def test_variance_scaling_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tf.variance_scaling_initializer(**kwargs)


def test_float_only_initializers_reject_int_dtype():
    for make in (
        tf.random_normal_initializer,
        tf.truncated_normal_initializer,
        tf.glorot_uniform_initializer,
        tf.glorot_normal_initializer,
    ):
        with pytest.raises(ValueError, match="Expected floating point type"):
            make(dtype=tf.int32)


def test_uniform_unit_scaling_limit(sess):
    v = sess.run(tf.uniform_unit_scaling_initializer(factor=2.0, seed=1)([50, 10]))
    limit = math.sqrt(3 / 50) * 2.0
    assert v.min() >= -limit and v.max() < limit


def test_he_and_lecun_helpers():
    assert init_ops.he_normal().scale == 2.0 and init_ops.he_normal().mode == "fan_in"
    assert init_ops.he_uniform().distribution == "uniform"
    assert init_ops.lecun_normal().scale == 1.0
    assert init_ops.lecun_uniform().distribution == "uniform"


def test_partition_info_full_shape_sets_the_fans(sess):
    class Partition:
        full_shape = [1000, 1000]

    v = sess.run(
        tf.variance_scaling_initializer(distribution="untruncated_normal", seed=1)(
            [50, 1000], partition_info=Partition()
        )
    )
    np.testing.assert_allclose(v.var(), 1 / 1000, rtol=0.05)


def test_get_config_round_trip():
    init = tf.variance_scaling_initializer(scale=3.0, mode="fan_out", seed=2)
    again = init_ops.VarianceScaling.from_config(init.get_config())
    assert (again.scale, again.mode, again.seed) == (3.0, "fan_out", 2)
    assert tf.random_normal_initializer(stddev=0.3).get_config()["stddev"] == 0.3


def test_snake_case_names_are_the_classes():
    assert tf.zeros_initializer is init_ops.Zeros
    assert tf.glorot_uniform_initializer is init_ops.GlorotUniform
    assert isinstance(tf.constant_initializer(1), init_ops.Initializer)


def test_initializers_namespace():
    from teachflow import initializers

    assert initializers.zeros is tf.zeros_initializer
    assert initializers.variance_scaling is tf.variance_scaling_initializer
    assert initializers.he_normal is init_ops.he_normal
    v = tf.Variable(1.0)
    assert initializers.global_variables().type == "NoOp"
    assert initializers.variables([v]).type == "NoOp"
