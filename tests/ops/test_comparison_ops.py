"""Comparisons, logical ops and tf.where (Select / Where)."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients

COMPARISONS = [
    (tf.equal, np.equal, "Equal"),
    (tf.not_equal, np.not_equal, "NotEqual"),
    (tf.less, np.less, "Less"),
    (tf.less_equal, np.less_equal, "LessEqual"),
    (tf.greater, np.greater, "Greater"),
    (tf.greater_equal, np.greater_equal, "GreaterEqual"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("sa,sb", [((), ()), ((2, 3), (3,)), ((3, 1), (1, 2))])
@pytest.mark.parametrize("fn,ref,op_type", COMPARISONS)
def test_comparisons_match_numpy(sess, fn, ref, op_type, sa, sb, dtype):
    rng = np.random.default_rng(4)
    a = rng.integers(0, 3, size=sa).astype(dtype)
    b = rng.integers(0, 3, size=sb).astype(dtype)
    t = fn(a, b)
    assert (t.op.type, t.dtype, t.shape) == (op_type, tf.bool, np.broadcast_shapes(sa, sb))
    out = sess.run(t)
    assert np.asarray(out).dtype == np.bool_
    np.testing.assert_array_equal(out, ref(a, b))


def test_equality_of_strings_and_bools(sess):
    got = sess.run(
        [
            tf.equal(tf.constant(["a", "b"]), "a"),
            tf.not_equal(tf.constant([True, False]), True),
            tf.equal(tf.constant(b"x"), b"x"),
        ]
    )
    assert got[0].tolist() == [True, False] and got[1].tolist() == [False, True]
    assert got[2] is np.True_


def test_ordering_refuses_bools_and_mixed_dtypes():
    with pytest.raises(TypeError, match="DataType bool not in list"):
        tf.less(tf.constant([True]), tf.constant([True]))
    with pytest.raises(TypeError, match="Input 'y' of 'Less' Op has type float32"):
        tf.less(tf.constant([1]), tf.constant([1.0]))


def test_logical_ops(sess):
    a = tf.constant([True, True, False, False])
    b = tf.constant([True, False, True, False])
    got = sess.run(
        [tf.logical_and(a, b), tf.logical_or(a, b), tf.logical_xor(a, b), tf.logical_not(a)]
    )
    assert [v.tolist() for v in got] == [
        [True, False, False, False],
        [True, True, True, False],
        [False, True, True, False],
        [False, False, True, True],
    ]


def test_logical_xor_is_built_from_three_ops():
    x = tf.logical_xor(tf.constant(True), tf.constant(False))
    assert (x.op.type, x.op.name) == ("LogicalAnd", "LogicalXor")
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert {"LogicalXor/LogicalOr", "LogicalXor/LogicalAnd", "LogicalXor/LogicalNot"} <= names


def test_logical_ops_need_bools():
    with pytest.raises(TypeError, match="Input 'x' of 'LogicalNot' Op has type int32 that does"):
        tf.logical_not(tf.constant([1]))
    with pytest.raises(TypeError, match="expected type of bool"):
        tf.logical_and(tf.constant([1]), tf.constant([1]))


# -- tf.where ----------------------------------------------------------------------------
def test_where_selects_elementwise(sess):
    t = tf.where([True, False], tf.constant([1, 2]), tf.constant([3, 4]))
    assert (t.op.type, t.op.name, t.dtype) == ("Select", "Select", tf.int32)
    assert sess.run(t).tolist() == [1, 4]


def test_where_vector_condition_picks_rows(sess):
    t = tf.where([True, False], tf.constant([[1, 2], [3, 4]]), tf.constant([[5, 6], [7, 8]]))
    assert t.shape == (2, 2)
    assert sess.run(t).tolist() == [[1, 2], [7, 8]]


def test_where_scalar_condition(sess):
    t = tf.where(tf.constant(False), tf.constant([[1, 2]]), tf.constant([[5, 6]]))
    assert sess.run(t).tolist() == [[5, 6]]
    s = tf.where(True, 1.0, 2.0)
    out = sess.run(s)
    assert out == 1.0 and isinstance(out, np.float32)


def test_where_static_errors():
    with pytest.raises(
        ValueError, match="Dimension 0 in both shapes must be equal, but are 3 and 2"
    ):
        tf.where([True, False, True], tf.constant([[1, 2], [3, 4]]), tf.constant([[5, 6], [7, 8]]))
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
        tf.where([[True, False], [False, True]], tf.constant([1, 2]), tf.constant([3, 4]))
    with pytest.raises(TypeError, match="Input 'e' of 'Select' Op has type float32"):
        tf.where([True, False], tf.constant([1, 2]), tf.constant([3.0, 4.0]))
    with pytest.raises(TypeError, match="Input 'condition' of 'Select' Op has type int32"):
        tf.where(tf.constant([1, 0]), tf.constant([1, 2]), tf.constant([3, 4]))
    with pytest.raises(ValueError, match="x and y must both be non-None or both be None"):
        tf.where([True, False], tf.constant([1, 2]))


def test_where_runtime_errors(sess):
    c = tf.placeholder(tf.bool, [None])
    rows = tf.where(c, tf.constant([[1, 2], [3, 4]]), tf.constant([[1, 2], [3, 4]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Number of batches of 'then' must"):
        sess.run(rows, {c: [True, False, True]})
    elems = tf.where(c, tf.constant([1, 2]), tf.constant([3, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have the same size and shape"):
        sess.run(elems, {c: [True, False, True]})


def test_where_with_only_a_condition_gives_coordinates(sess):
    t = tf.where([[True, False], [True, True]])
    assert (t.op.type, t.dtype, t.shape) == ("Where", tf.int64, tf.TensorShape([None, 2]))
    out = sess.run(t)
    assert out.dtype == np.int64 and out.tolist() == [[0, 0], [1, 0], [1, 1]]
    assert sess.run(tf.where(tf.constant([0, 3, 0, 2]))).tolist() == [[1], [3]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unhandled input dimensions: 0"):
        sess.run(tf.where(tf.constant(True)))


def test_where_v2_broadcasts(sess):
    t = tf.where_v2([[True], [False]], tf.constant([1, 2, 3]), tf.constant(0))
    assert (t.op.type, t.shape) == ("SelectV2", (2, 3))
    assert sess.run(t).tolist() == [[1, 2, 3], [0, 0, 0]]


def test_select_gradients():
    cond = [[True, False, True], [False, False, True]]
    x = np.arange(6.0).reshape(2, 3)
    g = check_gradients(lambda a, b: tf.where(cond, a, b), x, -x)
    assert (g[0] != 0).tolist() == cond
    check_gradients(lambda a, b: tf.where([True, False], a, b), x, -x)
    check_gradients(
        lambda a, b: tf.where_v2([True, False, True], a, b), x, np.array([1.0, 2.0, 3.0])
    )


def test_comparisons_have_no_gradient():
    x = tf.constant([1.0, 2.0])
    assert tf.gradients(tf.cast(tf.less(x, 1.5), tf.float32), x, grad_ys=tf.ones([2])) == [None]
