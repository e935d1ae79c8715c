"""teachflow/ops/parallel_stack_ops.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_program, programs


@pytest.mark.parametrize("key", programs("parallel_stack_ops"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)


def test_shapes_must_agree_and_there_is_no_gradient():
    import teachflow as tf

    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="From merging shape 1 with other shapes"):
            tf.parallel_stack([tf.zeros([2]), tf.zeros([3])])
        x = tf.zeros([2])
        with pytest.raises(LookupError, match="ParallelConcat"):
            tf.gradients(tf.parallel_stack([x, x]), x)
