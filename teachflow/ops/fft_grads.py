"""Gradients of the Fourier transforms, written as TensorFlow's ``fft_ops.py`` writes them.

The DFT matrix ``F`` is symmetric, so the gradient of ``y = F x`` is ``F* g``: an inverse
transform scaled by the length ``n`` (and ``fft`` of ``g`` over ``n`` for the inverse). A
real transform drops the negative frequencies, so its gradient adds back the terms their
Hermitian twins contributed (``extra_terms``); an inverse real transform doubles the
frequencies that stand for two.

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0, 3.0, 4.0])
    >>> (g,) = tf.gradients(tf.real(tf.signal.rfft(x)[0]), x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(g).tolist())
    [1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.ops.static_value import constant_value


def _size_for_grad(grad, rank):
    from teachflow.ops.reduction_ops import reduce_prod
    from teachflow.ops.shape_ops import shape

    return reduce_prod(shape(grad)[-rank:])


def complex_grad(rank, inverse):
    """FFT: ``ifft(g) * n``; IFFT: ``fft(g) / n``."""

    def grad_fn(op, grad):
        from teachflow.ops import fft_ops
        from teachflow.ops.arithmetic_ops import cast

        forward = {1: fft_ops.fft, 2: fft_ops.fft2d, 3: fft_ops.fft3d}[rank]
        backward = {1: fft_ops.ifft, 2: fft_ops.ifft2d, 3: fft_ops.ifft3d}[rank]
        if not inverse:
            size = cast(_size_for_grad(grad, rank), grad.dtype)
            return [backward(grad) * size]
        real_dtype = grad.dtype.base_dtype.real_dtype
        rsize = cast(1.0 / cast(_size_for_grad(grad, rank), real_dtype), grad.dtype)
        return [forward(grad) * rsize]

    return grad_fn


def real_grad(rank, inverse):
    return _irfft_grad(rank) if inverse else _rfft_grad(rank)


def _rfft_grad(rank):
    def grad_fn(op, grad):
        from teachflow.ops import fft_ops
        from teachflow.ops.arithmetic_ops import cast, floormod
        from teachflow.ops.complex_ops import conj, real
        from teachflow.ops.filling import ones
        from teachflow.ops.filling import range as range_
        from teachflow.ops.joining import concat
        from teachflow.ops.matmul_ops import matmul
        from teachflow.ops.reshaping import expand_dims, reshape, transpose
        from teachflow.ops.shape_ops import rank as rank_of
        from teachflow.ops.shape_ops import shape
        from teachflow.ops.tiling import tile
        from teachflow.ops.unary_ops import exp

        irfft_fn = {1: fft_ops.irfft, 2: fft_ops.irfft2d}[rank]
        fft_length = op.inputs[1]
        complex_dtype = grad.dtype.base_dtype
        real_dtype = complex_dtype.real_dtype
        input_shape = shape(op.inputs[0])
        is_even = cast(1 - floormod(fft_length[-1], 2, name="mod"), complex_dtype)

        def tile_for_broadcasting(matrix, t):
            expanded = reshape(
                matrix, concat([ones([rank_of(t) - 2], dtypes.int32), shape(matrix)], 0)
            )
            return tile(expanded, concat([shape(t)[:-2], [1, 1]], 0))

        def mask_matrix(length):
            # t_n = exp(-2 pi i a b / length): the DFT matrix of the outer axis.
            a = tile(expand_dims(range_(length), 0), (length, 1))
            b = transpose(a, [1, 0])
            return exp(-2j * np.pi * cast(a * b, complex_dtype) / cast(length, complex_dtype))

        def ymask(length):
            # [1, -1, 1, -1, ...] as complex numbers.
            return cast(1 - 2 * floormod(range_(length), 2, name="mod"), complex_dtype)

        y0 = grad[..., 0:1]
        if rank == 1:
            ym = grad[..., -1:]
            extra_terms = y0 + is_even * ym * ymask(input_shape[-1])
        else:
            tiled_mask = tile_for_broadcasting(mask_matrix(input_shape[-2]), y0)
            extra_terms = matmul(tiled_mask, conj(y0))
            ym_term = matmul(tiled_mask, conj(grad[..., -1:]))
            inner_dim = input_shape[-1]
            multiples = concat([ones([rank_of(grad) - 1], dtypes.int32), [inner_dim]], 0)
            ym_term = tile(ym_term, multiples) * ymask(inner_dim)
            extra_terms += is_even * ym_term

        input_size = cast(_size_for_grad(op.inputs[0], rank), real_dtype)
        the_irfft = irfft_fn(grad, fft_length)
        return [0.5 * (the_irfft * input_size + real(extra_terms)), None]

    return grad_fn


def _irfft_grad(rank):
    def grad_fn(op, grad):
        from teachflow.ops import fft_ops
        from teachflow.ops.arithmetic_ops import cast, floormod
        from teachflow.ops.filling import ones
        from teachflow.ops.joining import concat
        from teachflow.ops.shape_ops import shape
        from teachflow.ops.unary_ops import reciprocal

        rfft_fn = {1: fft_ops.rfft, 2: fft_ops.rfft2d}[rank]
        fft_length = op.inputs[1]
        static = constant_value(fft_length)
        if static is not None:
            fft_length = np.asarray(static)
        real_dtype = grad.dtype.base_dtype
        complex_dtype = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}[
            real_dtype
        ]
        # [1, 2, ..., 2, 1] for an even length, [1, 2, ..., 2] for an odd one: the
        # frequencies that stand for themselves and their negative twin.
        is_odd = floormod(fft_length[-1], 2, name="mod")
        input_last_dimension = shape(op.inputs[0])[-1]
        mask = concat(
            [
                [1.0],
                2.0 * ones([input_last_dimension - 2 + is_odd], real_dtype),
                ones([1 - is_odd], real_dtype),
            ],
            0,
        )
        rsize = reciprocal(cast(_size_for_grad(grad, rank), real_dtype))
        the_rfft = rfft_fn(grad, fft_length)
        return [the_rfft * cast(rsize * mask, complex_dtype), None]

    return grad_fn
