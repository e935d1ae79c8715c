"""teachflow/ops/distance_losses.py against TensorFlow's recorded values
(tests/fixtures/tensorflow/record_array_names.py)."""

import pytest

import teachflow as tf
from tests.ops.array_names_cases import check_program, programs, run_program


@pytest.mark.parametrize("key", programs("distance_losses"))
def test_values_are_tensorflows(key):
    # teachflow's shared weighting (compute_weighted_loss, num_present) builds its own ops:
    # tests/ops/test_weighted_losses.py. Here: values, gradients, dtypes, collections.
    check_program(key, graph=False)


@pytest.mark.parametrize("key", programs("distance_losses"))
def test_loss_names_are_tensorflows(key):
    ops, _ = run_program(key)
    scope = key.split("/")[1].replace("cosine_distance", "cosine_distance_loss")
    assert f"{scope}/value" in {op.split(":")[0] for op in ops}


def test_arguments_tensorflow_requires():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="You must specify argument `axis`."):
            tf.losses.cosine_distance([[1.0]], [[1.0]])
        with pytest.raises(ValueError, match="Argument `labels` must not be None."):
            tf.losses.mean_pairwise_squared_error(None, [[1.0]])
