"""Gradients of the decompositions: QR, the symmetric eigendecomposition and the SVD
(TensorFlow's ``linalg_grad.py``), kept apart from `linalg_ops` for length.

For ``e, v = self_adjoint_eig(a)``::

    grad_a = v (diag(grad_e) + F * (v^T grad_v)) v^T,   F[i, j] = 1 / (e_j - e_i), F[i, i] = 0

then symmetrized onto the lower triangle (the only part the kernel reads). For singular
values alone ``grad_a = u diag(grad_s) v^T``; through the singular vectors too, TensorFlow's
_SvdGrad (inner matrix size known; with ``full_matrices`` only when m and n differ by at
most one, as in TensorFlow).
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops.arithmetic_ops import add, multiply, subtract
from teachflow.ops.matmul_ops import matmul
from teachflow.ops.unary_ops import reciprocal


def _safe_reciprocal(x, epsilon=1e-20):
    eps = convert_to_tensor(epsilon, dtype=x.dtype.base_dtype)
    return multiply(x, reciprocal(add(multiply(x, x), eps)))


def _self_adjoint_eig_grad(op, grad_e, grad_v):
    from teachflow.ops.diag_ops import (
        matrix_band_part,
        matrix_diag,
        matrix_diag_part,
        matrix_set_diag,
        matrix_transpose,
    )
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.linalg_ops import self_adjoint_eig
    from teachflow.ops.reshaping import expand_dims

    e = op.outputs[0]
    grad_e = zeros_like(e) if grad_e is None else grad_e
    if op._attrs["compute_v"]:
        v = op.outputs[1]
        grad_v = zeros_like(v) if grad_v is None else grad_v
        f = matrix_set_diag(
            _safe_reciprocal(subtract(expand_dims(e, -2), expand_dims(e, -1))), zeros_like(e)
        )
        inner = add(matrix_diag(grad_e), multiply(f, matmul(v, grad_v, adjoint_a=True)))
    else:
        _, v = self_adjoint_eig(op.inputs[0])
        inner = matrix_diag(grad_e)
    grad_a = matmul(v, matmul(inner, v, adjoint_b=True))
    grad_a = matrix_band_part(add(grad_a, matrix_transpose(grad_a)), -1, 0)
    half = convert_to_tensor(0.5, dtype=grad_a.dtype.base_dtype)
    return [matrix_set_diag(grad_a, multiply(half, matrix_diag_part(grad_a)))]


def _svd_grad(op, grad_s, grad_u=None, grad_v=None):
    """TensorFlow's _SvdGrad (real dtypes): through s, u and v, for a known matrix size."""
    from teachflow.ops.diag_ops import matrix_diag, matrix_diag_part, matrix_set_diag
    from teachflow.ops.diag_ops import matrix_transpose as adjoint
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.linalg_ops import svd
    from teachflow.ops.reshaping import expand_dims
    from teachflow.ops.unary_ops import square

    a = op.inputs[0]
    grad_s = zeros_like(op.outputs[0]) if grad_s is None else grad_s
    grad_s_mat = matrix_diag(grad_s)
    if not op._attrs["compute_uv"]:
        _, u, v = svd(a, compute_uv=True)
        return [matmul(u, matmul(grad_s_mat, v, adjoint_b=True))]
    full_matrices = op._attrs["full_matrices"]
    m, n = a.shape.as_list()[-2:] if a.shape.ndims else [None, None]
    if m is None or n is None:
        raise LookupError(
            "SVD gradient has not been implemented for input with unknown inner matrix shape."
        )
    s, u, v = op.outputs
    grad_u = zeros_like(u) if grad_u is None else grad_u
    grad_v = zeros_like(v) if grad_v is None else grad_v
    use_adjoint = m > n
    if use_adjoint:
        # The gradient of A^T = V S U^T, transposed at the end.
        m, n, u, v, grad_u, grad_v = n, m, v, u, grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise LookupError(
            "svd gradient is not implemented for abs(m - n) > 1 when full_matrices is True"
        )
    s_mat = matrix_diag(s)
    s_2 = square(s)
    f = matrix_set_diag(
        _safe_reciprocal(subtract(expand_dims(s_2, -2), expand_dims(s_2, -1))), zeros_like(s)
    )
    s_inv_mat = matrix_diag(_safe_reciprocal(matrix_diag_part(s_mat)))
    v1, grad_v1 = v[..., :, :m], grad_v[..., :, :m]
    f_u = multiply(f, matmul(u, grad_u, adjoint_a=True))
    f_v = multiply(f, matmul(v1, grad_v1, adjoint_a=True))
    term1_nouv = add(
        add(grad_s_mat, matmul(add(f_u, adjoint(f_u)), s_mat)),
        matmul(s_mat, add(f_v, adjoint(f_v))),
    )
    grad = matmul(u, matmul(term1_nouv, v1, adjoint_b=True))
    if m != n:
        gv1t = adjoint(grad_v1)
        term2_nous = subtract(gv1t, matmul(matmul(gv1t, v1), v1, adjoint_b=True))
        if full_matrices:
            v2, grad_v2 = v[..., :, m:n], grad_v[..., :, m:n]
            term2_nous = subtract(
                term2_nous, matmul(matmul(v1, grad_v2, adjoint_a=True), v2, adjoint_b=True)
            )
        grad = add(grad, matmul(matmul(u, s_inv_mat), term2_nous))
    return [adjoint(grad) if use_adjoint else grad]


