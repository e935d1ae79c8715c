"""tf.nn.top_k and tf.nn.in_top_k: values, tie-breaking, errors and the top_k gradient."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.test_nn_ops import check_gradient


def test_top_k_values_and_indices(sess):
    x = np.array([[1.0, 3.0, 2.0, 3.0], [0.0, -1.0, 5.0, 4.0]], np.float32)
    result = tf.nn.top_k(x, k=3)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.op.type == "TopKV2" and values.op.name == "TopKV2"
    assert values.shape.as_list() == [2, 3] and indices.dtype == tf.int32
    v, i = sess.run([values, indices])
    # Equal values: the lower index comes first.
    np.testing.assert_array_equal(i, [[1, 3, 2], [2, 3, 0]])
    np.testing.assert_array_equal(v, [[3.0, 3.0, 2.0], [5.0, 4.0, 0.0]])
    assert i.dtype == np.int32 and v.dtype == np.float32


def test_top_k_default_and_integers(sess):
    v, i = sess.run(tf.nn.top_k(tf.constant([4, 9, 1])))
    assert list(v) == [9] and list(i) == [1] and v.dtype == np.int32


def test_top_k_errors(sess):
    with pytest.raises(ValueError, match="input must have last dimension >= k = 5 but is 3"):
        tf.nn.top_k([1.0, 2.0, 3.0], k=5)
    with pytest.raises(ValueError, match="Shape must be at least rank 1"):
        tf.nn.top_k(1.0)
    k = tf.placeholder(tf.int32, [])
    values = tf.nn.top_k([1.0, 2.0], k=k).values
    assert values.shape.as_list() == [None]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Had 2, needed 3"):
        sess.run(values, {k: 3})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need k >= 0, got -1"):
        sess.run(values, {k: -1})


def test_top_k_gradient():
    x = np.array([[0.3, -1.2, 2.5, 0.9], [1.1, 0.2, -0.4, 3.3]])
    check_gradient(lambda t: tf.nn.top_k(t, k=2).values, x)


def test_in_top_k(sess):
    predictions = np.array([[0.1, 0.5, 0.5], [1.0, 2.0, np.nan], [3.0, 2.0, 1.0]], np.float32)
    result = tf.nn.in_top_k(predictions, [1, 2, 2], 1)
    assert result.op.name == "in_top_k/InTopKV2" and result.dtype == tf.bool
    # A tie at the boundary counts as in; a NaN target prediction never does.
    np.testing.assert_array_equal(sess.run(result), [True, False, False])
    np.testing.assert_array_equal(
        sess.run(tf.nn.in_top_k(predictions, [0, 0, 2], 3)), [True, True, True]
    )
    # Out-of-range targets are simply not in the top k.
    np.testing.assert_array_equal(
        sess.run(tf.nn.in_top_k(predictions, [5, -1, 0], 2)), [False, False, True]
    )


def test_in_top_k_is_not_differentiable():
    p = tf.constant([[0.1, 0.9]])
    assert tf.gradients(tf.cast(tf.nn.in_top_k(p, [1], 1), tf.float32), p) == [None]


@pytest.mark.parametrize("targets_dtype", [tf.int32, tf.int64])
def test_in_top_k_graph_reimports_with_the_targets_dtype_as_T(targets_dtype):
    # TF's InTopKV2 has T for targets and k (predictions are always float32).
    graph = tf.Graph()
    with graph.as_default():
        predictions = tf.placeholder(tf.float32, [None, 3], name="predictions")
        targets = tf.placeholder(targets_dtype, [None], name="targets")
        tf.nn.in_top_k(predictions, targets, 1, name="correct")
    assert graph.get_operation_by_name("correct/InTopKV2").get_attr("T") == targets_dtype
    with tf.Graph().as_default() as copy:
        tf.import_graph_def(graph.as_graph_def(), name="")
        with tf.Session() as sess:
            got = sess.run(
                "correct/InTopKV2:0", {"predictions:0": [[0.1, 0.9, 0.0]], "targets:0": [1]}
            )
    assert copy.get_operation_by_name("correct/InTopKV2").get_attr("T") == targets_dtype
    np.testing.assert_array_equal(got, [True])
