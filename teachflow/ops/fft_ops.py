"""Fast Fourier transforms: ``tf.signal.fft`` ... ``irfft3d`` (TF1's ``tf.fft``, ``tf.spectral``).

``FFT``/``IFFT`` (and their 2D and 3D forms) transform the innermost 1, 2 or 3 axes of a
complex tensor; ``RFFT`` takes a real tensor and keeps only the ``fft_length // 2 + 1``
non-negative frequencies of its Hermitian-symmetric spectrum, ``IRFFT`` goes back. Like
TensorFlow, a complex64 transform is computed in single precision (numpy's pocketfft keeps
float32), so its error grows with ``log(n)`` float32 roundings, not float64 ones.

The ``rfft`` wrappers infer ``fft_length`` from the static shape and zero-pad a shorter
input, as TF's Python does, so the graph holds the same ``Const``/``Pad`` ops.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.signal.rfft([1.0, 0.0, 0.0, 0.0])).tolist())
    [(1+0j), (1+0j), (1+0j)]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import COMPLEX, check_allowed
from teachflow.ops.static_value import constant_value

__all__ = [
    "fft",
    "ifft",
    "fft2d",
    "ifft2d",
    "fft3d",
    "ifft3d",
    "rfft",
    "irfft",
    "rfft2d",
    "irfft2d",
    "rfft3d",
    "irfft3d",
    "fftshift",
    "ifftshift",
]

_REAL = (dtypes.float32, dtypes.float64)
_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}


def _inner_axes(rank):
    return tuple(range(-rank, 0))


def _check_rank(op, x, rank):
    ndims = x.shape.ndims
    if ndims is not None and ndims < rank:
        raise ValueError(
            f"Shape must be at least rank {rank} but is rank {ndims} for '{op.name}' "
            f"(op: '{op.type}') with input shapes: {x.shape}."
        )


# -- complex to complex -----------------------------------------------------------------------
def _infer_fft(rank):
    def infer(op):
        x = op.inputs[0]
        check_allowed(x, COMPLEX, "input")
        _check_rank(op, x, rank)
        return [(x.dtype.base_dtype, x.shape)]

    return infer


def _fft_kernel(rank, inverse):
    transform = np.fft.ifftn if inverse else np.fft.fftn

    def factory(op, device):
        np_type = op.outputs[0].dtype.as_numpy_dtype

        def run(x):
            if x.ndim < rank:
                raise errors.InvalidArgumentError(
                    None, op, f"Input must have rank of at least {rank} but got: {x.shape}"
                )
            if x.size == 0:
                return np.zeros(x.shape, np_type)
            return np.asarray(transform(x, axes=_inner_axes(rank)), np_type)

        return run

    return factory


# -- real to complex and back --------------------------------------------------------------------
def _static_lengths(op, rank):
    lengths = constant_value(op.inputs[1])
    if lengths is None:
        return None
    lengths = [int(n) for n in np.reshape(lengths, [-1])]
    if len(lengths) != rank:
        raise ValueError(
            f"Dimension must be {rank} but is {len(lengths)} for '{op.name}' (op: '{op.type}')"
        )
    return lengths


def _infer_rfft(rank, inverse):
    def infer(op):
        x = op.inputs[0]
        check_allowed(x, COMPLEX if inverse else _REAL, "input")
        _check_rank(op, x, rank)
        out_dtype = op._attrs["Treal"] if inverse else op._attrs["Tcomplex"]
        if x.shape.ndims is None:
            return [(out_dtype, TensorShape(None))]
        lengths = _static_lengths(op, rank)
        outer = x.shape.as_list()[: x.shape.ndims - rank]
        if lengths is None:
            return [(out_dtype, TensorShape(outer + [None] * rank))]
        if not inverse:
            lengths = lengths[:-1] + [lengths[-1] // 2 + 1]
        return [(out_dtype, TensorShape(outer + lengths))]

    return infer


def _rfft_kernel(rank, inverse):
    def factory(op, device):
        np_type = op.outputs[0].dtype.as_numpy_dtype
        axes = _inner_axes(rank)

        def run(x, fft_length):
            lengths = [int(n) for n in np.reshape(fft_length, [-1])]
            if inverse:
                out_shape = x.shape[: x.ndim - rank] + tuple(lengths)
                if 0 in out_shape or x.size == 0:
                    return np.zeros(out_shape, np_type)
                # TF reads only the first fft_length[-1] // 2 + 1 frequencies, as numpy does.
                return np.asarray(np.fft.irfftn(x, s=lengths, axes=axes), np_type)
            out_shape = x.shape[: x.ndim - rank] + tuple(lengths[:-1]) + (lengths[-1] // 2 + 1,)
            if 0 in out_shape or x.size == 0:
                return np.zeros(out_shape, np_type)
            return np.asarray(np.fft.rfftn(x, s=lengths, axes=axes), np_type)

        return run

    return factory


# -- the Python wrappers ---------------------------------------------------------------------------
def _complex_op(op_type, rank):
    def transform(input, name=None):  # noqa: A002 - TF's argument name
        with name_scope(name, op_type, [input]) as scope:
            x = convert_to_tensor(input, name="input", preferred_dtype=dtypes.complex64)
            attrs = {"Tcomplex": x.dtype.base_dtype}
            return x.graph.create_op(op_type, [x], attrs, name=scope).outputs[0]

    transform.__name__ = op_type.lower()
    inverse = "inverse " if op_type.startswith("I") else ""
    transform.__doc__ = f"The {inverse}{rank}-D discrete Fourier transform of the innermost axes."
    return transform


fft = _complex_op("FFT", 1)
ifft = _complex_op("IFFT", 1)
fft2d = _complex_op("FFT2D", 2)
ifft2d = _complex_op("IFFT2D", 2)
fft3d = _complex_op("FFT3D", 3)
ifft3d = _complex_op("IFFT3D", 3)


def _infer_lengths(x, rank, inverse):
    """TF's fft_length from the static shape (a Const), or from tf.shape at run time."""
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.joining import stack, unstack
    from teachflow.ops.shape_ops import shape

    inner = x.shape[-rank:] if x.shape.ndims is not None else TensorShape(None)
    if not inner.is_fully_defined():
        if not inverse:
            return shape(x)[-rank:]
        lengths = unstack(shape(x)[-rank:])
        lengths[-1] = maximum(0, 2 * (lengths[-1] - 1))
        return stack(lengths)
    lengths = inner.as_list()
    if inverse and lengths:
        lengths[-1] = max(0, 2 * (lengths[-1] - 1))
    return convert_to_tensor(np.array(lengths, np.int32), dtype=dtypes.int32)


