"""The incomplete gamma and beta functions and the Hurwitz zeta function, in float64 numpy.

numpy has none of them and teachflow does not depend on scipy, so these are the Cephes
algorithms Eigen (and so TensorFlow) uses: a power series and a continued fraction for the
regularized incomplete gamma, a continued fraction for the regularized incomplete beta, and
Euler-Maclaurin summation for zeta. Each is computed per element in float64 and cast back
by the kernel: exact to float32, within a few ulps of float64.

    >>> from teachflow.ops import special_functions as sf
    >>> round(float(sf.igamma(1.0, 2.0)), 6), round(float(sf.zeta(2.0, 1.0)), 6)
    (0.864665, 1.644934)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["igamma", "igammac", "betainc", "zeta", "polygamma"]

_MACHEP = 1.11022302462515654042e-16
_MAXLOG = 7.09782712893383996843e2
_BIG = 4.503599627370496e15
_BIGINV = 2.22044604925031308085e-16


def _log_prefix(a, x):
    """``log(x^a e^-x / Gamma(a))``: the factor both incomplete gamma forms share."""
    return a * math.log(x) - x - math.lgamma(a)


def _igamma_series(a, x):
    ax = _log_prefix(a, x)
    if ax < -_MAXLOG:
        return 0.0
    r, c, total = a, 1.0, 1.0
    while True:
        r += 1.0
        c *= x / r
        total += c
        if c <= total * _MACHEP:
            return total * math.exp(ax) / a


def _igammac_fraction(a, x):
    if math.isinf(x):
        return 0.0
    ax = _log_prefix(a, x)
    if ax < -_MAXLOG:
        return 0.0
    y, z, c = 1.0 - a, x + 2.0 - a, 0.0
    pkm2, qkm2, pkm1, qkm1 = 1.0, x, x + 1.0, z * x
    ans = pkm1 / qkm1
    while True:
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        t = 1.0
        if qk != 0:
            r = pk / qk
            t = abs((ans - r) / r)
            ans = r
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        # The convergents grow without bound; rescaling keeps their ratio and avoids overflow.
        if abs(pk) > _BIG:
            pkm2, pkm1, qkm2, qkm1 = (v * _BIGINV for v in (pkm2, pkm1, qkm2, qkm1))
        if t <= _MACHEP:
            return ans * math.exp(ax)


def _igamma_value(a, x):
    # Eigen's order of checks: x == 0 first (so igamma(-1, 0) is 0), then the domain, then NaN.
    if x == 0:
        return 0.0
    if x < 0 or a <= 0 or math.isnan(a) or math.isnan(x):
        return math.nan
    if x > 1 and x > a:
        return 1.0 - _igammac_fraction(a, x)
    return _igamma_series(a, x)


def _igammac_value(a, x):
    if x < 0 or a <= 0 or math.isnan(a) or math.isnan(x):
        return math.nan
    if x < 1 or x < a:
        return 1.0 - _igamma_series(a, x) if x > 0 else 1.0
    return _igammac_fraction(a, x)


def _beta_fraction(a, b, x):
    """The continued fraction of the incomplete beta (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) <= _MACHEP:
            break
    return h


def _betainc_value(a, b, x):
    if math.isnan(a) or math.isnan(b) or math.isnan(x):
        return math.nan
    if a <= 0 or b <= 0 or x < 0 or x > 1:
        return math.nan
    if x == 0 or x == 1:
        return x
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    # The fraction converges fast on the side of the mean; the other side is 1 minus its mirror.
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


# Euler-Maclaurin's Bernoulli terms: (2k)! / B_2k (Cephes' zeta.c).
_ZETA_A = (
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
    1.8152105401943546773e17, -7.1661652561756670113e18,
)  # fmt: skip


def _zeta_value(x, q):
    # Eigen's order: x == 1 is a pole even for a NaN q.
    if x == 1:
        return math.inf
    if x < 1 or math.isnan(x) or math.isnan(q):
        return math.nan
    if q <= 0:
        if q == math.floor(q):
            # (q + n)^-x meets 0^-x: +inf, which Eigen keeps only for an even x.
            return math.inf if x == math.floor(x) and int(x) % 2 == 0 else math.nan
        if x != math.floor(x):
            return math.nan  # q^-x is not real
    s = q**-x
    a, i, b = q, 0, 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a**-x
        s += b
        if abs(b / s) < _MACHEP:
            return s
    w = a
    s += b * w / (x - 1.0) - 0.5 * b
    fac, k = 1.0, 0.0
    for coeff in _ZETA_A:
        fac *= x + k
        b /= w
        t = fac * b / coeff
        s += t
        if abs(t / s) < _MACHEP:
            break
        k += 1.0
        fac *= x + k
        b /= w
        k += 1.0
    return s


def _digamma_value(x):
    from teachflow.ops.special_math_ops import _digamma_values

    return float(_digamma_values(np.float64(x)))


def _polygamma_value(n, x):
    # n < 0 asks for zeta(n + 1 < 1, x): NaN, as Eigen gives it.
    if math.isnan(n) or math.isnan(x) or n != math.floor(n) or n < 0:
        return math.nan
    if n == 0:
        return _digamma_value(x)
    # psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)
    sign = 1.0 if int(n) % 2 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * _zeta_value(n + 1.0, x)


def _vectorised(fn):
    ufunc = np.vectorize(fn, otypes=[np.float64])

    def apply(*args):
        return ufunc(*(np.asarray(v, np.float64) for v in args))

    apply.__doc__ = fn.__doc__
    return apply


igamma = _vectorised(_igamma_value)
igammac = _vectorised(_igammac_value)
betainc = _vectorised(_betainc_value)
zeta = _vectorised(_zeta_value)
polygamma = _vectorised(_polygamma_value)
