"""tf.signal's frames, windows and spectrograms written once against the TF1 API (recorded by
tests/fixtures/tensorflow/record_signal.py, checked by tests/ops/test_spectral_ops.py). Each
case builds in a graph of its own, so its graph can be compared node for node."""

import numpy as np

RNG = np.random.default_rng(11)
AUDIO = RNG.standard_normal((2, 50)).astype(np.float32)
MEL = RNG.standard_normal((3, 7, 12)).astype(np.float32)


def _stft(tf):
    return tf.signal.stft(tf.constant(AUDIO), frame_length=16, frame_step=4)


def _mfccs(tf):
    spectrogram = tf.abs(_stft(tf))
    mel = tf.tensordot(spectrogram, tf.signal.linear_to_mel_weight_matrix(8, 9, 8000.0), 1)
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.log(mel + 1e-6))


def _stft_grad(tf):
    audio = tf.constant(AUDIO)
    spectrogram = tf.abs(tf.signal.stft(audio, frame_length=16, frame_step=4))
    # The gradient flows back through ComplexAbs, rfft, the window and the frames.
    return tf.gradients(tf.reduce_sum(spectrogram), audio)[0]


CASES = {
    "frame": lambda tf: tf.signal.frame(tf.constant(AUDIO), 8, 3),
    "frame_pad_end": lambda tf: tf.signal.frame(AUDIO, 8, 4, pad_end=True, pad_value=-1.0),
    "frame_axis0": lambda tf: tf.signal.frame(AUDIO.T, 6, 6, axis=0),
    "hann": lambda tf: tf.signal.hann_window(10),
    "hann_symmetric": lambda tf: tf.signal.hann_window(9, periodic=False, dtype=tf.float64),
    "hamming": lambda tf: tf.signal.hamming_window(7),
    "hann_one": lambda tf: tf.signal.hann_window(1),
    "overlap_and_add": lambda tf: tf.signal.overlap_and_add(tf.signal.frame(AUDIO, 8, 3), 3),
    "overlap_and_add_fast": lambda tf: tf.signal.overlap_and_add(AUDIO.reshape(2, 5, 10), 10),
    "stft": _stft,
    "stft_fft_length": lambda tf: tf.signal.stft(AUDIO, 12, 5, fft_length=20, pad_end=True),
    "inverse_stft": lambda tf: tf.signal.inverse_stft(
        _stft(tf), 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4)
    ),
    "mel_matrix": lambda tf: tf.signal.linear_to_mel_weight_matrix(12, 9, 8000, 100.0, 3800.0),
    "mfccs": _mfccs,
    "mfccs_given": lambda tf: tf.signal.mfccs_from_log_mel_spectrograms(MEL),
    "dct1": lambda tf: tf.signal.dct(MEL, type=1),
    "dct2": lambda tf: tf.signal.dct(MEL),
    "dct3": lambda tf: tf.signal.dct(MEL, type=3),
    "dct4": lambda tf: tf.signal.dct(MEL, type=4),
    "dct2_ortho": lambda tf: tf.signal.dct(MEL, norm="ortho"),
    "dct3_ortho": lambda tf: tf.signal.dct(MEL, type=3, norm="ortho"),
    "dct4_ortho": lambda tf: tf.signal.dct(MEL, type=4, norm="ortho"),
    "idct2_ortho": lambda tf: tf.signal.idct(MEL, norm="ortho"),
    "dct2_n": lambda tf: tf.signal.dct(MEL, n=8),
    "stft_grad": _stft_grad,
    "fftshift": lambda tf: tf.signal.fftshift(MEL),
    "fftshift_axis": lambda tf: tf.signal.fftshift(MEL, axes=1),
    "ifftshift_axes": lambda tf: tf.signal.ifftshift(MEL, axes=[-1, 0]),
}


def run(tf, name):
    """The case's value and its graph's nodes (name, type, attr names; gradients left out)."""
    with tf.Graph().as_default() as graph:
        out = CASES[name](tf)
        nodes = [
            [op.name, op.type, sorted(op.node_def.attr)]
            for op in graph.get_operations()
            if not op.name.startswith("gradients")
        ]
        with tf.Session() as sess:
            return sess.run(out), nodes
