"""tf.SparseTensor and tf.sparse_tensor_to_dense (SparseToDense), with TF's index checks."""

import numpy as np
import pytest

import teachflow as tf


def test_to_dense_places_values_and_fills_the_rest(sess):
    sp = tf.SparseTensor([[0, 1], [2, 0]], [5, 6], [3, 2])
    dense = tf.sparse_tensor_to_dense(sp, default_value=-1)
    assert dense.op.type == "SparseToDense" and dense.shape == [3, 2]
    assert sess.run(dense).tolist() == [[-1, 5], [-1, -1], [6, -1]]
    strings = tf.SparseTensor([[1]], ["b"], [2])
    assert sess.run(tf.sparse.to_dense(strings)).tolist() == [b"", b"b"]


def test_fetching_a_sparse_tensor_gives_its_value(sess):
    sp = tf.SparseTensor([[1]], [2.5], [4])
    got = sess.run({"sp": sp})["sp"]
    assert isinstance(got, tf.SparseTensorValue) and got.values.tolist() == [2.5]
    assert got.dense_shape.tolist() == [4]


@pytest.mark.parametrize(
    "indices, words",
    [([[3]], "out of bounds"), ([[1], [0]], "is out of order"), ([[1], [1]], "is repeated")],
)
def test_indices_are_validated(sess, indices, words):
    sp = tf.SparseTensor(indices, [1] * len(indices), [3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=words):
        sess.run(tf.sparse_tensor_to_dense(sp))
    if words != "out of bounds":
        sess.run(tf.sparse_tensor_to_dense(sp, validate_indices=False))


def test_sparse_to_dense_of_int32_indices_and_one_value_for_all():
    tf.reset_default_graph()
    dense = tf.sparse_to_dense([[0, 2], [1, 0]], [2, 3], 7.0, default_value=-1.0)
    assert dense.op.type == "SparseToDense" and dense.op.get_attr("Tindices") == tf.int32
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(dense), [[-1, -1, 7], [7, -1, -1]])
        # Without validation the indices may come in any order (sampled_softmax_loss's hits).
        unsorted = tf.sparse_to_dense([[1, 0], [0, 2]], [2, 3], [1, 2], validate_indices=False)
        np.testing.assert_array_equal(sess.run(unsorted), [[0, 0, 2], [1, 0, 0]])


def test_sparse_to_dense_gradients_are_tensorflows():
    # TF 2.21 gives [2, 5] and 14 for this program (tf.compat.v1, graph mode).
    with tf.Graph().as_default(), tf.Session() as sess:
        values, default = tf.constant([1.0, 2.0]), tf.constant(0.5)
        dense = tf.sparse_to_dense([[0, 1], [2, 0]], [3, 2], values, default)
        loss = tf.reduce_sum(dense * tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        g_values, g_default = sess.run(tf.gradients(loss, [values, default]))
    np.testing.assert_array_equal(g_values, [2.0, 5.0])
    assert g_default == 14.0


def test_sparse_tensor_parts_are_named_under_one_scope_and_a_known_shape_is_static():
    # TF 2.21's names and shapes for the same two SparseTensors.
    with tf.Graph().as_default() as g:
        sp = tf.SparseTensor([[0, 1], [2, 3]], [1.0, 2.0], [3, 4])
        fed = tf.SparseTensor([[0, 1]], [1.0], tf.placeholder(tf.int64, [2]))
        assert sp.shape.as_list() == [3, 4] and fed.shape.as_list() == [None, None]
        assert sorted(op.name for op in g.get_operations()) == [
            "Placeholder",
            "SparseTensor/dense_shape",
            "SparseTensor/indices",
            "SparseTensor/values",
            "SparseTensor_1/indices",
            "SparseTensor_1/values",
        ]
