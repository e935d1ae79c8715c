"""Spectrograms: ``tf.signal.stft`` and ``inverse_stft``, the DCT, the mel filterbank and MFCCs.

Each is a composite of frames, windows and real FFTs, built as TensorFlow's
``spectral_ops.py``, ``dct_ops.py``, ``mel_ops.py`` and ``mfcc_ops.py`` build it, so the graph
holds the same ops under the same names. The DCT-II is an ``rfft`` of twice the length times
a twiddle ``2 exp(-i pi k / 2N)``; MFCCs are an orthonormal DCT-II of log-mel spectrograms.

    >>> import teachflow as tf
    >>> spectrogram = tf.abs(tf.signal.stft(tf.ones([16]), frame_length=8, frame_step=4))
    >>> spectrogram.shape
    TensorShape([Dimension(3), Dimension(5)])
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import cast, maximum, minimum
from teachflow.ops.comparison_ops import equal, where
from teachflow.ops.complex_ops import complex as complex_
from teachflow.ops.complex_ops import real
from teachflow.ops.fft_ops import irfft, rfft
from teachflow.ops.filling import range as range_
from teachflow.ops.filling import zeros, zeros_like
from teachflow.ops.joining import concat, split
from teachflow.ops.linspace_ops import lin_space
from teachflow.ops.padding import pad
from teachflow.ops.reduction_ops import reduce_sum
from teachflow.ops.reshaping import expand_dims, reshape
from teachflow.ops.shape_ops import rank, shape
from teachflow.ops.signal_frames import frame, hann_window, overlap_and_add
from teachflow.ops.static_value import constant_value
from teachflow.ops.tiling import tile
from teachflow.ops.unary_ops import exp, log, rsqrt, sqrt, square

__all__ = [
    "stft",
    "inverse_stft",
    "inverse_stft_window_fn",
    "dct",
    "idct",
    "linear_to_mel_weight_matrix",
    "mfccs_from_log_mel_spectrograms",
]


def _enclosing_power_of_two(value):
    static = constant_value(value)
    if static is not None:
        return convert_to_tensor(int(2 ** np.ceil(np.log(static) / np.log(2.0))), value.dtype)
    from teachflow.ops.arithmetic_ops import pow as pow_
    from teachflow.ops.unary_ops import ceil

    exponent = ceil(log(cast(value, dtypes.float32)) / log(2.0))
    return cast(pow_(2.0, exponent), value.dtype)


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):  # fmt: skip
    """The short-time Fourier transform: windowed frames of ``signals``, each ``rfft``-ed."""
    with name_scope(name, "stft", [signals, frame_length, frame_step]):
        signals = convert_to_tensor(signals, name="signals")
        signals.shape.with_rank_at_least(1)
        frame_length = convert_to_tensor(frame_length, name="frame_length")
        frame_length.shape.with_rank(0)
        frame_step = convert_to_tensor(frame_step, name="frame_step")
        frame_step.shape.with_rank(0)
        if fft_length is None:
            fft_length = _enclosing_power_of_two(frame_length)
        else:
            fft_length = convert_to_tensor(fft_length, name="fft_length")
        framed = frame(signals, frame_length, frame_step, pad_end=pad_end)
        if window_fn is not None:
            framed *= window_fn(frame_length, dtype=framed.dtype)
        return rfft(framed, [fft_length])


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A window that makes ``inverse_stft`` undo ``stft`` made with ``forward_window_fn``."""

    def inverse_window(frame_length, dtype):
        with name_scope(name, "inverse_stft_window_fn", [forward_window_fn]):
            step = convert_to_tensor(frame_step, name="frame_step")
            step.shape.with_rank(0)
            frame_length = convert_to_tensor(frame_length, name="frame_length")
            frame_length.shape.with_rank(0)
            forward_window = forward_window_fn(frame_length, dtype=dtype)
            denom = square(forward_window)
            overlaps = -(-frame_length // step)
            denom = pad(denom, [(0, overlaps * step - frame_length)])
            denom = reshape(denom, [overlaps, step])
            denom = reduce_sum(denom, 0, keepdims=True)
            denom = tile(denom, [overlaps, 1])
            denom = reshape(denom, [overlaps * step])
            denom = denom[:frame_length]
            return where(equal(denom, 0.0), zeros_like(forward_window), forward_window / denom)

    return inverse_window


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window,
                 name=None):  # fmt: skip
    """Frames ``irfft``-ed from ``stfts``, windowed and overlap-added back into signals."""
    with name_scope(name, "inverse_stft", [stfts]):
        stfts = convert_to_tensor(stfts, name="stfts")
        stfts.shape.with_rank_at_least(2)
        frame_length = convert_to_tensor(frame_length, name="frame_length")
        frame_length.shape.with_rank(0)
        frame_step = convert_to_tensor(frame_step, name="frame_step")
        frame_step.shape.with_rank(0)
        if fft_length is None:
            fft_length = _enclosing_power_of_two(frame_length)
        else:
            fft_length = convert_to_tensor(fft_length, name="fft_length")
            fft_length.shape.with_rank(0)
        real_frames = irfft(stfts, [fft_length])

        length_static = constant_value(frame_length)
        last = real_frames.shape.as_list()[-1] if real_frames.shape.ndims is not None else None
        if length_static is None or last is None:
            real_frames = real_frames[..., :frame_length]
            frames_shape = shape(real_frames)
            paddings = concat(
                [
                    zeros([rank(real_frames) - 1, 2], dtype=frame_length.dtype),
                    [[0, maximum(0, frame_length - frames_shape[-1])]],
                ],
                0,
            )
            real_frames = pad(real_frames, paddings)
        elif last > int(length_static):
            real_frames = real_frames[..., : int(length_static)]
        elif last < int(length_static):
            padding = [[0, 0]] * (real_frames.shape.ndims - 1) + [[0, int(length_static) - last]]
            real_frames = pad(real_frames, padding)
        if length_static is not None and real_frames.shape.ndims is not None:
            real_frames.set_shape([None] * (real_frames.shape.ndims - 1) + [int(length_static)])
        if window_fn is not None:
            real_frames *= window_fn(frame_length, dtype=stfts.dtype.real_dtype)
        return overlap_and_add(real_frames, frame_step)


