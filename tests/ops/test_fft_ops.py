"""tf.signal's Fourier transforms (and the complex ops around them) against TensorFlow's
recorded values and graphs (tests/fft_cases.py).

An FFT of n points rounds each output ``log2(n)`` times on its way through the butterflies,
so the tolerance is that many units of the dtype's epsilon on the scale of the largest value
(norm-wise, as FFT error bounds are stated), not an absolute number chosen by hand."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import fft_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "fft"
VALUES = dict(np.load(HERE / "values.npz"))
RECORD = json.loads((HERE / "ops.json").read_text())


@pytest.fixture(scope="module")
def ours():
    with tf.Graph().as_default() as graph:
        cases = fft_cases.build(tf)
        fetches = {k: y for k, (y, _) in cases.items()}
        fetches.update({f"{k}/grad": g for k, (_, g) in cases.items() if g is not None})
        ops = {k: [y.op.type, y.op.name, y.shape.as_list()] for k, (y, _) in cases.items()}
        nodes = [
            [op.name, op.type, sorted(op.node_def.attr)]
            for op in graph.get_operations()
            if not op.name.startswith("gradients")
        ]
        with tf.Session() as sess:
            return sess.run(fetches), ops, nodes


def assert_transform_close(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    eps = np.finfo(np.real(want).dtype).eps
    n = max(np.prod(fft_cases.REAL.shape), 2)
    scale = max(np.abs(want).max(), 1.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=16 * np.log2(n) * eps * scale)


@pytest.mark.parametrize("name", sorted(k for k in VALUES if not k.endswith("/grad")))
def test_values_match_tensorflow(ours, name):
    values, ops, _ = ours
    assert ops[name] == RECORD["ops"][name]
    assert_transform_close(values[name], VALUES[name])


@pytest.mark.parametrize("name", sorted(k for k in VALUES if k.endswith("/grad")))
def test_gradients_match_tensorflow(ours, name):
    values, _, _ = ours
    assert_transform_close(values[name], VALUES[name])


def test_graph_matches_tensorflow(ours):
    _, _, nodes = ours
    assert nodes == RECORD["nodes"]


def test_rfft_rejects_a_complex_input():
    with pytest.raises(ValueError, match="RFFT requires tf.float32 or tf.float64 inputs"):
        tf.signal.rfft(tf.complex(1.0, 2.0))


def test_fft_needs_rank_one(sess):
    with pytest.raises(ValueError, match="Shape must be at least rank 2"):
        tf.signal.fft2d(tf.complex([1.0], [0.0]))


def test_rfft_of_unknown_length_pads_at_run_time(sess):
    x = tf.placeholder(tf.float32, [None])
    y = tf.signal.rfft(x, fft_length=[8])
    got = sess.run(y, {x: [1.0, 2.0, 3.0]})
    np.testing.assert_allclose(got, np.fft.rfft([1.0, 2.0, 3.0], 8), atol=1e-5)
