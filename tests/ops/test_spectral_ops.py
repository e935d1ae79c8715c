"""tf.signal's frames, windows, STFTs, DCTs, mel filterbank and MFCCs against TensorFlow's
recorded values and graphs (tests/signal_cases.py). Values agree to a few units of the
dtype's epsilon per rounding of the FFTs inside (``log2`` of the transform length)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import signal_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "signal"
VALUES = dict(np.load(HERE / "values.npz"))
GRAPHS = json.loads((HERE / "graphs.json").read_text())["graphs"]


@pytest.mark.parametrize("name", sorted(signal_cases.CASES))
def test_matches_tensorflow(name):
    got, nodes = signal_cases.run(tf, name)
    want = VALUES[name]
    assert got.shape == want.shape and got.dtype == want.dtype
    eps = np.finfo(np.real(want).dtype).eps
    scale = max(np.abs(want).max(), 1.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=16 * np.log2(64) * eps * scale)
    assert nodes == GRAPHS[name]


def test_inverse_stft_undoes_stft():
    audio = signal_cases.AUDIO
    with tf.Session() as sess:
        stfts = tf.signal.stft(audio, 16, 4)
        window = tf.signal.inverse_stft_window_fn(4)
        back = sess.run(tf.signal.inverse_stft(stfts, 16, 4, window_fn=window))
    # The first and last frame_length - frame_step samples are covered by fewer frames.
    np.testing.assert_allclose(back[:, 12:-12], audio[:, 12 : 48 - 12], atol=1e-5)


def test_frame_of_unknown_length(sess):
    signal = tf.placeholder(tf.float32, [None])
    frames = tf.signal.frame(signal, 4, 2)
    assert frames.shape.as_list() == [None, 4]
    got = sess.run(frames, {signal: np.arange(9, dtype=np.float32)})
    np.testing.assert_array_equal(got, [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7]])


def test_window_dtype_must_be_floating():
    with pytest.raises(ValueError, match="dtype must be a floating point type"):
        tf.signal.hann_window(4, dtype=tf.int32)


def test_mel_upper_edge_beyond_nyquist():
    with pytest.raises(ValueError, match="upper_edge_hertz must not be larger than the Nyquist"):
        tf.signal.linear_to_mel_weight_matrix(10, 9, 8000, 100.0, 4100.0)
