"""teachflow/ops/linalg_vector_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_linalg_image_names.py named "linalg_vector/..."."""

import pytest

from tests.ops.linalg_image_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("linalg_vector"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize(
    "name", errors("linalg_vector") or [pytest.param(None, marks=pytest.mark.skip)]
)
def test_errors_are_tensorflows(name):
    run_error(name)
