"""teachflow/ops/orthogonal_init_ops.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_program, programs


@pytest.mark.parametrize("key", programs("orthogonal_init_ops"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)


def test_shapes_tensorflow_refuses():
    import teachflow as tf

    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must be at least two-dimensional"):
            tf.orthogonal_initializer()([3])
        with pytest.raises(ValueError, match="must be at least two-dimensional"):
            tf.initializers.identity()([2, 2, 2])
        with pytest.raises(ValueError, match="Expected floating point type"):
            tf.orthogonal_initializer(dtype=tf.int32)
    assert tf.orthogonal_initializer(gain=2.0, seed=3).get_config() == {
        "gain": 2.0,
        "seed": 3,
        "dtype": "float32",
    }
