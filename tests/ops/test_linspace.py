"""tf.linspace / tf.lin_space as TF 2.21 builds them (math_ops.linspace_nd) against the values and
graphs recorded from TF (tests/distribution_more_cases.py, the linspace/ cases)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import distribution_more_cases

HERE = (
    pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "distributions_more"
)
VALUES = dict(np.load(HERE / "values.npz"))
GRAPHS = json.loads((HERE / "graphs.json").read_text())["graphs"]
CASES = sorted(n for n in distribution_more_cases.CASES if n.startswith("linspace/"))


@pytest.mark.parametrize("name", CASES)
def test_matches_tensorflow(name):
    got, nodes = distribution_more_cases.run(tf, name)
    want = VALUES[name]
    assert got.dtype == want.dtype
    # The same ops in the same order: the same roundings.
    np.testing.assert_array_equal(got, want)
    assert nodes == GRAPHS[name]
