"""``tf.signal``: Fourier transforms, frames, windows and spectrograms (re-exports; TF1 also
calls the transforms ``tf.spectral``).

>>> import teachflow as tf
>>> tf.signal.fft is tf.fft, tf.spectral.rfft is tf.signal.rfft
(True, True)
"""

from teachflow.ops.fft_ops import (  # noqa: F401
    fft,
    fft2d,
    fft3d,
    fftshift,
    ifft,
    ifft2d,
    ifft3d,
    ifftshift,
    irfft,
    irfft2d,
    irfft3d,
    rfft,
    rfft2d,
    rfft3d,
)
from teachflow.ops.signal_frames import frame, hamming_window, hann_window, overlap_and_add  # noqa: F401
from teachflow.ops.spectral_ops import (  # noqa: F401
    dct,
    idct,
    inverse_stft,
    inverse_stft_window_fn,
    linear_to_mel_weight_matrix,
    mfccs_from_log_mel_spectrograms,
    stft,
)