def _qr_grad(op, dq, dr):
    """TensorFlow's _QrGrad: square and tall matrices (reduced QR), and wide ones by
    reducing to the square case; shapes must be known."""
    from teachflow.ops.diag_ops import matrix_band_part
    from teachflow.ops.diag_ops import matrix_transpose as adjoint
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.joining import concat
    from teachflow.ops.linalg_ops import matrix_triangular_solve

    q, r = op.outputs
    dq = zeros_like(q) if dq is None else dq
    dr = zeros_like(r) if dr is None else dr
    if r.shape.ndims is None or None in r.shape.as_list()[-2:] or q.shape.as_list()[-2] is None:
        raise LookupError("QrGrad not implemented with dynamic shapes.")
    if (
        r.shape.as_list()[-2] > r.shape.as_list()[-1]
        and q.shape.as_list()[-2] == q.shape.as_list()[-1]
    ):
        raise LookupError("QrGrad not implemented when nrows > ncols and full_matrices is true.")

    def triangular_solve(x, r):
        # x @ inverse(r)^T for an upper-triangular r
        return adjoint(matrix_triangular_solve(r, adjoint(x), lower=False, adjoint=False))

    def square_and_deep(q, r, dq, dr):
        qdq = matmul(q, dq, adjoint_a=True)
        rdr = matmul(r, dr, adjoint_b=True)
        tril = matrix_band_part(
            add(subtract(qdq, adjoint(qdq)), subtract(rdr, adjoint(rdr))), -1, 0
        )
        grad_a = matmul(q, add(dr, triangular_solve(tril, r)))
        grad_b = triangular_solve(subtract(dq, matmul(q, qdq)), r)
        return add(grad_a, grad_b)

    num_rows, num_cols = q.shape.as_list()[-2], r.shape.as_list()[-1]
    if num_rows >= num_cols:
        return [square_and_deep(q, r, dq, dr)]
    a = op.inputs[0]
    y = a[..., :, num_rows:]
    u = r[..., :, :num_rows]
    dv = dr[..., :, num_rows:]
    du = dr[..., :, :num_rows]
    dy = matmul(q, dv)
    dx = square_and_deep(q, u, add(dq, matmul(y, dv, adjoint_b=True)), du)
    return [concat([dx, dy], axis=-1)]


registry.set_gradient("Qr", _qr_grad)
registry.set_gradient("SelfAdjointEigV2", _self_adjoint_eig_grad)
registry.set_gradient("Svd", _svd_grad)
