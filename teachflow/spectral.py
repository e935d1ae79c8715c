"""``tf.spectral``: TF1's older name for the Fourier transforms of ``tf.signal``.

>>> import teachflow as tf
>>> tf.spectral.irfft2d is tf.signal.irfft2d
True
"""

from teachflow.signal import (  # noqa: F401
    dct,
    fft,
    fft2d,
    fft3d,
    idct,
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
