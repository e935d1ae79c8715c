"""Tolerances that follow from the dtype's arithmetic, not from one machine's BLAS.

A BLAS library picks its kernel by processor (blocking, FMA, summation order), so a float32
product of n terms may differ between machines in its last bits. What does not change is the
standard error bound of a dot product computed in any order (Higham, *Accuracy and Stability of
Numerical Algorithms*, 3.1): ``|fl(a·b) - a·b| <= gamma_n * (|a|·|b|)`` with
``gamma_n = n*u / (1 - n*u)`` and ``u`` the unit roundoff (half the dtype's epsilon). The tests
check a product against that bound, with the exact value taken from float64.
"""

from __future__ import annotations

import numpy as np


def gamma(n: int, dtype) -> float:
    """Higham's gamma_n for ``dtype``: the worst relative error of an n-term sum of products."""
    u = float(np.finfo(dtype).eps) / 2
    assert n * u < 1, f"{n} terms are too many for a {np.dtype(dtype).name} bound"
    return n * u / (1 - n * u)


def assert_matmul_close(got, a, b) -> None:
    """``got`` is ``a @ b`` (batched or not) as computed in ``got.dtype`` by any BLAS.

    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> assert_matmul_close(a @ a.T, a, a.T)
    """
    got = np.asarray(got)
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    exact = a64 @ b64
    # Rounding the inputs to got.dtype is part of the computation being checked.
    bound = gamma(a64.shape[-1], got.dtype) * (np.abs(a64) @ np.abs(b64))
    bound += np.finfo(got.dtype).tiny  # an exact zero may still come out as a denormal
    err = np.abs(got.astype(np.float64) - exact)
    worst = np.unravel_index(np.argmax(err - bound), err.shape)
    assert np.all(err <= bound), (
        f"product differs from the exact value by {err[worst]:.3g} at {worst}, more than the "
        f"{got.dtype} bound {bound[worst]:.3g} for {a64.shape[-1]} terms"
    )
