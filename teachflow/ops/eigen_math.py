"""Eigen's own single-precision ``exp`` and ``log``, as TensorFlow's CPU kernels compute them.

TensorFlow's kernels evaluate ``exp`` with Eigen's vectorised ``pexp_float`` (a Cephes
range reduction and a degree-6 polynomial) and ``log`` with ``plog_float`` (a (3,3)
rational approximant of log(1 + x) around 1), not with the C library; the pip wheel of TF
2.21 is built without FMA, so each multiply-add rounds twice. numpy's ``exp`` differs from
them in the last bit for about four (two) float32 inputs in ten; this reproduces them bit
for bit (log: 400,000 inputs in [0.01, 100], zeros, negatives, inf and nan; exp:
700,000 inputs in [-110, 95], inf and nan, checked against TF 2.21). Results below
the smallest normal float are 0, as TF's threads run with denormals flushed.

    >>> import numpy as np
    >>> x = np.float32([-8 / 7])
    >>> float(pexp(x)[0]), float(np.exp(x)[0])  # Eigen's (TF's) and numpy's: one ulp apart
    (0.3189065456390381, 0.3189065158367157)
"""

from __future__ import annotations

import numpy as np

__all__ = ["exp", "pexp", "plog"]

PACKET = 8  # floats in an AVX packet: TF 2.21's wheel is built for AVX

_F = np.float32
_LOG2E = _F(1.44269504088896341)
_C1, _C2 = _F(-0.693359375), _F(2.12194440e-4)  # -ln 2 in two parts
_P2, _P3 = _F(0.49999988079071044921875), _F(0.16666518151760101318359375)
_P4, _P5 = _F(4.166965186595916748046875e-2), _F(8.36894474923610687255859375e-3)
_P6 = _F(1.37449637986719608306884765625e-3)


def exp(x):
    """``exp`` of a float32 array as TF's elementwise kernels compute it: Eigen's
    `pexp` in packets of 8, and the C library's correctly rounded ``expf`` for the last
    ``size % 8`` elements (Eigen's scalar tail).

        >>> import numpy as np
        >>> exp(np.float32([0.0, 1.0])).tolist()  # all tail: the C library's
        [1.0, 2.7182817459106445]
    """
    x = np.asarray(x, dtype=_F)
    flat = x.reshape(-1)
    cut = flat.size - flat.size % PACKET
    with np.errstate(all="ignore"):
        tail = np.exp(flat[cut:].astype(np.float64)).astype(_F)
    tail = np.where(tail < np.finfo(_F).tiny, _F(0), tail)
    return np.concatenate([pexp(flat[:cut]), tail]).reshape(x.shape)


def _madd(a, b, c):
    # Eigen's pmadd without FMA: the product rounds to float32, then the sum does.
    return (a * b).astype(_F) + c


def pexp(x):
    """``exp(x)`` of a float32 array, as Eigen's ``pexp_float`` rounds it."""
    x = np.asarray(x, dtype=_F)
    with np.errstate(all="ignore"):  # inf and nan pass through as Eigen's do
        return _pexp(x)


def _pexp(x):
    clamped = np.minimum(x, _F(88.723))
    m = np.floor(_madd(clamped, _LOG2E, _F(0.5)))
    r = _madd(m, _C1, clamped)
    r = _madd(m, _C2, r)
    r2 = r * r
    p_even = _madd(r2, _P6, _P4)
    p_odd = _madd(r2, _P5, _P3)
    p_even = _madd(p_even, r2, _P2)
    y = _madd(p_odd, r, p_even)
    y = _madd(y, r2, r + _F(1))
    m = np.nan_to_num(m, nan=0.0).astype(np.int32)
    out = np.ldexp(y, m).astype(_F)
    out = np.where(out < np.finfo(_F).tiny, _F(0), out)  # TF's threads flush denormals
    return np.where(x < _F(-104.0), _F(0), np.maximum(out, x))


_SQRT_HALF = _F(0.707106781186547524)
_ALPHA = (_F(0.18256296349849254), _F(1.0000000190281063), _F(1.0000000190281136))
_BETA = (_F(0.049616247954120038), _F(0.59923249590823520), _F(1.4999999999999927), _F(1.0))
_LN2 = _F(0.693147180559945309)


def plog(x):
    """``log(x)`` of a float32 array, as Eigen's ``plog_float`` rounds it."""
    x = np.asarray(x, dtype=_F)
    with np.errstate(all="ignore"):
        return _plog(x)


def _plog(x):
    tiny = np.finfo(_F).tiny
    flushed = np.where(np.abs(x) < tiny, _F(0), x)  # denormals are zero in TF's threads
    m, e = np.frexp(flushed)
    m, e = m.astype(_F), e.astype(_F)
    # [0.5, 1) -> [sqrt(1/2), sqrt(2)) - 1, centred on 0.
    below = m < _SQRT_HALF
    e = e - np.where(below, _F(1), _F(0))
    m = (m - _F(1)) + np.where(below, m, _F(0))
    p = _madd(_madd(_ALPHA[0], m, _ALPHA[1]), m, _ALPHA[2]) * m
    q = _madd(_madd(_madd(_BETA[0], m, _BETA[1]), m, _BETA[2]), m, _BETA[3])
    out = _madd(e, _LN2, p / q)
    out = np.where(flushed == 0, _F(-np.inf), out)
    out = np.where(flushed < 0, _F(np.nan), out)
    return np.where(flushed == np.inf, _F(np.inf), np.where(np.isnan(x), x, out)).astype(_F)
