"""tests/programs/cnn_small.py against TensorFlow's run of the same program (recorded by
tests/fixtures/tensorflow/record_cnn_small.py): per-step losses, evaluation, and every
variable after training — conv, batch norm (fused and composed, moving statistics),
pooling, flatten, dense, dropout (off, and on with TF's own random mask), Adam's slots."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests.programs import cnn_small

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "cnn_small"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())
RUNS = {"no_dropout": False, "dropout": True}

# float32 rounding of the longest sum in the model (batch norm's 16 x 12 x 12 pixels per
# channel), compounded over the training steps.
EPS = np.finfo(np.float32).eps
TOL = EPS * np.sqrt(16 * 12 * 12) * cnn_small.STEPS


@pytest.mark.parametrize("run", sorted(RUNS))
def test_training_matches_tensorflow(run):
    # With dropout on, both engines draw the same mask: TF's Philox stream, same seeds.
    result = cnn_small.train(tf, dropout=RUNS[run])
    expected = EXPECTED[run]
    np.testing.assert_allclose(result["losses"], expected["losses"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(result["eval_loss"], expected["eval_loss"], rtol=TOL, atol=TOL)
    assert result["eval_accuracy"] == expected["eval_accuracy"]
    assert list(result["variables"]) == expected["variable_names"]
    for name, want in np.load(FIXTURE / f"variables_{run}.npz").items():
        got = result["variables"][name]
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL * scale, err_msg=name)


def test_moving_statistics_moved():
    # The UPDATE_OPS ran with the train op: the moving averages left their initial values.
    variables = np.load(FIXTURE / "variables_no_dropout.npz")
    mean = variables["batch_normalization/moving_mean:0"]
    variance = variables["batch_normalization_1/moving_variance:0"]
    assert np.abs(mean).max() > 1e-3 and np.abs(variance - 1).max() > 1e-3


def test_runs_as_a_script(capsys):
    cnn_small.main([])
    out = capsys.readouterr().out
    assert out.startswith("losses: ") and "eval loss" in out and "accuracy" in out


def test_on_a_simulated_gpu_it_gives_the_same_run(monkeypatch):
    # Every op placed on a simulated GPU (numpy computes there too): the same numbers.
    monkeypatch.setenv("TEACHFLOW_SIMULATED_GPUS", "1")
    build = cnn_small.build

    def build_on_gpu(tf_module):
        with tf_module.device("/gpu:0"):
            return build(tf_module)

    monkeypatch.setattr(cnn_small, "build", build_on_gpu)
    result = cnn_small.train(tf, dropout=True)
    np.testing.assert_allclose(result["losses"], EXPECTED["dropout"]["losses"], rtol=TOL, atol=TOL)
