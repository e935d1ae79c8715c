"""tf.image.extract_glimpse against TensorFlow's recorded windows (tests/glimpse_cases.py):
the pixels inside the image are TF's exactly and sit where TF puts them; outside, both fill
with noise between the image's minimum and maximum."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import glimpse_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "glimpse"
VALUES = dict(np.load(HERE / "values.npz"))
OPS = json.loads((HERE / "ops.json").read_text())["ops"]


@pytest.fixture(scope="module")
def ours():
    with tf.Graph().as_default():
        tensors = glimpse_cases.build(tf)
        ops = {k: [t.op.type, t.op.name, t.shape.as_list()] for k, t in tensors.items()}
        with tf.Session() as sess:
            return sess.run(tensors), ops


@pytest.mark.parametrize("name", sorted(glimpse_cases.CASES))
def test_matches_tensorflow_inside_the_image(ours, name):
    values, ops = ours
    want_a, want_b = VALUES[f"{name}/a"], VALUES[f"{name}/b"]
    got_a, got_b = values[f"{name}/a"], values[f"{name}/b"]
    assert ops[f"{name}/a"] == OPS[f"{name}/a"]
    assert got_a.shape == want_a.shape and got_a.dtype == want_a.dtype
    inside = want_a == want_b  # two draws of noise never agree
    np.testing.assert_array_equal(got_a == got_b, inside)
    np.testing.assert_array_equal(got_a[inside], want_a[inside])
    low = glimpse_cases.IMAGES.min(axis=(1, 2, 3))[:, None, None, None]
    high = glimpse_cases.IMAGES.max(axis=(1, 2, 3))[:, None, None, None]
    assert np.all((got_a >= low) & (got_a <= high))


def test_offsets_must_match_the_batch(sess):
    glimpse = tf.image.extract_glimpse(np.zeros((2, 4, 4, 1), np.float32), [2, 2], [[0.0, 0.0]])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"first dimension should be batch\[1,2\]"
    ):
        sess.run(glimpse)
