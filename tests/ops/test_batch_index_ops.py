"""teachflow/ops/batch_index_ops.py against TensorFlow's recorded graphs, values and errors
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

from tests.ops.array_names_cases import check_program, programs


@pytest.mark.parametrize("key", programs("batch_index_ops"))
def test_graph_and_values_are_tensorflows(key):
    check_program(key)
