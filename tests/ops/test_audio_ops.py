"""tf.audio.decode_wav / encode_wav against TensorFlow's results (bytes, samples, shapes,
errors), recorded by tests/fixtures/tensorflow/record_audio.py."""

import json
import pathlib

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.audio_programs import run

EXPECTED = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "fixtures/tensorflow/audio/expected.json")
    .read_text()
)["results"]  # fmt: skip


@pytest.fixture(scope="module")
def results():
    return run(tf)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_same_results_as_tensorflow(results, case):
    assert results[case] == EXPECTED[case]