def _maybe_pad(x, rank, fft_length, inverse):
    """Zero-pad ``x``'s inner axes up to ``fft_length`` (the last to ``n // 2 + 1`` going back)."""
    from teachflow.ops.padding import pad

    if x.shape.ndims is not None and 0 in x.shape.as_list():
        return x
    lengths = constant_value(fft_length)
    if lengths is None or x.shape.ndims is None or not x.shape[-rank:].is_fully_defined():
        return _pad_at_run_time(x, rank, fft_length, inverse)
    lengths = [int(n) for n in np.reshape(lengths, [-1])]
    if inverse:
        lengths[-1] = lengths[-1] // 2 + 1
    inner = x.shape.as_list()[-rank:]
    paddings = [[0, max(n - d, 0)] for n, d in zip(lengths, inner)]
    if any(after > 0 for _, after in paddings):
        outer = [[0, 0]] * max(x.shape.ndims - rank, 0)
        return pad(x, outer + paddings)
    return x


def _pad_at_run_time(x, rank, fft_length, inverse):
    """TF's paddings computed in the graph when the lengths are known only at run time
    (tf.pad of zero paddings does no work)."""
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.filling import zeros, zeros_like
    from teachflow.ops.joining import concat, stack
    from teachflow.ops.padding import pad
    from teachflow.ops.shape_ops import rank as rank_of
    from teachflow.ops.shape_ops import shape

    input_fft_shape = shape(x)[-rank:]
    outer_dims = maximum(0, rank_of(x) - rank)
    outer_paddings = zeros([outer_dims], fft_length.dtype)
    if inverse:
        fft_length = concat([fft_length[:-1], fft_length[-1:] // 2 + 1], 0)
    fft_paddings = maximum(0, fft_length - input_fft_shape)
    paddings = concat([outer_paddings, fft_paddings], 0)
    return pad(x, stack([zeros_like(paddings), paddings], axis=1))


def _real_op(op_type, rank, default_name):
    inverse = op_type.startswith("I")

    def transform(input_tensor, fft_length=None, name=None):
        with name_scope(name, default_name, [input_tensor, fft_length]) as scope:
            preferred = dtypes.complex64 if inverse else dtypes.float32
            x = convert_to_tensor(input_tensor, preferred_dtype=preferred)
            dt = x.dtype.base_dtype
            if inverse and dt not in COMPLEX:
                raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {x}")
            if not inverse and dt not in _REAL:
                raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, got: {x}")
            x.shape.with_rank_at_least(rank)
            if fft_length is None:
                fft_length = _infer_lengths(x, rank, inverse)
            else:
                fft_length = convert_to_tensor(fft_length, dtype=dtypes.int32)
            x = _maybe_pad(x, rank, fft_length, inverse)
            static = constant_value(fft_length)
            if static is not None:
                # TF hands the generated op the numpy value: a second Const, fft_length.
                fft_length = convert_to_tensor(
                    np.asarray(static, np.int32), dtype=dtypes.int32, name="fft_length"
                )
            if inverse:
                attrs = {"Treal": dt.real_dtype, "Tcomplex": dt}
            else:
                attrs = {"Treal": dt, "Tcomplex": _COMPLEX_OF[dt]}
            return x.graph.create_op(op_type, [x, fft_length], attrs, name=scope).outputs[0]

    transform.__name__ = default_name
    what = "real signal from its non-negative frequencies" if inverse else "spectrum of a real"
    transform.__doc__ = f"The {rank}-D {what} signal, ``fft_length`` points along each axis."
    return transform


rfft = _real_op("RFFT", 1, "rfft")
irfft = _real_op("IRFFT", 1, "irfft")
rfft2d = _real_op("RFFT2D", 2, "rfft2d")
irfft2d = _real_op("IRFFT2D", 2, "irfft2d")
rfft3d = _real_op("RFFT3D", 3, "rfft3d")
irfft3d = _real_op("IRFFT3D", 3, "irfft3d")

_COMPLEX_FUNCS = {"FFT": fft, "IFFT": ifft, "FFT2D": fft2d, "IFFT2D": ifft2d}
_COMPLEX_FUNCS.update({"FFT3D": fft3d, "IFFT3D": ifft3d})
_RANKS = {"": 1, "2D": 2, "3D": 3}


def _register():
    from teachflow.ops import fft_grads

    for suffix, rank in _RANKS.items():
        for inverse in (False, True):
            prefix = "I" if inverse else ""
            registry.register(
                f"{prefix}FFT{suffix}",
                _infer_fft(rank),
                _fft_kernel(rank, inverse),
                grad=fft_grads.complex_grad(rank, inverse),
            )
            registry.register(
                f"{prefix}RFFT{suffix}",
                _infer_rfft(rank, inverse),
                _rfft_kernel(rank, inverse),
                # TF defines no gradient for RFFT3D and IRFFT3D.
                grad=fft_grads.real_grad(rank, inverse) if rank < 3 else None,
            )


_register()


def _shift(x, axes, name, default_name, sign):
    from teachflow.ops.comparison_ops import less, where
    from teachflow.ops.gathering import gather
    from teachflow.ops.roll_ops import roll
    from teachflow.ops.shape_ops import rank, shape

    with name_scope(name, default_name) as scope:
        x = convert_to_tensor(x)
        if axes is None:
            axes = tuple(range(x.shape.ndims))
            half = shape(x) // 2
        elif isinstance(axes, int):
            half = shape(x)[axes] // 2
        else:
            # negative axes count from the end
            rank_x = rank(x)
            axes = where(less(axes, 0), axes + rank_x, axes)
            half = gather(shape(x), axes) // 2
        return roll(x, half if sign > 0 else -half, axes, scope)


def fftshift(x, axes=None, name=None):
    """``x`` rolled by half its length along ``axes`` (all by default), so that the zero
    frequency sits in the middle (numpy's ``fftshift``)."""
    return _shift(x, axes, name, "fftshift", 1)


def ifftshift(x, axes=None, name=None):
    """The inverse of ``fftshift`` (they differ by one place along an odd axis)."""
    return _shift(x, axes, name, "ifftshift", -1)
