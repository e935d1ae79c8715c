"""teachflow/ops/sparse_indicator_ops.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_program, programs


@pytest.mark.parametrize("key", programs("sparse_indicator_ops"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)


def test_convert_to_tensor_or_sparse_tensor():
    import teachflow as tf

    with tf.Graph().as_default():
        value = tf.SparseTensorValue([[0]], [1.0], [2])
        sp = tf.convert_to_tensor_or_sparse_tensor(value)
        assert isinstance(sp, tf.SparseTensor)
        assert tf.convert_to_tensor_or_sparse_tensor(sp) is sp
        assert tf.convert_to_tensor_or_sparse_tensor([1, 2], name="t").op.name == "t"
        with pytest.raises(RuntimeError, match="Sparse dtype mismatch"):
            tf.convert_to_tensor_or_sparse_tensor(sp, dtype=tf.int32)


def test_reset_shape_refuses_a_smaller_shape():
    import teachflow as tf

    with tf.Graph().as_default():
        sp = tf.SparseTensor([[0, 1]], [1.0], [2, 3])
        with pytest.raises(ValueError, match="should have dimension sizes >= sp_input.shape"):
            tf.sparse_reset_shape(sp, [2, 2])
