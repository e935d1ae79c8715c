"""teachflow/ops/repeat_ops.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_error, check_program, errors, programs


@pytest.mark.parametrize("key", programs("repeat_ops"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)


@pytest.mark.parametrize("key", errors("repeat_ops"))
def test_errors_are_tensorflows(key):
    check_error(key)
