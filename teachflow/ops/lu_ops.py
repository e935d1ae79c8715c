"""``tf.linalg.lu`` and what is built on it: the LU factorization with partial pivoting,
and the reconstruction, solve and inverse that read a factorization back.

``lu(x)`` returns ``(lower_upper, perm)``: the unit-lower ``L`` (its ones not stored) and
the upper ``U`` packed in one matrix, and the row permutation with ``x[perm] == L @ U``.
The pivot of each column is the entry of largest magnitude at or below the diagonal (the
first of equals), as Eigen's ``PartialPivLU`` that TensorFlow's ``Lu`` kernel calls picks it.

    >>> import teachflow as tf
    >>> lu, perm = tf.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(perm).tolist(), sess.run(tf.linalg.lu_reconstruct(lu, perm)).tolist())
    [1, 0] [[1.0, 2.0], [3.0, 4.0]]

The reconstruction, solve and inverse are TensorFlow's Python compositions (band parts,
a ``set_diag`` of ones, two triangular solves), so they have gradients; ``Lu`` itself has
none in TensorFlow, nor here.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.linalg_ops import LINALG_DTYPES, _square_matrices
from teachflow.ops.op_builder import apply_op
from teachflow.ops.op_results import result

__all__ = ["lu", "lu_reconstruct", "lu_solve", "lu_matrix_inverse"]

_NOT_INVERTIBLE = "Input is not invertible."


def _infer_lu(op):
    dt = check_allowed(op.inputs[0], LINALG_DTYPES, "input")
    square = _square_matrices(op.inputs[0])
    perm = TensorShape(None) if square.ndims is None else square[:-1]
    return [(dt, square), (op._attrs["output_idx_type"], perm)]


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Doolittle elimination with partial pivoting over a batch of square matrices:
    ``(packed L\\U, perm)``. Column by column: swap the pivot row up, scale the column
    below it into ``L``, and subtract the rank-one update from the trailing block."""
    lu = a.copy()
    n = a.shape[-1]
    batch = np.arange(a.shape[0])
    perm = np.broadcast_to(np.arange(n), a.shape[:-1]).copy()
    for k in range(n):
        pivot = k + np.argmax(np.abs(lu[:, k:, k]), axis=-1)
        rows = lu[batch, pivot].copy()
        lu[batch, pivot] = lu[:, k]
        lu[:, k] = rows
        order = perm[batch, pivot].copy()
        perm[batch, pivot] = perm[:, k]
        perm[:, k] = order
        with np.errstate(divide="ignore", invalid="ignore"):
            lu[:, k + 1 :, k] /= lu[:, k, k][:, None]
        lu[:, k + 1 :, k + 1 :] -= lu[:, k + 1 :, k, None] * lu[:, k, None, k + 1 :]
    return lu, perm


def _lu_kernel(op, device):
    xp = device.xp
    index = op._attrs["output_idx_type"].as_numpy_dtype

    def lu_kernel(x):
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise errors.InvalidArgumentError(None, None, "Input matrix must be square.")
        a = np.asarray(x).reshape((-1,) + x.shape[-2:])
        work = np.float32 if a.dtype == np.float16 else a.dtype
        packed, perm = lu_factor(a.astype(work))
        diagonal = np.diagonal(packed, axis1=-2, axis2=-1)
        if a.size and not bool(np.all(diagonal != 0)):
            raise errors.InvalidArgumentError(None, None, _NOT_INVERTIBLE)
        return (
            xp.asarray(packed.astype(x.dtype).reshape(x.shape)),
            xp.asarray(perm.astype(index).reshape(x.shape[:-1])),
        )

    return lu_kernel


registry.register("Lu", _infer_lu, _lu_kernel)


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """``(lower_upper, perm)``: the LU factorization of each square matrix, with
    ``input[..., perm, :] == L @ U``. InvalidArgumentError "Input is not invertible." when
    a pivot is zero.

        >>> import teachflow as tf
        >>> lu, perm = tf.linalg.lu([[0.0, 1.0], [2.0, 0.0]])
        >>> lu.op.type, perm.dtype
        ('Lu', tf.int32)
    """
    x = convert_to_tensor(input, name="input")
    attrs = {"T": x.dtype.base_dtype, "output_idx_type": dtypes.as_dtype(output_idx_type)}
    return result(apply_op("Lu", name, [(x, "input", None)], attrs))


def _unit_lower(lower_upper, shape):
    """``L``: the strict lower triangle of the packed factors with ones on the diagonal."""
    from teachflow.ops.diag_ops import matrix_band_part, matrix_set_diag
    from teachflow.ops.filling import ones

    return matrix_set_diag(
        matrix_band_part(lower_upper, -1, 0), ones(shape[:-1], dtype=lower_upper.dtype)
    )