# -- the discrete cosine transform ---------------------------------------------------------------
def _validate_dct(input_tensor, dct_type, n, axis, norm):
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError("n should be a positive integer or None")
    if dct_type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if dct_type == 1 and norm == "ortho":
        raise ValueError("Normalization is not supported for the Type-I DCT.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's names
    """The DCT of type I to IV along the last axis (``norm="ortho"`` for an orthonormal one)."""
    _validate_dct(input, type, n, axis, norm)
    return _dct(input, type, n, norm, name)


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's names
    """The inverse DCT: the DCT of the inverse type (II and III swap)."""
    _validate_dct(input, type, n, axis, norm)
    return _dct(input, {1: 1, 2: 3, 3: 2, 4: 4}[type], n, norm, name)


def _dct(input, dct_type, n, norm, name):  # noqa: A002, C901 - TF's one function per type
    with name_scope(name, "dct", [input]):
        x = convert_to_tensor(input)
        zero = convert_to_tensor(0.0, dtype=x.dtype)
        seq_len = x.shape.as_list()[-1] or shape(x)[-1]
        if n is not None:
            if n <= seq_len:
                x = x[..., 0:n]
            else:
                padding = [[0, 0] for _ in range(x.shape.ndims)]
                padding[-1][1] = n - seq_len
                x = pad(x, paddings=convert_to_tensor(padding, dtype=dtypes.int32))
        axis_dim = x.shape.as_list()[-1] or shape(x)[-1]
        axis_dim_float = cast(axis_dim, x.dtype)
        if dct_type == 1:
            return real(rfft(concat([x, x[..., -2:0:-1]], axis=-1)))
        if dct_type == 2:
            scale = 2.0 * exp(
                complex_(zero, -range_(axis_dim_float) * math.pi * 0.5 / axis_dim_float)
            )
            out = real(rfft(x, fft_length=[2 * axis_dim])[..., :axis_dim] * scale)
            if norm == "ortho":
                n1 = 0.5 * rsqrt(axis_dim_float)
                n2 = n1 * math.sqrt(2.0)
                out *= pad(expand_dims(n1, 0), [[0, axis_dim - 1]], constant_values=n2)
            return out
        if dct_type == 3:
            if norm == "ortho":
                n1 = sqrt(axis_dim_float)
                n2 = n1 * math.sqrt(0.5)
                x *= pad(expand_dims(n1, 0), [[0, axis_dim - 1]], constant_values=n2)
            else:
                x *= axis_dim_float
            scale = 2.0 * exp(
                complex_(zero, range_(axis_dim_float) * math.pi * 0.5 / axis_dim_float)
            )
            spectrum = scale * complex_(x, zero)
            return real(irfft(spectrum, fft_length=[2 * axis_dim]))[..., :axis_dim]
        out = _dct(x, 2, 2 * axis_dim, None, None)[..., 1::2]
        if norm == "ortho":
            out *= math.sqrt(0.5) * rsqrt(axis_dim_float)
        return out


# -- the mel scale -------------------------------------------------------------------------------
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies_hertz, name=None):
    with name_scope(name, "hertz_to_mel", [frequencies_hertz]):
        frequencies_hertz = convert_to_tensor(frequencies_hertz)
        return _MEL_HIGH_FREQUENCY_Q * log(1.0 + (frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ))


