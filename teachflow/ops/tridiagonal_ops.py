"""Tridiagonal matrices stored as their three diagonals: ``tf.linalg.tridiagonal_matmul``
(op ``TridiagonalMatMul``) and ``tf.linalg.tridiagonal_solve`` (op ``TridiagonalSolve``).

The "compact" format stacks ``[superdiag, maindiag, subdiag]`` on the next-to-last axis,
each of length ``m``: the superdiagonal's last entry and the subdiagonal's first are
padding. Gradients are TensorFlow's ``linalg_grad.py``.

    >>> import teachflow as tf
    >>> diagonals = [[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]]
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.tridiagonal_solve(diagonals, [3.0, 4.0, 3.0])).tolist())
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.op_builder import apply_op

__all__ = ["tridiagonal_matmul", "tridiagonal_solve"]

TRIDIAGONAL_DTYPES = (dtypes.float64, dtypes.float32, dtypes.complex64, dtypes.complex128)


def _infer_matmul(op):
    dt = check_allowed(op.inputs[0], TRIDIAGONAL_DTYPES, "superdiag")
    return [(dt, op.inputs[3].shape)]


def _infer_solve(op):
    diagonals, rhs = op.inputs
    dt = check_allowed(diagonals, TRIDIAGONAL_DTYPES, "diagonals")
    return [(dt, rhs.shape if rhs.shape.ndims is not None else TensorShape(None))]


def _dense(diagonals):
    """The ``[..., m, m]`` matrices of compact ``[..., 3, m]`` diagonals."""
    m = diagonals.shape[-1]
    dense = np.zeros(diagonals.shape[:-2] + (m, m), diagonals.dtype)
    i = np.arange(m)
    dense[..., i, i] = diagonals[..., 1, :]
    dense[..., i[:-1], i[1:]] = diagonals[..., 0, :-1]
    dense[..., i[1:], i[:-1]] = diagonals[..., 2, 1:]
    return dense


def _matmul_kernel(op, device):
    xp = device.xp

    def tridiagonal_matmul(superdiag, maindiag, subdiag, rhs):
        diagonals = np.concatenate([superdiag, maindiag, subdiag], axis=-2)
        return xp.asarray(_dense(np.asarray(diagonals)) @ np.asarray(rhs))

    return tridiagonal_matmul


def _solve_kernel(op, device):
    """A dense solve of the tridiagonal system: the same answer as TF's Thomas
    elimination with partial pivoting up to rounding."""
    xp = device.xp
    perturbed = op._attrs.get("partial_pivoting") and op._attrs.get("perturb_singular")

    def tridiagonal_solve(diagonals, rhs):
        diagonals, rhs = np.asarray(diagonals), np.asarray(rhs)
        if diagonals.shape[-2] != 3:
            raise errors.InvalidArgumentError(
                None, None, f"Expected 3 diagonals got {diagonals.shape[-2]}"
            )
        if perturbed:  # TF's pivoted LU that nudges tiny pivots (inverse iteration's solve)
            from teachflow.ops.tridiagonal_perturbed_solve import solve_perturbed

            return xp.asarray(solve_perturbed(diagonals, rhs))
        dense = _dense(diagonals)
        try:
            x = np.linalg.solve(dense, rhs)
        except np.linalg.LinAlgError:
            # TensorFlow logs "The matrix is not invertible." and answers NaNs.
            x = np.full(rhs.shape, np.nan, rhs.dtype)
        return xp.asarray(x.astype(rhs.dtype))

    return tridiagonal_solve


def _shift(x, left):
    """The next-to-last axis shifted one place left (zero on the right) or right."""
    from teachflow.ops import array_ops
    from teachflow.ops.padding import pad

    rank = array_ops.rank(x)
    zeros = array_ops.zeros(array_ops.stack([rank - 2, 2]), dtype=dtypes.int32)
    edge = [[0, 1], [0, 0]] if left else [[1, 0], [0, 0]]
    paddings = array_ops.concat([zeros, convert_to_tensor(edge)], axis=0)
    return pad(x[..., 1:, :] if left else x[..., :-1, :], paddings)


def _matmul_grad(op, grad):
    from teachflow.ops import array_ops
    from teachflow.ops.complex_ops import conj
    from teachflow.ops.diag_ops import matrix_transpose
    from teachflow.ops.reduction_ops import reduce_sum

    superdiag_conj = matrix_transpose(op.inputs[0], conjugate=True)
    maindiag_conj = matrix_transpose(op.inputs[1], conjugate=True)
    subdiag_conj = matrix_transpose(op.inputs[2], conjugate=True)
    rhs_conj = conj(op.inputs[3])
    superdiag_grad = reduce_sum(_shift(rhs_conj, left=True) * grad, axis=-1)
    maindiag_grad = reduce_sum(rhs_conj * grad, axis=-1)
    subdiag_grad = reduce_sum(_shift(rhs_conj, left=False) * grad, axis=-1)
    rhs_grad = (
        _shift(superdiag_conj * grad, left=False)
        + maindiag_conj * grad
        + _shift(subdiag_conj * grad, left=True)
    )
    return [
        array_ops.expand_dims(superdiag_grad, -2),
        array_ops.expand_dims(maindiag_grad, -2),
        array_ops.expand_dims(subdiag_grad, -2),
        rhs_grad,
    ]


def _solve_grad(op, grad):
    """``grad_rhs`` solves with the transposed matrix; ``grad_diags`` is minus the three
    diagonals of ``grad_rhs @ x^T``."""
    from teachflow.ops import array_ops
    from teachflow.ops.reduction_ops import reduce_sum

    diags, x = op.inputs[0], op.outputs[0]
    diag = diags[..., 1, :]
    zeros = array_ops.zeros(diags.shape[:-2].as_list() + [1], dtype=diags.dtype.base_dtype)
    superdiag = array_ops.concat((diags[..., 2, 1:], zeros), axis=-1)
    subdiag = array_ops.concat((zeros, diags[..., 0, :-1]), axis=-1)
    transposed = array_ops.stack([superdiag, diag, subdiag], axis=-2)
    grad_rhs = _solve_op(
        transposed, grad, op._attrs["partial_pivoting"], op._attrs["perturb_singular"], None
    )
    y_zeros = array_ops.zeros(
        grad_rhs.shape[:-2].as_list() + [1, dimension_value(grad_rhs.shape[-1])],
        dtype=x.dtype.base_dtype,
    )
    main = reduce_sum(grad_rhs * x, axis=-1)
    upper = reduce_sum(grad_rhs * array_ops.concat((x[..., 1:, :], y_zeros), axis=-2), axis=-1)
    lower = reduce_sum(grad_rhs * array_ops.concat((y_zeros, x[..., :-1, :]), axis=-2), axis=-1)
    return [-array_ops.stack([upper, main, lower], axis=-2), grad_rhs]


registry.register("TridiagonalMatMul", _infer_matmul, _matmul_kernel, grad=_matmul_grad)
registry.register("TridiagonalSolve", _infer_solve, _solve_kernel, grad=_solve_grad)


def _solve_op(diagonals, rhs, partial_pivoting, perturb_singular, name):
    attrs = {
        "T": diagonals.dtype.base_dtype,
        "partial_pivoting": bool(partial_pivoting),
        "perturb_singular": bool(perturb_singular),
    }
    args = [(diagonals, "diagonals", None), (rhs, "rhs", diagonals.dtype.base_dtype)]
    return apply_op("TridiagonalSolve", name, args, attrs).outputs[0]


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """``A @ rhs`` for the tridiagonal ``A`` of ``diagonals`` ("compact", "sequence" of
    three tensors, or a full "matrix").

        >>> import teachflow as tf
        >>> diagonals = [[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]]
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.tridiagonal_matmul(diagonals, [[1.0], [1.0], [1.0]])).tolist())
        [[3.0], [4.0], [3.0]]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.diag_ops import matrix_diag_part

    if diagonals_format == "compact":
        diagonals = convert_to_tensor(diagonals)
        superdiag, maindiag, subdiag = (diagonals[..., i, :] for i in range(3))
    elif diagonals_format == "sequence":
        superdiag, maindiag, subdiag = diagonals
    elif diagonals_format == "matrix":
        diagonals = convert_to_tensor(diagonals)
        m1, m2 = diagonals.shape[-1], diagonals.shape[-2]
        if m1 and m2 and m1 != m2:
            raise ValueError(
                f"Expected last two dimensions of diagonals to be same, got {m1} and {m2}"
            )
        diags = matrix_diag_part(diagonals, k=(-1, 1), padding_value=0.0, align="LEFT_RIGHT")
        superdiag, maindiag, subdiag = (diags[..., i, :] for i in range(3))
    else:
        raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
    superdiag = array_ops.expand_dims(superdiag, -2)
    maindiag = array_ops.expand_dims(maindiag, -2)
    subdiag = array_ops.expand_dims(subdiag, -2)
    args = [
        (superdiag, "superdiag", None),
        (maindiag, "maindiag", superdiag.dtype.base_dtype),
        (subdiag, "subdiag", superdiag.dtype.base_dtype),
        (rhs, "rhs", superdiag.dtype.base_dtype),
    ]
    attrs = {"T": superdiag.dtype.base_dtype}
    return apply_op("TridiagonalMatMul", name, args, attrs).outputs[0]


