"""tf.train.AdagradDAOptimizer against TensorFlow's values, slots and ops (recorded by
tests/fixtures/tensorflow/record_adagrad_da.py)."""

import numpy as np
import pytest

import teachflow as tf
from tests.fixtures.tensorflow.adagrad_da_programs import run
from tests.tensorflow_record import expected_results

EXPECTED = expected_results("adagrad_da")
EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def results():
    return run(tf)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_same_steps_as_tensorflow(results, case):
    got, want = results[case], EXPECTED[case]
    for key in ("dense", "slots", "slot_names", "ops", "train", "accumulator", "step"):
        assert got[key] == want[key], key
    # The rows of an embedding: TF's sparse kernel bit for bit without L1; with L1 one
    # element of nine rounds one ulp apart after three steps.
    if case == "plain":
        assert got["sparse"] == want["sparse"]
    np.testing.assert_allclose(got["sparse"], want["sparse"], rtol=2 * EPS32, atol=0)


def test_the_accumulator_must_start_positive():
    with pytest.raises(ValueError, match="must be positive"):
        tf.train.AdagradDAOptimizer(0.1, tf.train.get_or_create_global_step(), 0.0)
