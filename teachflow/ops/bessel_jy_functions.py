"""The Bessel functions of the first and second kind, orders 0 and 1 (``J0``, ``J1``, ``Y0``,
``Y1``), in numpy.

These are the Cephes algorithms Eigen (and so TensorFlow) uses: for ``|x| <= 5`` a rational
fit (times ``(x^2 - r1)(x^2 - r2)`` at the first zeros, for J), for larger ``|x|`` the
asymptotic form ``sqrt(2/(pi x)) (P cos(x - phase) - (5/x) Q sin(x - phase))`` with rational
``P`` and ``Q`` in ``25/x^2``. ``Y0`` and ``Y1`` add ``(2/pi) log(x) J(x)`` (and ``-1/x``) near 0
and are -inf at and below 0, as Eigen gives them. Computed in float64 and cast back by the
kernel.

    >>> from teachflow.ops import bessel_jy_functions as jy
    >>> round(float(jy.j0(1.0)), 6), round(float(jy.y1(2.0)), 6)
    (0.765198, -0.107032)
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.ops.cephes_series import polynomial

__all__ = ["j0", "j1", "y0", "y1"]

# Cephes j0.c: the asymptotic form's P and Q (shared with y0), the rational fits for
# |x| <= 5 of j0 (R) and y0 (Y).
_J0_PP = (
    7.96936729297347051624e-4, 8.28352392107440799803e-2, 1.23953371646414299388e0,
    5.44725003058768775090e0, 8.74716500199817011941e0, 5.30324038235394892183e0,
    9.99999999999999997821e-1,
)  # fmt: skip
_J0_PQ = (
    9.24408810558863637013e-4, 8.56288474354474431428e-2, 1.25352743901058953537e0,
    5.47097740330417105182e0, 8.76190883237069594232e0, 5.30605288235394617618e0,
    1.00000000000000000218e0,
)  # fmt: skip
_J0_QP = (
    -1.13663838898469149931e-2, -1.28252718670509318512e0, -1.95539544257735972385e1,
    -9.32060152123768231369e1, -1.77681167980488050595e2, -1.47077505154951170175e2,
    -5.14105326766599330220e1, -6.05014350600728481186e0,
)  # fmt: skip
_J0_QQ = (
    1.00000000000000000000e0, 6.43178256118178023184e1, 8.56430025976980587198e2,
    3.88240183605401609683e3, 7.24046774195652478189e3, 5.93072701187316984827e3,
    2.06209331660327847417e3, 2.42005740240291393179e2,
)  # fmt: skip
_J0_RP = (
    -4.79443220978201773821e9, 1.95617491946556577543e12, -2.49248344360967716204e14,
    9.70862251047306323952e15,
)  # fmt: skip
_J0_RQ = (
    1.00000000000000000000e0, 4.99563147152651017219e2, 1.73785401676374683123e5,
    4.84409658339962045305e7, 1.11855537045356834862e10, 2.11277520115489217587e12,
    3.10518229857422583814e14, 3.18121955943204943306e16, 1.71086294081043136091e18,
)  # fmt: skip
_Y0_YP = (
    1.55924367855235737965e4, -1.46639295903971606143e7, 5.43526477051876500413e9,
    -9.82136065717911466409e11, 8.75906394395366999549e13, -3.46628303384729719441e15,
    4.42733268572569800351e16, -1.84950800436986690637e16,
)  # fmt: skip
_Y0_YQ = (
    1.00000000000000000000e0, 1.04128353664259848412e3, 6.26107330137134956842e5,
    2.68919633393814121987e8, 8.64002487103935000337e10, 2.02979612750105546709e13,
    3.17157752842975028269e15, 2.50596256172653059228e17,
)  # fmt: skip
# Cephes j1.c, the same for order 1.
_J1_PP = (
    7.62125616208173112003e-4, 7.31397056940917570436e-2, 1.12719608129684925192e0,
    5.11207951146807644818e0, 8.42404590141772420927e0, 5.21451598682361504063e0,
    1.00000000000000000254e0,
)  # fmt: skip
_J1_PQ = (
    5.71323128072548699714e-4, 6.88455908754495404082e-2, 1.10514232634061696926e0,
    5.07386386128601488557e0, 8.39985554327604159757e0, 5.20982848682361821619e0,
    9.99999999999999997461e-1,
)  # fmt: skip
_J1_QP = (
    5.10862594750176621635e-2, 4.98213872951233449420e0, 7.58238284132545283818e1,
    3.66779609360150777800e2, 7.10856304998926107277e2, 5.97489612400613639965e2,
    2.11688757100572135698e2, 2.52070205858023719784e1,
)  # fmt: skip
_J1_QQ = (
    1.00000000000000000000e0, 7.42373277035675149943e1, 1.05644886038262816351e3,
    4.98641058337653607651e3, 9.56231892404756170795e3, 7.99704160447350683650e3,
    2.82619278517639096600e3, 3.36093607810698293419e2,
)  # fmt: skip
_J1_RP = (
    -8.99971225705559398224e8, 4.52228297998194034323e11, -7.27494245221818276015e13,
    3.68295732863852883286e15,
)  # fmt: skip
_J1_RQ = (
    1.00000000000000000000e0, 6.20836478118054335476e2, 2.56987256757748830383e5,
    8.35146791431949253037e7, 2.21511595479792499675e10, 4.74914122079991414898e12,
    7.84369607876235854894e14, 8.95222336184627338078e16, 5.32278620332680085395e18,
)  # fmt: skip
_Y1_YP = (
    1.26320474790178026440e9, -6.47355876379160291031e11, 1.14509511541823727583e14,
    -8.12770255501325109621e15, 2.02439475713594898196e17, -7.78877196265950026825e17,
)  # fmt: skip
_Y1_YQ = (
    1.00000000000000000000e0, 5.94301592346128195359e2, 2.35564092943068577943e5,
    7.34811944459721705660e7, 1.87601316108706159478e10, 3.88231277496238566008e12,
    6.20557727146953693363e14, 6.87141087355300489866e16, 3.97270608116560655612e18,
)  # fmt: skip
# The squares of J0's first two zeros, and of J1's.
_J0_ZEROS_SQUARED = (5.78318596294678452118e0, 3.04712623436620863991e1)
_J1_ZEROS_SQUARED = (1.46819706421238932572e1, 4.92184563216946036703e1)
_SQRT_2_OVER_PI = 7.9788456080286535587989e-1
_TWO_OVER_PI = 0.636619772367581343075535


def _ratio(x, numerator, denominator):
    return polynomial(x, numerator) / polynomial(x, denominator)


def _asymptotic(y, tables, phase, sine_first):
    """``sqrt(2/(pi y)) (P trig1(y - phase) + (5/y) Q trig2(y - phase))`` for ``y > 5``."""
    pp, pq, qp, qq = tables
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = 25.0 / (y * y)
        p, q = _ratio(s, pp, pq), _ratio(s, qp, qq)
        shifted = y - phase
        if sine_first:  # Y: P sin + (5/y) Q cos
            value = p * np.sin(shifted) + (5.0 / y) * q * np.cos(shifted)
        else:  # J: P cos - (5/y) Q sin
            value = p * np.cos(shifted) + (-5.0 / y) * q * np.sin(shifted)
        return value * (_SQRT_2_OVER_PI / np.sqrt(y))


_J0_TABLES = (_J0_PP, _J0_PQ, _J0_QP, _J0_QQ)
_J1_TABLES = (_J1_PP, _J1_PQ, _J1_QP, _J1_QQ)


def j0(x):
    """``J0(x)`` in float64 (even in x)."""
    y = np.abs(np.asarray(x, np.float64))
    z = y * y
    r1, r2 = _J0_ZEROS_SQUARED
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = np.where(y < 1e-5, 1.0 - 0.25 * z, (z - r1) * (z - r2) * _ratio(z, _J0_RP, _J0_RQ))
    return np.where(y <= 5.0, near, _asymptotic(y, _J0_TABLES, math.pi / 4, False))


def j1(x):
    """``J1(x)`` in float64 (odd in x)."""
    x = np.asarray(x, np.float64)
    y = np.abs(x)
    z = y * y
    r1, r2 = _J1_ZEROS_SQUARED
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = _ratio(z, _J1_RP, _J1_RQ) * x * (z - r1) * (z - r2)
    far = _asymptotic(y, _J1_TABLES, 3 * math.pi / 4, False)
    return np.where(y <= 5.0, near, np.where(x < 0, -far, far))


def y0(x):
    """``Y0(x)`` in float64 (-inf for ``x <= 0``)."""
    x = np.asarray(x, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = _ratio(x * x, _Y0_YP, _Y0_YQ) + _TWO_OVER_PI * np.log(x) * j0(x)
    near = np.where(x <= 0.0, -np.inf, near)
    return np.where(x <= 5.0, near, _asymptotic(x, _J0_TABLES, math.pi / 4, True))


def y1(x):
    """``Y1(x)`` in float64 (-inf for ``x <= 0``)."""
    x = np.asarray(x, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = _ratio(x * x, _Y1_YP, _Y1_YQ) * x + _TWO_OVER_PI * (j1(x) * np.log(x) - 1.0 / x)
    near = np.where(x <= 0.0, -np.inf, near)
    return np.where(x <= 5.0, near, _asymptotic(x, _J1_TABLES, 3 * math.pi / 4, True))
