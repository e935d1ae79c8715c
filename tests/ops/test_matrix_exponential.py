"""teachflow/ops/matrix_exponential.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_linalg_image_names.py named "matrix_exponential/..."."""

import pytest

from tests.ops.linalg_image_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("matrix_exponential"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize(
    "name", errors("matrix_exponential") or [pytest.param(None, marks=pytest.mark.skip)]
)
def test_errors_are_tensorflows(name):
    run_error(name)
