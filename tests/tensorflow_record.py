"""Tests that compare a program's results with TensorFlow's, recorded by a script of
tests/fixtures/tensorflow/ into ``<name>/expected.json`` (``{"results": {case: value}}``)."""

import json
import pathlib

import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "tensorflow"


def expected_results(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text())["results"]


def same_results_as_tensorflow(name: str, run):
    """A test, one case per recorded result, that ``run(teachflow)`` gives TF's (the
    program runs once, on the first case)."""
    expected = expected_results(name)
    got = {}

    @pytest.mark.parametrize("case", sorted(expected))
    def test(case):
        if not got:
            got.update(run(tf))
        assert got[case] == expected[case]

    return test
