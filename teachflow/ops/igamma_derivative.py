"""``d/da P(a, x)``, the derivative of the regularized lower incomplete gamma function with
respect to its shape ``a``: the value of TensorFlow's ``IgammaGradA`` op.

No closed form exists; Eigen (and so TF) carries the derivative through the same two
expansions that compute ``P`` itself (`special_functions`): the power series for
``x <= 1`` or ``x <= a``, where each term's derivative is accumulated beside the term, and
otherwise the continued fraction for ``Q = 1 - P``, whose convergents ``p_k / q_k`` are
differentiated by the quotient rule (``dP/da = -dQ/da``). Each stops when the derivative has
converged, not the value. Computed per element in float64.

    >>> round(float(igamma_grad_a(1.0, 1.0)), 6)  # d/da P(a, 1) at a = 1
    -0.43173
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["igamma_grad_a"]

_MACHEP = 1.11022302462515654042e-16
_MAXLOG = 7.09782712893383996843e2
_BIG = 4.503599627370496e15
_BIGINV = 2.22044604925031308085e-16
# Eigen's iteration cap for derivatives of doubles.
_ITERATIONS = 500


def _digamma(x):
    from teachflow.ops.special_functions import _digamma_value

    return _digamma_value(x)


def _main_term(a, x):
    """``x^a e^-x / Gamma(a)``, 0 where its log underflows."""
    logax = a * math.log(x) - x - math.lgamma(a)
    if logax < -_MAXLOG or math.isnan(logax):
        return 0.0
    return math.exp(logax)


def _series_derivative(a, x):
    ax = _main_term(a, x)
    if ax == 0.0:
        return 0.0
    ax /= a
    r, c, ans, dc_da, dans_da = a, 1.0, 1.0, 0.0, 0.0
    for _ in range(_ITERATIONS):
        r += 1.0
        term = x / r
        dterm_da = -x / (r * r)
        dc_da = term * dc_da + dterm_da * c
        dans_da += dc_da
        c *= term
        ans += c
        if abs(dc_da) <= _MACHEP * abs(dans_da):
            break
    dlogax_da = math.log(x) - _digamma(a + 1.0)
    return ans * ax * dlogax_da + dans_da * ax


def _fraction_derivative(a, x):
    """``dQ/da`` by the continued fraction (``x > 1`` and ``x > a``)."""
    if math.isinf(x):
        return 0.0
    ax = _main_term(a, x)
    if ax == 0.0:
        return 0.0
    y, z, c = 1.0 - a, x + 2.0 - a, 0.0
    pkm2, qkm2, pkm1, qkm1 = 1.0, x, x + 1.0, z * x
    ans = pkm1 / qkm1
    dpkm2, dqkm2, dpkm1, dqkm1 = 0.0, 0.0, 0.0, -x
    dans = (dpkm1 - ans * dqkm1) / qkm1
    for _ in range(_ITERATIONS):
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c
        dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c
        if qk != 0.0:
            ans = pk / qk
            previous, dans = dans, (dpk - ans * dqk) / qk
            if abs(dans - previous) <= _MACHEP:
                break
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        dpkm2, dpkm1, dqkm2, dqkm1 = dpkm1, dpk, dqkm1, dqk
        # The convergents grow without bound; rescaling keeps their ratios.
        if abs(pk) > _BIG:
            pkm2, pkm1, qkm2, qkm1 = (v * _BIGINV for v in (pkm2, pkm1, qkm2, qkm1))
            dpkm2, dpkm1, dqkm2, dqkm1 = (v * _BIGINV for v in (dpkm2, dpkm1, dqkm2, dqkm1))
    dlogax_da = math.log(x) - _digamma(a)
    return ans * ax * dlogax_da + dans * ax


def _igamma_grad_a_value(a, x):
    # Eigen's order of checks, as for P itself: x == 0 first, then the domain, then NaN.
    if x == 0:
        return 0.0
    if x < 0 or a <= 0 or math.isnan(a) or math.isnan(x):
        return math.nan
    if x > 1 and x > a:
        return -_fraction_derivative(a, x)
    return _series_derivative(a, x)


_ufunc = np.vectorize(_igamma_grad_a_value, otypes=[np.float64])


def igamma_grad_a(a, x):
    """``d/da igamma(a, x)`` elementwise (broadcasting), in float64."""
    return _ufunc(np.asarray(a, np.float64), np.asarray(x, np.float64))
