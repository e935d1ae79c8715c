"""tf.get_static_value against TensorFlow (tests/fixtures/tensorflow/record_graph_tools.py):
the same ops folded, the same ones (arithmetic, placeholders) left unknown."""

import numpy as np
import pytest

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, run

WANT = RECORD["static_values"]


def _check(got, want):
    if want is None:
        assert got is None
    elif isinstance(want, list):  # a partial (object) array
        assert [None if x is None else np.asarray(x).tolist() for x in got.reshape(-1)] == want
    else:
        assert got.dtype.name == want["dtype"]
        assert got.tolist() == want["value"]


@pytest.mark.parametrize("name", sorted(WANT["values"]))
def test_static_value_is_tensorflows(name):
    exprs = run(PROGRAMS.STATIC_VALUES["program"])["exprs"]
    _check(tf.get_static_value(exprs[name]), WANT["values"][name])
    if name in WANT["partial"]:  # recorded after the partial=True call too
        tf.get_static_value(exprs[name], partial=True)
    assert tf.get_default_graph().is_feedable(exprs[name]) == WANT["feedable_after"][name]


@pytest.mark.parametrize("name", sorted(WANT["partial"]))
def test_partial_static_value_is_tensorflows(name):
    exprs = run(PROGRAMS.STATIC_VALUES["program"])["exprs"]
    _check(tf.get_static_value(exprs[name], partial=True), WANT["partial"][name])


def test_a_value_that_is_not_a_tensor_comes_back():
    assert tf.get_static_value([1, 2]) == [1, 2]
