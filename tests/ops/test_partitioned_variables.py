"""teachflow/ops/partitioned_variables.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_program, programs


@pytest.mark.parametrize("key", programs("partitioned_variables"))
def test_graph_and_values_are_tensorflows(key):
    # TF's shape refiner folds DynamicPartition of constant ids, so TF knows the lookup's
    # shape before the final Reshape; its gradient then takes a Const shape, teachflow's a
    # Shape op: gradient op names are left out (the values are compared).
    check_program(key, gradient_names=False)


def test_shards_get_their_partition_info_and_are_reused():
    import numpy as np

    import teachflow as tf

    with tf.Graph().as_default():
        part = tf.fixed_size_partitioner(2)
        w = tf.get_variable("w", [5, 2], initializer=tf.initializers.identity(), partitioner=part)
        assert [v.name for v in w] == ["w/part_0:0", "w/part_1:0"]
        assert [v._save_slice_info.spec for v in w] == ["5 2 0,3:0,2", "5 2 3,2:0,2"]
        with tf.variable_scope("", reuse=True):
            assert tf.get_variable("w", [5, 2], partitioner=part) is w
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(w.as_tensor()), np.eye(5, 2))


def test_partitioning_errors_are_tensorflows():
    import teachflow as tf

    with tf.Graph().as_default():
        tf.get_variable("plain", [4])
        with pytest.raises(ValueError, match="an unpartitioned version of the variable was found"):
            tf.get_variable("plain", [4], partitioner=tf.fixed_size_partitioner(2))
        tf.get_variable("w", [4], partitioner=tf.fixed_size_partitioner(2))
        with pytest.raises(ValueError, match="Partitioned variable with name w already exists"):
            tf.get_variable("w", [4], partitioner=tf.fixed_size_partitioner(2))
        with pytest.raises(ValueError, match="Can only slice a variable along one dimension"):
            tf.get_variable("x", [4, 4], partitioner=lambda shape, dtype: [2, 2])
        with pytest.raises(ValueError, match="must be fully defined"):
            tf.get_variable("y", [None, 4], partitioner=tf.fixed_size_partitioner(2))
        with pytest.raises(ValueError, match="Cannot partition variable along axis 2"):
            tf.min_max_variable_partitioner(axis=2)(shape=tf.TensorShape([3, 3]), dtype=tf.float32)
        with pytest.raises(ValueError, match="must have the length"):
            tf.create_partitioned_variables([4, 2], [2], tf.zeros_initializer())
