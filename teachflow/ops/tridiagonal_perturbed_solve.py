"""The tridiagonal solve TensorFlow runs with ``partial_pivoting=True,
perturb_singular=True``: LU with row pivoting (LAPACK's xLAGTF + xLAGTS), where a tiny
pivot of U is nudged by about ``eps * max|U|`` instead of failing.

Inverse iteration (`teachflow.ops.eigh_tridiagonal_ops`) solves ``(T - lambda I) x = b``
with ``lambda`` an eigenvalue, a singular system on purpose: the huge but finite answer
points along the eigenvector. A plain solve returns NaNs there.

    >>> import numpy as np
    >>> diagonals = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])  # [[1, 1], [1, 1]]
    >>> x = solve_perturbed(diagonals, np.array([[1.0], [0.0]]))
    >>> bool(abs(x[0, 0]) > 1e10), round(float(x[0, 0] / x[1, 0]), 6)  # huge, along [1, -1]
    (True, -1.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["solve_perturbed"]


def _perturb_pivot(perturb, pivot, row):
    """TF's MaybePerturbPivot: grow a tiny ``pivot`` (or scale it and ``row`` up) so that
    neither ``1 / pivot`` nor ``row / pivot`` overflows."""
    real = np.finfo(np.asarray(pivot).real.dtype)
    one = real.dtype.type(1)
    tiny, small = real.tiny, one / real.max
    safemin = tiny if small < tiny else (one + real.eps) * small
    bignum = one / safemin
    abs_pivot = abs(pivot)
    if abs_pivot >= one:
        return pivot, row
    perturb = max(abs(perturb), safemin)
    perturb = real.dtype.type(np.copysign(perturb, np.real(pivot)))
    max_factor = np.abs(row).max()
    while abs_pivot < one:
        if abs_pivot < safemin:
            if abs_pivot == 0 or max_factor * safemin > abs_pivot:
                pivot, perturb = pivot + perturb, perturb * 2
            else:
                return pivot * bignum, row * bignum
        elif max_factor > abs_pivot * bignum:
            pivot, perturb = pivot + perturb, perturb * 2
        else:
            break
        abs_pivot = abs(pivot)
    return pivot, row


def _solve_one(superdiag, diag, subdiag, rhs):
    n = diag.shape[0]
    zero = diag.dtype.type(0)
    one = diag.dtype.type(1)
    eps = np.finfo(np.abs(diag).dtype).eps
    x = rhs.copy()
    if n == 1:
        denom, row = _perturb_pivot(eps * abs(diag[0]), diag[0], rhs[0].copy())
        x[0] = row * (one / denom)
        return x
    u = np.zeros((n, 3), diag.dtype)
    u[0, 0], u[0, 1] = diag[0], superdiag[0]
    max_abs_u = max(abs(u[0, 0]), abs(u[0, 1]))
    scale1 = abs(u[0, 0]) + abs(u[0, 1])
    for k in range(n - 1):
        u[k + 1, 0] = diag[k + 1]
        scale2 = abs(subdiag[k + 1]) + abs(u[k + 1, 0])
        if k < n - 2:
            scale2 += abs(superdiag[k + 1])
        if subdiag[k + 1] == zero:
            scale1 = scale2
            u[k + 1, 1], u[k, 2] = superdiag[k + 1], zero
            x[k + 1] = rhs[k + 1]
        else:
            piv1 = 0 if u[k, 0] == zero else abs(u[k, 0]) / scale1
            piv2 = abs(subdiag[k + 1]) / scale2
            if piv2 <= piv1:  # no row exchange
                scale1 = scale2
                factor = subdiag[k + 1] / u[k, 0]
                u[k + 1, 0] = diag[k + 1] - factor * u[k, 1]
                u[k + 1, 1], u[k, 2] = superdiag[k + 1], zero
                x[k + 1] = rhs[k + 1] - factor * x[k]
            else:  # rows k and k+1 exchanged
                factor = u[k, 0] / subdiag[k + 1]
                u[k, 0] = subdiag[k + 1]
                u[k + 1, 0] = u[k, 1] - factor * diag[k + 1]
                u[k, 1] = diag[k + 1]
                if k < n - 2:
                    u[k, 2] = superdiag[k + 1]
                    u[k + 1, 1] = -factor * superdiag[k + 1]
                x[k + 1] = x[k] - factor * rhs[k + 1]
                x[k] = rhs[k + 1]
        if k < n - 2:
            max_abs_u = max(max_abs_u, *np.abs(u[k]))
    max_abs_u = max(max_abs_u, abs(u[n - 1, 0]))
    tol = eps * max_abs_u
    denom, row = _perturb_pivot(tol, u[n - 1, 0], x[n - 1].copy())
    x[n - 1] = row * (one / denom)
    row = x[n - 2] - u[n - 2, 1] * x[n - 1]
    denom, row = _perturb_pivot(np.copysign(tol, np.real(u[n - 2, 0])), u[n - 2, 0], row)
    x[n - 2] = row * (one / denom)
    for k in range(n - 3, -1, -1):
        row = x[k] - u[k, 1] * x[k + 1] - u[k, 2] * x[k + 2]
        denom, row = _perturb_pivot(np.copysign(tol, np.real(u[k, 0])), u[k, 0], row)
        x[k] = row * (one / denom)
    return x


def solve_perturbed(diagonals, rhs):
    """``x`` with ``T x = rhs`` for compact ``diagonals [..., 3, m]`` and ``rhs [..., m,
    k]``, tiny pivots perturbed (see the module)."""
    batch = diagonals.shape[:-2]
    out = np.empty(rhs.shape, rhs.dtype)
    for index in np.ndindex(*batch):
        d = diagonals[index]
        out[index] = _solve_one(d[0], d[1], d[2], rhs[index])
    return out
