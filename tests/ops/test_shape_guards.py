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
