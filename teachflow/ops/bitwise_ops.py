"""``tf.bitwise``: and, or, xor, not (``invert``) and shifts on the bits of integers.

A shift amount is clamped to ``[0, bits - 1]``, as TensorFlow's kernels clamp it (C++ leaves
larger shifts undefined); a left shift of a signed integer wraps, a right shift keeps the
sign. None of these ops has a gradient.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.bitwise.bitwise_and(12, 10)), sess.run(tf.bitwise.left_shift(1, 4)))
    8 16
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.ops.elementwise import binary, broadcast_of, kernel_of, unary_of, unary_op

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]

# TensorFlow's bitwise ops take every integer dtype, unsigned ones included.
BITWISE = (
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
    dtypes.uint16,
    dtypes.uint32,
    dtypes.uint64,
)


def _clamped_shift(ufunc):
    def shift(x, y):
        bits = np.dtype(x.dtype).itemsize * 8
        amount = np.clip(y, 0, bits - 1).astype(x.dtype)
        return ufunc(x, amount).astype(x.dtype)

    return kernel_of(shift)


_BINARY = (
    ("BitwiseAnd", kernel_of(np.bitwise_and)),
    ("BitwiseOr", kernel_of(np.bitwise_or)),
    ("BitwiseXor", kernel_of(np.bitwise_xor)),
    ("LeftShift", _clamped_shift(np.left_shift)),
    ("RightShift", _clamped_shift(np.right_shift)),
)
for _type, _kernel in _BINARY:
    registry.register(_type, broadcast_of(BITWISE), _kernel, not_differentiable=True)
registry.register("Invert", unary_of(BITWISE), kernel_of(np.invert), not_differentiable=True)


def bitwise_and(x, y, name=None):
    """The bits set in both ``x`` and ``y``."""
    return binary("BitwiseAnd", x, y, name)


def bitwise_or(x, y, name=None):
    """The bits set in ``x`` or ``y``."""
    return binary("BitwiseOr", x, y, name)


def bitwise_xor(x, y, name=None):
    """The bits set in exactly one of ``x`` and ``y``."""
    return binary("BitwiseXor", x, y, name)


def invert(x, name=None):
    """Every bit of ``x`` flipped (``~x``)."""
    return unary_op("Invert", x, name)


def left_shift(x, y, name=None):
    """``x << y`` (``y`` clamped to the width of ``x``)."""
    return binary("LeftShift", x, y, name)


def right_shift(x, y, name=None):
    """``x >> y``, arithmetic for signed ``x`` (``y`` clamped to the width of ``x``)."""
    return binary("RightShift", x, y, name)
