"""``tf.linalg.expm``: the matrix exponential by scaling and squaring with Padé
approximants (Higham 2005), built from ops exactly as TensorFlow's ``linalg_impl.py``
builds it.

The 1-norm of each matrix picks the approximant: a low-order Padé ``(u, v)`` pair where the
norm is small, else the highest order on the matrix divided by ``2^s``; the result
``(v - u)^-1 (v + u)`` is then squared ``s`` times in a ``while_loop`` (each matrix of a
batch only as often as its own ``s``). float32 matrices use orders 3, 5 and 7; float64
ones 3, 5, 7, 9 and 13.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.expm([[0.0, 0.0], [0.0, 0.0]])).tolist())
    [[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["matrix_exponential"]

# The numerators' coefficients b_0 .. b_m of each order (Higham 2005, table 10.4).
PADE = {
    3: [120.0, 60.0, 12.0],
    5: [30240.0, 15120.0, 3360.0, 420.0, 30.0],
    7: [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0],
    9: [
        17643225600.0,
        8821612800.0,
        2075673600.0,
        302702400.0,
        30270240.0,
        2162160.0,
        110880.0,
        3960.0,
        90.0,
    ],  # fmt: skip
    13: [
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
    ],  # fmt: skip
}
# (maximum norm of the last order, norms below which each lower order is accurate enough)
SINGLE = (3.925724783138660, (4.258730016922831e-001, 1.880152677804762e000))
DOUBLE = (
    5.371920351148152,
    (1.495585217958292e-002, 2.539398330063230e-001, 9.504178996162932e-001, 2.097847961257068e000),
)


def _pade(matrix, order):
    """``(u, v)``: the odd and even parts of the order-``order`` Padé numerator."""
    from teachflow.ops import array_ops
    from teachflow.ops.filling import eye
    from teachflow.ops.matmul_ops import matmul

    b = [convert_to_tensor(x, dtype=matrix.dtype.base_dtype) for x in PADE[order]]
    ident = eye(
        array_ops.shape(matrix)[-2],
        batch_shape=array_ops.shape(matrix)[:-2],
        dtype=matrix.dtype.base_dtype,
    )
    m2 = matmul(matrix, matrix)
    if order == 13:
        m4 = matmul(m2, m2)
        m6 = matmul(m4, m2)
        tmp_u = (
            matmul(m6, m6 + b[11] * m4 + b[9] * m2)
            + b[7] * m6
            + b[5] * m4
            + b[3] * m2
            + b[1] * ident
        )
        u = matmul(matrix, tmp_u)
        tmp_v = b[12] * m6 + b[10] * m4 + b[8] * m2
        v = matmul(m6, tmp_v) + b[6] * m6 + b[4] * m4 + b[2] * m2 + b[0] * ident
        return u, v
    powers = [ident, m2]  # the even powers I, M^2, M^4, ... up to M^(order - 1)
    while len(powers) < (order + 1) // 2:
        powers.append(matmul(powers[-1], m2))
    top = len(powers) - 1
    tmp = powers[top]
    for j in range(top - 1, -1, -1):
        tmp = tmp + b[2 * j + 1] * powers[j]
    u = matmul(matrix, tmp)
    v = b[order - 1] * powers[top]
    for j in range(top - 1, -1, -1):
        v = v + b[2 * j] * powers[j]
    return u, v


def _nest_where(l1_norm, bounds, cases):
    """``cases[i]`` for the matrices whose norm is below ``bounds[i]`` (the first that
    holds), ``cases[-1]`` for the rest."""
    from teachflow.ops.comparison_ops import less, where_v2

    bound = convert_to_tensor(bounds[0], dtype=l1_norm.dtype.base_dtype)
    if len(bounds) == 1:
        return where_v2(less(l1_norm, bound), cases[0], cases[1])
    return where_v2(less(l1_norm, bound), cases[0], _nest_where(l1_norm, bounds[1:], cases[1:]))


def _approximant(matrix, l1_norm):
    """``(u, v, squarings)`` for each matrix of the batch."""
    from teachflow.ops.arithmetic_ops import cast, maximum
    from teachflow.ops.arithmetic_ops import pow as pow_
    from teachflow.ops.unary_ops import floor, log

    def const(x):
        return convert_to_tensor(x, dtype=l1_norm.dtype.base_dtype)

    single = matrix.dtype.base_dtype in (dtypes.float16, dtypes.float32, dtypes.complex64)
    maxnorm, bounds = SINGLE if single else DOUBLE
    maxnorm = const(maxnorm)
    squarings = maximum(floor(log(l1_norm / maxnorm) / log(const(2.0))), 0)
    orders = (3, 5, 7) if single else (3, 5, 7, 9, 13)
    pairs = [_pade(matrix, order) for order in orders[:-1]]
    scaled = matrix / cast(pow_(const(2.0), squarings), matrix.dtype.base_dtype)
    pairs.append(_pade(scaled, orders[-1]))
    u = _nest_where(l1_norm, bounds, [p[0] for p in pairs])
    v = _nest_where(l1_norm, bounds, [p[1] for p in pairs])
    return u, v, squarings


def matrix_exponential(input, name=None):  # noqa: A002 - TF's argument name
    """``exp(input)`` of each square matrix (``tf.linalg.expm``): float16/32/64 and
    complex64/128. A batch with a non-finite norm is all NaN, as in TensorFlow.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.expm([[0.0, 1.0], [0.0, 0.0]])).tolist())
        [[1.0, 1.0], [0.0, 1.0]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.comparison_ops import less, where_v2
    from teachflow.ops.control_flow_cond import cond
    from teachflow.ops.control_flow_while import while_loop
    from teachflow.ops.linalg_ops import matrix_solve
    from teachflow.ops.matmul_ops import matmul
    from teachflow.ops.reduction_ops import reduce_max, reduce_sum
    from teachflow.ops.shape_ops import size
    from teachflow.ops.unary_ops import abs as abs_
    from teachflow.ops.unary_ops import is_finite

    with name_scope(name, "matrix_exponential", [input]):
        matrix = convert_to_tensor(input, name="input")
        if matrix.shape[-2:] == [0, 0]:
            return matrix
        if matrix.dtype.base_dtype not in _EXPM_DTYPES:
            raise ValueError(f"tf.linalg.expm does not support matrices of type {matrix.dtype}")
        batch_shape = matrix.shape[:-2]
        if not batch_shape.is_fully_defined():
            batch_shape = array_ops.shape(matrix)[:-2]
        matrix = array_ops.reshape(
            matrix, array_ops.concat(([-1], array_ops.shape(matrix)[-2:]), axis=0)
        )
        column_sums = reduce_sum(abs_(matrix), axis=size(array_ops.shape(matrix)) - 2)
        l1_norm = reduce_max(column_sums, axis=-1)[..., None, None]
        u, v, squarings = _approximant(matrix, l1_norm)
        finite = is_finite(reduce_max(l1_norm))
        nan = convert_to_tensor(np.nan, dtype=matrix.dtype.base_dtype)
        result = cond(
            finite,
            lambda: matrix_solve(-u + v, u + v),
            lambda: array_ops.fill(array_ops.shape(matrix), nan),
        )
        max_squarings = reduce_max(squarings)
        i = convert_to_tensor(0.0, dtype=l1_norm.dtype.base_dtype)

        def keep_squaring(i, _):
            return cond(
                finite,
                lambda: less(i, max_squarings),
                lambda: convert_to_tensor(False),
            )

        def square(i, r):
            return i + 1, where_v2(less(i, squarings), matmul(r, r), r)

        _, result = while_loop(keep_squaring, square, [i, result])
        if not matrix.shape.is_fully_defined():
            return array_ops.reshape(
                result, array_ops.concat((batch_shape, array_ops.shape(result)[-2:]), axis=0)
            )
        return array_ops.reshape(result, batch_shape.concatenate(result.shape[-2:]))


_EXPM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)