def tridiagonal_solve(
    diagonals,
    rhs,
    diagonals_format="compact",
    transpose_rhs=False,
    conjugate_rhs=False,
    name=None,
    partial_pivoting=True,
    perturb_singular=False,
):
    """``x`` with ``A @ x == rhs`` for the tridiagonal ``A`` of ``diagonals`` (see
    `tridiagonal_matmul` for the formats); ``rhs`` may be a vector. A singular ``A``
    gives NaNs, as TensorFlow's kernel does."""
    from teachflow.ops import array_ops
    from teachflow.ops.diag_ops import matrix_diag_part

    if perturb_singular and not partial_pivoting:
        raise ValueError("partial_pivoting must be True if perturb_singular is.")
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (tuple, list)) or len(diagonals) != 3:
            raise ValueError("Expected diagonals to be a sequence of length 3.")
        superdiag, maindiag, subdiag = (convert_to_tensor(d) for d in diagonals)
        m = dimension_value(maindiag.shape[-1])
        subdiag = _pad_to(subdiag, m, "subdiagonal", [1, 0])
        superdiag = _pad_to(superdiag, m, "superdiagonal", [0, 1])
        diagonals = array_ops.stack((superdiag, maindiag, subdiag), axis=-2)
    elif diagonals_format == "matrix":
        diagonals = convert_to_tensor(diagonals)
        m1, m2 = diagonals.shape[-1], diagonals.shape[-2]
        if m1 and m2 and m1 != m2:
            raise ValueError(
                f"Expected last two dimensions of diagonals to be same, got {m1} and {m2}"
            )
        diagonals = matrix_diag_part(diagonals, k=(-1, 1), padding_value=0.0, align="LEFT_RIGHT")
    elif diagonals_format != "compact":
        raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
    return _solve_compact(
        convert_to_tensor(diagonals),
        convert_to_tensor(rhs),
        transpose_rhs,
        conjugate_rhs,
        partial_pivoting,
        perturb_singular,
        name,
    )


