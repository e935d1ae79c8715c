"""Initializers with orthonormal structure: ``tf.orthogonal_initializer`` (also
``tf.initializers.orthogonal``) and ``tf.initializers.identity``.

An orthogonal matrix keeps the length of every vector it multiplies, so a deep (or
recurrent) stack of such weights neither blows up nor fades its activations. TensorFlow draws
a normal matrix with the initializer's seed, takes its QR decomposition and fixes the signs so
that ``R``'s diagonal is positive (which makes ``Q`` uniformly distributed). A shape of more
than two axes is treated as ``[prod(shape[:-1]), shape[-1]]``; a wide one is transposed.

    >>> import teachflow as tf
    >>> w = tf.orthogonal_initializer(seed=1)([3, 3])
    >>> with tf.Session() as sess:
    ...     wtw = sess.run(tf.matmul(w, w, transpose_a=True))
    >>> bool(abs(wtw - [[1, 0, 0], [0, 1, 0], [0, 0, 1]]).max() < 1e-5)
    True
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.shapes import TensorShape
from teachflow.ops.init_ops import Initializer, _assert_float_dtype

__all__ = ["orthogonal_initializer"]


class Orthogonal(Initializer):
    """An orthogonal matrix (rows or columns orthonormal) times ``gain``."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from teachflow.ops.diag_ops import diag_part, matrix_transpose
        from teachflow.ops.linalg_ops import qr
        from teachflow.ops.random_ops import random_normal
        from teachflow.ops.reshaping import reshape
        from teachflow.ops.unary_ops import sign

        dtype = _assert_float_dtype(dtype or self.dtype)
        shape = TensorShape(shape).as_list()
        if len(shape) < 2:
            raise ValueError(
                f"The tensor to initialize must be at least two-dimensional. Received shape={shape}"
            )
        num_rows, num_cols = int(np.prod(shape[:-1])), int(shape[-1])
        flat_shape = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        a = random_normal(flat_shape, dtype=dtype, seed=self.seed)
        q, r = qr(a, full_matrices=False)
        q *= sign(diag_part(r))
        if num_rows < num_cols:
            q = matrix_transpose(q)
        return self.gain * reshape(q, shape)

    _config_fields = ("gain", "seed", "dtype")


class Identity(Initializer):
    """The identity matrix (ones on the main diagonal of a 2-D shape) times ``gain``."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from teachflow.ops.filling import eye
        from teachflow.ops.slicing import slice as slice_

        full_shape = shape if partition_info is None else partition_info.full_shape
        full_shape = TensorShape(full_shape).as_list()
        if len(full_shape) != 2:
            raise ValueError(
                "The tensor to initialize, specified by argument `shape` must be at least "
                f"two-dimensional. Received shape={full_shape}"
            )
        initializer = eye(*full_shape, dtype=dtype or self.dtype)
        if partition_info is not None:
            initializer = slice_(initializer, partition_info.var_offset, shape)
        return self.gain * initializer

    _config_fields = ("gain", "dtype")


orthogonal_initializer = Orthogonal
identity_initializer = Identity  # tf.initializers.identity (no top-level name in TF1)
