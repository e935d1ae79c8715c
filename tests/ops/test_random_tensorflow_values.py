"""teachflow draws TensorFlow's random numbers, bit for bit.

The programs are in tests/fixtures/tensorflow/random_programs.py; the numbers TensorFlow
drew for them were recorded by record_random.py (tensorflow-cpu 2.21). Each test runs the
same program under teachflow and compares every recorded value exactly.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location("random_programs", FIXTURES / "random_programs.py")
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)


def _table(kind):
    return json.loads((FIXTURES / "random" / f"{kind}.json").read_text())


OPS, QUEUES, DATASETS = _table("ops"), _table("queue"), _table("dataset")


def _same(actual, recorded, where):
    actual = np.asarray(actual)
    assert actual.dtype.name == recorded["dtype"], where
    assert list(actual.shape) == recorded["shape"], where
    picked = actual.reshape(-1)[recorded["index"]]
    expected = np.array(recorded["values"], dtype=actual.dtype)
    mismatched = np.flatnonzero(picked != expected)
    assert not mismatched.size, (
        f"{where}: {mismatched.size} of {picked.size} values differ, first at flat index "
        f"{recorded['index'][mismatched[0]]}: {picked[mismatched[0]]!r} != "
        f"{expected[mismatched[0]]!r}"
    )


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_draw_tensorflows_numbers(name):
    case, recorded = OPS[name]["case"], OPS[name]["result"]
    runs = programs.run_ops(tf, case)
    assert len(runs) == len(recorded)
    for r, (run, want) in enumerate(zip(runs, recorded, strict=True)):
        for i, (value, rec) in enumerate(zip(run, want, strict=True)):
            _same(value, rec, f"{name}: run {r}, op {i} ({case['ops'][i]})")


@pytest.mark.parametrize("name", sorted(QUEUES))
def test_random_shuffle_queue_dequeues_in_tensorflows_order(name):
    assert programs.run_queue(tf, QUEUES[name]["case"]) == QUEUES[name]["result"]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_shuffle_gives_tensorflows_order(name):
    assert programs.run_dataset(tf, DATASETS[name]["case"]) == DATASETS[name]["result"]
