"""Fourier transform cases written once against the TF1 API (recorded by
tests/fixtures/tensorflow/record_fft.py, checked by tests/ops/test_fft_ops.py): each transform
in single and double precision, rfft with its length inferred, cropped and padded, and the
gradient of a weighted real loss through every transform TF differentiates."""

import numpy as np

RNG = np.random.default_rng(7)
REAL = RNG.standard_normal((2, 4, 6, 8))
IMAG = RNG.standard_normal((2, 4, 6, 8))
WEIGHTS = RNG.standard_normal((2, 4, 6, 8))
COMPLEX_OPS = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"]
REAL_OPS = ["rfft", "irfft", "rfft2d", "irfft2d", "rfft3d", "irfft3d"]
# fft_length for each real transform: None (inferred), shorter (cropped), longer (padded).
LENGTHS = {1: [None, [5], [11]], 2: [None, [3, 5], [7, 10]], 3: [None, [2, 3, 5], [5, 7, 9]]}


def _weights(tf, t):
    shape = t.shape.as_list()
    w = np.resize(WEIGHTS, shape)
    return tf.constant(w.astype(t.dtype.real_dtype.as_numpy_dtype))


def _loss(tf, y):
    """A real number that weighs every real and imaginary part differently."""
    if y.dtype.is_complex:
        return tf.reduce_sum(_weights(tf, y) * tf.real(y)) + tf.reduce_sum(
            _weights(tf, y) * tf.imag(y) * 0.5
        )
    return tf.reduce_sum(_weights(tf, y) * y)


def build(tf):
    """name -> (output tensor, gradient tensor or None)."""
    out = {}
    for real_dtype in (tf.float32, tf.float64):
        tag = real_dtype.name
        x = tf.constant(REAL, real_dtype)
        z = tf.complex(x, tf.constant(IMAG, real_dtype))
        for name in COMPLEX_OPS:
            y = getattr(tf.signal, name)(z)
            out[f"{name}/{tag}"] = (y, tf.gradients(_loss(tf, y), z)[0])
        for name in REAL_OPS:
            rank = int(name[-2]) if name.endswith("d") else 1
            source = z if name.startswith("i") else x
            for i, length in enumerate(LENGTHS[rank]):
                y = getattr(tf.signal, name)(source, fft_length=length)
                # TF has no gradient for the 3-D real transforms, and its RFFT and IRFFT
                # gradients fail to build (their shapes disagree) unless the input holds
                # exactly the points used: the inferred length, or a padded rfft.
                exact = i == 0 or (i == 2 and name.startswith("r"))
                differentiable = rank < 3 and exact
                grad = tf.gradients(_loss(tf, y), source)[0] if differentiable else None
                out[f"{name}/{tag}/{i}"] = (y, grad)
        absolute = tf.abs(z)
        out[f"abs/{tag}"] = (absolute, tf.gradients(_loss(tf, absolute), z)[0])
        angle = tf.angle(z)
        out[f"angle/{tag}"] = (angle, tf.gradients(_loss(tf, angle), z)[0])
        conj = tf.conj(z)
        out[f"conj/{tag}"] = (conj, tf.gradients(_loss(tf, conj), z)[0])
        product = z * tf.conj(z[::-1]) - z / (z + 3.0)
        out[f"arith/{tag}"] = (product, tf.gradients(_loss(tf, product), z)[0])
    return out