def _validate_mel(num_mel_bins, sample_rate, lower_edge_hertz, upper_edge_hertz, dtype):
    if num_mel_bins <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower_edge_hertz < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower_edge_hertz}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(
            f"lower_edge_hertz {lower_edge_hertz:.1f} >= upper_edge_hertz {upper_edge_hertz:.1f}"
        )
    if not isinstance(sample_rate, Tensor):
        if sample_rate <= 0.0:
            raise ValueError(f"sample_rate must be positive. Got: {sample_rate}")
        if upper_edge_hertz > sample_rate / 2:
            raise ValueError(
                "upper_edge_hertz must not be larger than the Nyquist frequency (sample_rate / "
                f"2). Got {upper_edge_hertz} for sample_rate: {sample_rate}"
            )
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Got: {dtype}")


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=dtypes.float32, name=None):  # fmt: skip
    """``[num_spectrogram_bins, num_mel_bins]`` triangular filters (HTK's mel scale, peak 1)
    that turn a linear spectrogram into a mel one by ``tf.matmul``."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "linear_to_mel_weight_matrix") as scope:
        if isinstance(sample_rate, Tensor):
            static = constant_value(sample_rate)
            if static is not None:
                sample_rate = static
        _validate_mel(num_mel_bins, sample_rate, lower_edge_hertz, upper_edge_hertz, dtype)
        sample_rate = cast(sample_rate, dtype, name="sample_rate")
        lower_edge_hertz = convert_to_tensor(lower_edge_hertz, dtype, name="lower_edge_hertz")
        upper_edge_hertz = convert_to_tensor(upper_edge_hertz, dtype, name="upper_edge_hertz")
        zero = convert_to_tensor(0.0, dtype)
        # HTK leaves out the spectrogram's DC bin.
        bands_to_zero = 1
        nyquist_hertz = sample_rate / 2.0
        linear_frequencies = lin_space(zero, nyquist_hertz, num_spectrogram_bins)[bands_to_zero:]
        spectrogram_bins_mel = expand_dims(_hertz_to_mel(linear_frequencies), 1)
        band_edges_mel = frame(
            lin_space(
                _hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2
            ),
            frame_length=3,
            frame_step=1,
        )
        lower_edge_mel, center_mel, upper_edge_mel = (
            reshape(t, [1, num_mel_bins]) for t in split(band_edges_mel, 3, axis=1)
        )
        lower_slopes = (spectrogram_bins_mel - lower_edge_mel) / (center_mel - lower_edge_mel)
        upper_slopes = (upper_edge_mel - spectrogram_bins_mel) / (upper_edge_mel - center_mel)
        mel_weights_matrix = maximum(zero, minimum(lower_slopes, upper_slopes))
        return pad(mel_weights_matrix, [[bands_to_zero, 0], [0, 0]], name=scope)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients: an orthonormal DCT-II of the last axis."""
    with name_scope(name, "mfccs_from_log_mel_spectrograms", [log_mel_spectrograms]):
        log_mel = convert_to_tensor(log_mel_spectrograms)
        if log_mel.shape.ndims and log_mel.shape.as_list()[-1] is not None:
            num_mel_bins = log_mel.shape.as_list()[-1]
            if num_mel_bins == 0:
                raise ValueError(f"num_mel_bins must be positive. Got: {log_mel}")
        else:
            num_mel_bins = shape(log_mel)[-1]
        dct2 = _dct(log_mel, 2, None, None, None)
        return dct2 * rsqrt(cast(num_mel_bins, dct2.dtype) * 2.0)