def _convert(lower_upper, perm):
    lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
    return lower_upper, convert_to_tensor(perm, name="perm", preferred_dtype=dtypes.int32)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix ``lu`` factored: ``(L @ U)`` with its rows put back in their place.

    >>> import teachflow as tf
    >>> x = [[0.0, 1.0], [2.0, 3.0]]
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.lu_reconstruct(*tf.linalg.lu(x))).tolist())
    [[0.0, 1.0], [2.0, 3.0]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.diag_ops import matrix_band_part
    from teachflow.ops.matmul_ops import matmul
    from teachflow.ops.reshaping import invert_permutation

    with name_scope(name or "lu_reconstruct"):
        lower_upper, perm = _convert(lower_upper, perm)
        shape = array_ops.shape(lower_upper)
        lower = _unit_lower(lower_upper, shape)
        upper = matrix_band_part(lower_upper, 0, -1)
        x = matmul(lower, upper)
        if lower_upper.shape.ndims != 2:
            x = _gather_rows_of_batch(x, perm, shape)
        else:
            x = array_ops.gather(x, invert_permutation(perm))
        x.set_shape(lower_upper.shape)
        return x


def _gather_rows_of_batch(x, perm, shape):
    """Each matrix's rows in the order of the inverse of its own permutation."""
    from teachflow.ops import array_ops
    from teachflow.ops.functional_ops import map_fn
    from teachflow.ops.reduction_ops import reduce_prod
    from teachflow.ops.reshaping import invert_permutation

    batch_size = reduce_prod(shape[:-2])
    d = shape[-1]
    x = array_ops.reshape(x, [batch_size, d, d])
    perm = map_fn(invert_permutation, array_ops.reshape(perm, [batch_size, d]))
    perm = _with_batch_indices(perm, batch_size, d)
    return array_ops.reshape(array_ops.gather_nd(x, perm), shape)


def _with_batch_indices(perm, batch_size, d):
    from teachflow.ops import array_ops
    from teachflow.ops.tiling import broadcast_to

    batch_indices = broadcast_to(array_ops.range(batch_size)[:, None], [batch_size, d])
    return array_ops.stack([batch_indices, perm], axis=-1)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """``x`` with ``matrix @ x == rhs``, given ``(lower_upper, perm) = lu(matrix)``.

    >>> import teachflow as tf
    >>> lu, perm = tf.linalg.lu([[2.0, 0.0], [0.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.lu_solve(lu, perm, [[2.0], [2.0]])).tolist())
    [[1.0], [0.5]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.linalg_ops import matrix_triangular_solve

    with name_scope(name or "lu_solve"):
        lower_upper, perm = _convert(lower_upper, perm)
        rhs = convert_to_tensor(rhs, dtype=lower_upper.dtype.base_dtype, name="rhs")
        if rhs.shape.ndims == 2 and perm.shape.ndims == 1:
            permuted_rhs = array_ops.gather(rhs, perm, axis=-2)
        else:
            permuted_rhs = _permute_batch_rows(rhs, perm)
        lower = _unit_lower(lower_upper, array_ops.shape(lower_upper))
        # Only the upper triangle of lower_upper is read by the second solve.
        return matrix_triangular_solve(
            lower_upper, matrix_triangular_solve(lower, permuted_rhs), lower=False
        )


def _permute_batch_rows(rhs, perm):
    from teachflow.ops import array_ops
    from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
    from teachflow.ops.reduction_ops import reduce_prod
    from teachflow.ops.tiling import broadcast_to

    rhs_shape = array_ops.shape(rhs)
    batch = broadcast_dynamic_shape(rhs_shape[:-2], array_ops.shape(perm)[:-1])
    d, m = rhs_shape[-2], rhs_shape[-1]
    rhs_broadcast_shape = array_ops.concat([batch, [d, m]], axis=0)
    flat_rhs = array_ops.reshape(broadcast_to(rhs, rhs_broadcast_shape), [-1, d, m])
    flat_perm = array_ops.reshape(broadcast_to(perm, rhs_broadcast_shape[:-1]), [-1, d])
    indices = _with_batch_indices(flat_perm, reduce_prod(batch), d)
    return array_ops.reshape(array_ops.gather_nd(flat_rhs, indices), rhs_broadcast_shape)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of the matrix that ``(lower_upper, perm)`` factors: ``lu_solve`` of
    the identity.

    >>> import teachflow as tf
    >>> lu, perm = tf.linalg.lu([[2.0, 0.0], [0.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.lu_matrix_inverse(lu, perm)).tolist())
    [[0.5, 0.0], [0.0, 0.25]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.filling import eye

    with name_scope(name or "lu_matrix_inverse"):
        lower_upper, perm = _convert(lower_upper, perm)
        shape = array_ops.shape(lower_upper)
        identity = eye(shape[-1], batch_shape=shape[:-2], dtype=lower_upper.dtype.base_dtype)
        return lu_solve(lower_upper, perm, rhs=identity)
