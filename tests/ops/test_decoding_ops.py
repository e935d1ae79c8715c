"""tf.io.decode_compressed and tf.io.decode_json_example against TensorFlow's results
(bytes, errors), recorded by tests/fixtures/tensorflow/record_decoding.py."""

import json
import pathlib

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.decoding_programs import run

EXPECTED = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "fixtures/tensorflow/decoding/expected.json")
    .read_text()
)["results"]  # fmt: skip


@pytest.fixture(scope="module")
def results():
    return run(tf)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_same_results_as_tensorflow(results, case):
    assert results[case] == EXPECTED[case]


def test_zstd_says_it_is_not_here(sess):
    with pytest.raises(tf.errors.UnimplementedError, match="ZSTD"):
        sess.run(tf.io.decode_compressed([b"x"], "ZSTD"))
