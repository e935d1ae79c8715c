"""teachflow/ops/pseudo_inverse_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_linalg_image_names.py named "pseudo_inverse/..."."""

import pytest

from tests.ops.linalg_image_programs import errors, programs, run_error, run_program


@pytest.mark.parametrize("name", programs("pseudo_inverse"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name)


@pytest.mark.parametrize(
    "name", errors("pseudo_inverse") or [pytest.param(None, marks=pytest.mark.skip)]
)
def test_errors_are_tensorflows(name):
    run_error(name)
