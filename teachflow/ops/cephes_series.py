"""The two series evaluations of the Cephes library, which Eigen (and so TensorFlow) uses for
its special functions: ``polynomial`` (Cephes' ``polevl``, Horner's rule) and
``chebyshev_series`` (``chbevl``, Clenshaw's recurrence). Coefficients are listed highest
order first, as Cephes lists them, so its tables copy over unchanged.

    >>> import numpy as np
    >>> from teachflow.ops.cephes_series import chebyshev_series, polynomial
    >>> float(polynomial(np.float64(2.0), (1.0, 0.0, -1.0)))   # x^2 - 1
    3.0
    >>> float(chebyshev_series(np.float64(0.5), (0.0, 0.0, 2.0)))   # T0 / 2 * 2
    1.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["chebyshev_series", "polynomial"]


def polynomial(x, coefficients):
    """``c[0] x^n + c[1] x^(n-1) + ... + c[n]`` by Horner's rule."""
    total = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        total = total * x + c
    return total


def chebyshev_series(x, coefficients):
    """The Chebyshev series with ``coefficients`` at ``x``, by Clenshaw's recurrence (the
    last coefficient counts half, as in Cephes)."""
    b0, b1, b2 = np.full_like(x, coefficients[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)
