"""``tf.signal``: Fourier transforms of signals (re-exports; TF1 also calls them ``tf.spectral``).

>>> import teachflow as tf
>>> tf.signal.fft is tf.fft, tf.spectral.rfft is tf.signal.rfft
(True, True)
"""

from teachflow.ops.fft_ops import (  # noqa: F401
    fft,
    fft2d,
    fft3d,
    ifft,
    ifft2d,
    ifft3d,
    irfft,
    irfft2d,
    irfft3d,
    rfft,
    rfft2d,
    rfft3d,
)
