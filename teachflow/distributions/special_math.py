"""The standard normal CDF and its logarithm as TF's ``special_math`` builds them.

``ndtr`` switches between ``erf`` and ``erfc`` so that neither tail loses its precision.
``log_ndtr`` splits the line in three: above ``upper`` (5 in float32, 8 in float64) it is
``-ndtr(-x)`` (``log(1 - e) ~ -e``); between ``lower`` (-10 / -20) and ``upper`` it is
``log(ndtr(x))``; below ``lower``, where ``ndtr`` underflows, it is the asymptotic series
``log(phi(x) / -x) + log(1 - 1/x^2 + 3/x^4 - 15/x^6)``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(log_ndtr(tf.constant(-40.0)))), 2))
    -804.61
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["ndtr", "log_ndtr"]

# Where log(ndtr(x)) stops being accurate in each dtype (TF's LOGNDTR_FLOAT*_LOWER/UPPER).
_SEGMENTS = {
    dtypes.float32: (np.array(-10, np.float32), np.array(5, np.float32)),
    dtypes.float64: (np.array(-20, np.float64), np.array(8, np.float64)),
}


def ndtr(x, name="ndtr"):
    """The standard normal CDF, ``0.5 erfc(-x / sqrt(2))``, computed as TF computes it."""
    with name_scope(name, values=[x]):
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype not in (dtypes.float32, dtypes.float64):
            raise TypeError(f"x.dtype={x.dtype} is not handled, see docstring for supported types.")
        return _ndtr(x)


def _ndtr(x):
    from teachflow.ops.comparison_ops import greater, less, where_v2
    from teachflow.ops.special_math_ops import erf, erfc
    from teachflow.ops.unary_ops import abs as abs_

    half_sqrt_2 = convert_to_tensor(0.5 * np.sqrt(2.0), dtype=x.dtype, name="half_sqrt_2")
    w = x * half_sqrt_2
    z = abs_(w)
    y = where_v2(
        less(z, half_sqrt_2),
        1.0 + erf(w),
        where_v2(greater(w, 0.0), 2.0 - erfc(z), erfc(z)),
    )
    return 0.5 * y


def log_ndtr(x, series_order=3, name="log_ndtr"):
    """``log(ndtr(x))``, accurate far into both tails (see the module docstring).

    Raises TypeError for a dtype other than float32/float64 or a non-int ``series_order``,
    ValueError for one outside ``[0, 30]``."""
    from teachflow.ops.arithmetic_ops import maximum, minimum
    from teachflow.ops.comparison_ops import greater, where_v2
    from teachflow.ops.unary_ops import log

    if not isinstance(series_order, int):
        raise TypeError("series_order must be a Python integer.")
    if series_order < 0:
        raise ValueError("series_order must be non-negative.")
    if series_order > 30:
        raise ValueError("series_order must be <= 30.")
    with name_scope(name, values=[x]):
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype not in _SEGMENTS:
            raise TypeError(f"x.dtype={x.dtype!r} is not supported.")
        lower, upper = _SEGMENTS[x.dtype.base_dtype]
        return where_v2(
            greater(x, upper),
            -_ndtr(-x),
            where_v2(
                greater(x, lower),
                log(_ndtr(maximum(x, lower))),
                _log_ndtr_lower(minimum(x, lower), series_order),
            ),
        )


def _log_ndtr_lower(x, series_order):
    from teachflow.ops.unary_ops import log, square

    x_2 = square(x)
    log_scale = -0.5 * x_2 - log(-x) - 0.5 * np.log(2.0 * np.pi)
    return log_scale + log(_log_ndtr_asymptotic_series(x, series_order))


def _double_factorial(n):
    return int(np.prod(np.arange(n, 1, -2)))


def _log_ndtr_asymptotic_series(x, series_order):
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.unary_ops import square

    dtype = x.dtype.as_numpy_dtype
    if series_order <= 0:
        return np.array(1, dtype)
    x_2 = square(x)
    even_sum = zeros_like(x)
    odd_sum = zeros_like(x)
    x_2n = x_2
    for n in range(1, series_order + 1):
        y = np.array(_double_factorial(2 * n - 1), dtype) / x_2n
        if n % 2:
            odd_sum += y
        else:
            even_sum += y
        x_2n *= x_2
    return 1.0 + even_sum - odd_sum