def _pad_to(t, m, what, last_dim_padding):
    from teachflow.ops.padding import pad

    n = dimension_value(t.shape[-1])
    if not n or n == m:
        return t
    if n == m - 1:
        return pad(t, [[0, 0]] * (t.shape.ndims - 1) + [last_dim_padding])
    raise ValueError(f"Expected {what} to be have length {m} or {m - 1}, got {n}.")


def _solve_compact(diagonals, rhs, transpose_rhs, conjugate_rhs, pivoting, perturb, name):
    from teachflow.ops import array_ops
    from teachflow.ops.complex_ops import conj
    from teachflow.ops.diag_ops import matrix_transpose

    diags_rank, rhs_rank = diagonals.shape.ndims, rhs.shape.ndims
    if diags_rank:
        if diags_rank < 2:
            raise ValueError(f"Expected diagonals to have rank at least 2, got {diags_rank}")
        if rhs_rank and rhs_rank not in (diags_rank, diags_rank - 1):
            raise ValueError(
                f"Expected the rank of rhs to be {diags_rank - 1} or {diags_rank}, got {rhs_rank}"
            )
    if dimension_value(diagonals.shape[-2]) and dimension_value(diagonals.shape[-2]) != 3:
        raise ValueError(f"Expected 3 diagonals got {dimension_value(diagonals.shape[-2])}")

    def check_num_lhs_matches_num_rhs():
        if (
            dimension_value(diagonals.shape[-1])
            and dimension_value(rhs.shape[-2])
            and dimension_value(diagonals.shape[-1]) != dimension_value(rhs.shape[-2])
        ):
            raise ValueError(
                "Expected number of left-hand sided and right-hand sides to be equal, got "
                f"{diagonals.shape[-1]} and {rhs.shape[-2]}"
            )

    if rhs_rank and diags_rank and rhs_rank == diags_rank - 1:
        if conjugate_rhs:
            rhs = conj(rhs)
        rhs = array_ops.expand_dims(rhs, -1)
        check_num_lhs_matches_num_rhs()
        return array_ops.squeeze(_solve_op(diagonals, rhs, pivoting, perturb, name), -1)
    if transpose_rhs:
        rhs = matrix_transpose(rhs, conjugate=conjugate_rhs)
    elif conjugate_rhs:
        rhs = conj(rhs)
    check_num_lhs_matches_num_rhs()
    return _solve_op(diagonals, rhs, pivoting, perturb, name)
