"""teachflow/ops/shape_guards.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_error, check_program, errors, programs


@pytest.mark.parametrize("key", programs("shape_guards"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)


@pytest.mark.parametrize("key", errors("shape_guards"))
def test_errors_are_tensorflows(key):
    # TF names the fed tensor after its feed node (_arg_x_0_0), teachflow after the placeholder.
    check_error(key, normalize=(r"tensor \S+ ", "tensor x "))


def test_a_shape_known_to_differ_fails_while_building():
    import teachflow as tf

    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Dimension 1 in both shapes must be equal, but are 4 "
                           r"and 3. Shapes are \[2,4\] and \[2,3\]."):  # fmt: skip
            tf.ensure_shape(tf.zeros([2, 3]), [2, 4])
        with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
            tf.ensure_shape(tf.zeros([2, 3]), [2])
