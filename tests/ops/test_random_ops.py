"""Random ops: distributions, dtypes, graph structure and TF1's seeding rules."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework.random_seed import DEFAULT_GRAPH_SEED


def _run_in_new_session(t, n=1):
    with tf.Session(graph=t.graph) as sess:
        return [sess.run(t) for _ in range(n)]


# -- values and statistics -----------------------------------------------------------------
def test_random_normal_statistics(sess):
    x = tf.random_normal([20000], mean=3.0, stddev=2.0, seed=1)
    v = sess.run(x)
    assert v.dtype == np.float32 and v.shape == (20000,)
    assert abs(v.mean() - 3.0) < 0.06
    assert abs(v.std() - 2.0) < 0.06


def test_random_uniform_float_range_and_statistics(sess):
    v = sess.run(tf.random_uniform([20000], minval=-2.0, maxval=4.0, seed=2))
    assert v.dtype == np.float32
    assert v.min() >= -2.0 and v.max() < 4.0
    assert abs(v.mean() - 1.0) < 0.06
    assert abs(v.var() - 36 / 12) < 0.1


def test_random_uniform_defaults_to_unit_interval(sess):
    v = sess.run(tf.random_uniform([1000], dtype=tf.float64))
    assert v.dtype == np.float64
    assert 0.0 <= v.min() and v.max() < 1.0


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_random_uniform_int(sess, dtype):
    x = tf.random_uniform([5000], 3, 7, dtype=dtype, seed=3)
    assert x.op.type == "RandomUniformInt" and x.dtype == dtype
    v = sess.run(x)
    assert v.dtype == dtype.as_numpy_dtype
    assert set(np.unique(v)) == {3, 4, 5, 6}


def test_random_uniform_int_needs_maxval():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype tf.int32"):
        tf.random_uniform([2], 0, None, dtype=tf.int32)


def test_random_uniform_int_empty_range_is_a_runtime_error(sess):
    x = tf.random_uniform([2], 5, 5, dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 5 >= 5"):
        sess.run(x)


def test_truncated_normal_stays_within_two_stddev(sess):
    v = sess.run(tf.truncated_normal([20000], mean=1.0, stddev=0.5, seed=4))
    assert v.min() >= 0.0 and v.max() <= 2.0
    # A unit normal truncated at ±2 has standard deviation 0.8796.
    assert abs(v.std() - 0.5 * 0.8796) < 0.02
    assert abs(v.mean() - 1.0) < 0.02


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_float_dtypes(sess, dtype):
    for t in (
        tf.random_normal([3], dtype=dtype),
        tf.truncated_normal([3], dtype=dtype),
        tf.random_uniform([3], dtype=dtype),
    ):
        assert t.dtype == dtype
        assert sess.run(t).dtype == dtype.as_numpy_dtype


def test_scalar_shape_gives_numpy_scalar(sess):
    v = sess.run(tf.random_normal([]))
    assert isinstance(v, np.float32)


def test_integer_dtype_for_normal_is_rejected():
    with pytest.raises(TypeError):
        tf.random_normal([2], dtype=tf.int32)


# -- shapes -----------------------------------------------------------------------------------
def test_shape_from_tensor_and_partial_shape(sess):
    n = tf.placeholder(tf.int32, [2])
    x = tf.random_normal(n)
    assert x.shape.as_list() == [None, None]
    assert sess.run(x, {n: [2, 5]}).shape == (2, 5)
    assert tf.random_normal(tf.placeholder(tf.int32)).shape.ndims is None


def test_shape_from_shape_op_is_static():
    p = tf.placeholder(tf.float32, [None, 4])
    assert tf.random_uniform(tf.shape(p)).shape.as_list() == [None, 4]


def test_shape_must_be_integer():
    with pytest.raises(TypeError, match="parameter 'shape' has DataType float32"):
        tf.random_normal(tf.placeholder(tf.float32, [2]))


def test_negative_dimension_is_a_runtime_error(sess):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        sess.run(tf.random_normal([-1]))


def test_tensor_shape_argument():
    assert tf.random_normal(tf.TensorShape([2, 3])).shape.as_list() == [2, 3]


# -- graph structure ----------------------------------------------------------------------------
def test_random_normal_op_names_follow_tensorflow():
    x = tf.random_normal([2, 3])
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == [
        "random_normal/shape",
        "random_normal/mean",
        "random_normal/stddev",
        "random_normal/RandomStandardNormal",
        "random_normal/mul",
        "random_normal",
    ]
    assert x.op.type == "AddV2"
    assert x.shape.as_list() == [2, 3]


def test_random_uniform_op_names():
    tf.random_uniform([2], 1.0, 5.0)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == [
        "random_uniform/shape",
        "random_uniform/min",
        "random_uniform/max",
        "random_uniform/RandomUniform",
        "random_uniform/sub",
        "random_uniform/mul",
        "random_uniform",
    ]


def test_random_ops_are_stateful_and_not_differentiable():
    x = tf.random_normal([2])
    rnd = x.graph.get_operation_by_name("random_normal/RandomStandardNormal")
    assert rnd._is_stateful
    assert rnd.op_def.not_differentiable


# -- seeding -------------------------------------------------------------------------------------
def test_no_seeds_gives_zero_attrs():
    tf.random_normal([2])
    op = tf.get_default_graph().get_operation_by_name("random_normal/RandomStandardNormal")
    assert (op.get_attr("seed"), op.get_attr("seed2")) == (0, 0)


def test_op_seed_alone_uses_default_graph_seed():
    tf.truncated_normal([2], seed=3)
    op = tf.get_default_graph().get_operation_by_name("truncated_normal/TruncatedNormal")
    assert (op.get_attr("seed"), op.get_attr("seed2")) == (DEFAULT_GRAPH_SEED, 3)


def test_graph_seed_alone_counts_the_graphs_random_ops():
    # TF 2.x (and its tf.compat.v1): the n-th op that takes its seed from the graph seed
    # gets seed2 = n, however many other ops were built in between.
    tf.set_random_seed(5)
    g = tf.get_default_graph()
    tf.random_normal([2])
    tf.constant([1.0, 2.0]) * 3.0
    tf.random_uniform([2], seed=9)  # has its own op seed: not counted
    tf.truncated_normal([2])
    first = g.get_operation_by_name("random_normal/RandomStandardNormal")
    second = g.get_operation_by_name("truncated_normal/TruncatedNormal")
    assert (first.get_attr("seed"), first.get_attr("seed2")) == (5, 0)
    assert (second.get_attr("seed"), second.get_attr("seed2")) == (5, 1)
    with tf.Graph().as_default():  # each graph counts from 0
        tf.set_random_seed(5)
        assert tf.get_seed(None) == (5, 0)


def test_get_seed_rules():
    assert tf.get_seed(None) == (None, None)
    assert tf.get_seed(7) == (DEFAULT_GRAPH_SEED, 7)
    tf.set_random_seed(1)
    assert tf.get_seed(7) == (1, 7)
    assert tf.random.get_seed(None)[0] == 1
    tf.set_random_seed(0)
    assert tf.get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "no seed"


def test_consecutive_runs_differ_and_new_session_repeats():
    x = tf.random_normal([4], seed=11)
    a, b = _run_in_new_session(x, 2)
    (c,) = _run_in_new_session(x)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_graph_seed_reproducible_across_graphs():
    def build():
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(42)
            return tf.random_uniform([5]), tf.random_normal([5])

    u1, n1 = build()
    u2, n2 = build()
    np.testing.assert_array_equal(_run_in_new_session(u1)[0], _run_in_new_session(u2)[0])
    np.testing.assert_array_equal(_run_in_new_session(n1)[0], _run_in_new_session(n2)[0])
    # Two ops in one graph get different op seeds, hence different values.
    assert not np.array_equal(_run_in_new_session(u1)[0], _run_in_new_session(n1)[0])


def test_different_op_seeds_differ(sess):
    a, b, c = sess.run(
        [
            tf.random_normal([5], seed=1),
            tf.random_normal([5], seed=2),
            tf.random_normal([5], seed=1),
        ]
    )
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_no_seed_differs_between_sessions():
    x = tf.random_normal([6])
    assert not np.array_equal(_run_in_new_session(x)[0], _run_in_new_session(x)[0])


def test_random_namespace():
    assert tf.random.normal is tf.random_normal
    assert tf.random.uniform is tf.random_uniform
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.shuffle is tf.random_shuffle
    assert tf.random.set_random_seed is tf.set_random_seed


# -- shuffle and categorical samples -----------------------------------------------------------------
def test_random_shuffle_permutes_first_dimension(sess):
    value = np.arange(12, dtype=np.int32).reshape(6, 2)
    x = tf.random_shuffle(value, seed=1)
    assert x.op.name == "RandomShuffle" and x.op.inputs[0].op.name == "RandomShuffle/value"
    v = sess.run(x)
    assert v.dtype == np.int32 and v.shape == (6, 2)
    assert sorted(map(tuple, v)) == sorted(map(tuple, value))
    assert all(row[1] == row[0] + 1 for row in v)


def test_random_shuffle_scalar(sess):
    assert sess.run(tf.random_shuffle(tf.constant(3))) == 3


def test_multinomial_follows_the_softmax(sess):
    logits = np.log(np.array([[0.2, 0.8], [1.0, 0.0]], dtype=np.float32) + 1e-30)
    x = tf.multinomial(logits, 4000, seed=5)
    assert x.op.name == "multinomial/Multinomial"
    assert x.dtype == tf.int64 and x.shape.as_list() == [2, 4000]
    v = sess.run(x)
    assert v.dtype == np.int64
    assert abs(v[0].mean() - 0.8) < 0.03
    assert (v[1] == 0).all()


def test_categorical_dtype(sess):
    x = tf.random.categorical([[0.0, 1.0, 2.0]], 10, dtype=tf.int32)
    assert x.op.name == "categorical/Multinomial"
    v = sess.run(x)
    assert v.dtype == np.int32 and v.min() >= 0 and v.max() <= 2
    with pytest.raises(ValueError, match="invalid value"):
        tf.random.categorical([[0.0]], 1, dtype=tf.float32)
