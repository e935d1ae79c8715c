"""What the singular values say about a matrix: its Moore-Penrose pseudo-inverse
(``tf.linalg.pinv``) and its numerical rank (``tf.linalg.matrix_rank``), both built from
``Svd`` as TensorFlow's ``linalg_impl.py`` builds them.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]])))
    1
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value

__all__ = ["pinv", "matrix_rank"]


def pinv(a, rcond=None, validate_args=False, name=None):
    """``v @ diag(1/s) @ adjoint(u)``, singular values at or below ``rcond * max(s)``
    counted as zero (default ``rcond``: ``10 * max(rows, cols) * eps``).

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.pinv([[2.0, 0.0], [0.0, 0.0]])).tolist())
        [[0.5, 0.0], [0.0, 0.0]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast, maximum
    from teachflow.ops.comparison_ops import where_v2
    from teachflow.ops.linalg_ops import svd
    from teachflow.ops.matmul_ops import matmul
    from teachflow.ops.reduction_ops import reduce_max

    with name_scope(name or "pinv"):
        a = convert_to_tensor(a, name="a")
        dtype = a.dtype.base_dtype.as_numpy_dtype
        if rcond is None:
            rows, cols = (
                dimension_value(a.shape[d])
                if dimension_value(a.shape[d]) is not None
                else array_ops.shape(a)[d]
                for d in (-2, -1)
            )
            if isinstance(rows, int) and isinstance(cols, int):
                most = float(max(rows, cols))
            else:
                most = cast(maximum(rows, cols), a.dtype.base_dtype)
            rcond = 10.0 * most * np.finfo(dtype).eps
        rcond = convert_to_tensor(rcond, dtype=a.dtype.base_dtype, name="rcond")
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        # A small singular value becomes inf, so that 1/s is 0 without NaN gradients.
        cutoff = rcond * reduce_max(s, axis=-1)
        s = where_v2(s > array_ops.expand_dims(cutoff, -1), s, np.array(np.inf, dtype))
        a_pinv = matmul(v / array_ops.expand_dims(s, -2), u, adjoint_b=True)
        if a.shape.ndims is not None:
            a_pinv.set_shape(
                a.shape[:-2].concatenate(
                    [dimension_value(a.shape[-1]), dimension_value(a.shape[-2])]
                )
            )
        return a_pinv


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """How many singular values exceed ``tol`` (default ``eps * max(rows, cols) * max(s)``),
    as int32.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.matrix_rank(tf.eye(3))))
        3
    """
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.linalg_ops import svd
    from teachflow.ops.reduction_ops import reduce_max, reduce_sum

    with name_scope(name or "matrix_rank"):
        a = convert_to_tensor(a, name="a", preferred_dtype=dtypes.float32)
        s = svd(a, compute_uv=False)
        if tol is None:
            if a.shape[-2:].is_fully_defined():
                m = np.max(a.shape[-2:].as_list())
            else:
                m = reduce_max(array_ops.shape(a)[-2:])
            eps = np.finfo(a.dtype.base_dtype.as_numpy_dtype).eps
            tol = eps * cast(m, a.dtype.base_dtype) * reduce_max(s, axis=-1, keepdims=True)
        return reduce_sum(cast(s > tol, dtypes.int32), axis=-1)
