"""The inverses of the normal CDF and the error functions: ``tf.math.ndtri``,
``tf.math.erfinv`` and ``tf.math.erfcinv``.

``ndtri(p)`` is the ``x`` with ``P(N(0, 1) <= x) = p``: Cephes' rational approximations, as
Eigen computes it (one around the median, two for the tails, with ``sqrt(-2 log p)``).
``erfinv(x) = ndtri((x + 1) / 2) / sqrt(2)`` is one op (``Erfinv``); ``erfcinv`` is built from
``Ndtri`` in Python, as TensorFlow builds it. Outside ``[0, 1]`` (``[-1, 1]`` for erfinv) the
value is NaN; at the ends it is -inf and inf.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print([round(v, 4) for v in sess.run(tf.math.ndtri([0.5, 0.975])).tolist()])
    [0.0, 1.96]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops import constant_op
from teachflow.ops.cephes_series import polynomial
from teachflow.ops.elementwise import FLOATS, unary_of
from teachflow.ops.special_unary import float64_kernel, scoped_unary

__all__ = ["ndtri", "erfinv", "erfcinv"]

# Cephes ndtri.c, numerators (P) and denominators (Q), highest order first: around the
# median (0), for sqrt(-2 log p) in [2, 8) (1) and in [8, 64) (2).
_P0 = (-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1,
       1.39312609387279679503e1, -1.23916583867381258016e0)  # fmt: skip
_Q0 = (1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1,
       -2.25462687854119370527e2, 2.00260212380060660359e2, -8.20372256168333339912e1,
       1.59056225126211695515e1, -1.18331621121330003142e0)  # fmt: skip
_P1 = (4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1,
       4.40805073893200834700e1, 1.46849561928858024014e1, 2.18663306850790267539e0,
       -1.40256079171354495875e-1, -3.50424626827848203418e-2, -8.57456785154685413611e-4)  # fmt: skip
_Q1 = (1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1,
       1.50425385692907503408e1, 2.50464946208309415979e0, -1.42182922854787788574e-1,
       -3.80806407691578277194e-2, -9.33259480895457427372e-4)  # fmt: skip
_P2 = (3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0,
       1.33303460815807542389e0, 2.01485389549179081538e-1, 1.23716634817820021358e-2,
       3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9)  # fmt: skip
_Q2 = (1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0,
       2.16236993594496635890e-1, 1.34204006088543189037e-2, 3.28014464682127739104e-4,
       2.89247864745380683936e-6, 6.79019408009981274425e-9)  # fmt: skip
_EXP_NEG_TWO = 0.13533528323661269189
_SQRT_2PI = 2.50662827463100050242


def ndtri_values(p):
    """The standard normal quantile of ``p``, in float64."""
    p = np.asarray(p, np.float64)
    lower = p <= 1.0 - _EXP_NEG_TWO
    b = np.where(lower, p, 1.0 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b - 0.5
        c2 = c * c
        middle = (c + c * (c2 * polynomial(c2, _P0) / polynomial(c2, _Q0))) * _SQRT_2PI
        x = np.sqrt(-2.0 * np.log(b))
        z = 1.0 / x
        tail_fit = np.where(
            x < 8.0,
            polynomial(z, _P1) / polynomial(z, _Q1),
            polynomial(z, _P2) / polynomial(z, _Q2),
        )
        tail = (x - np.log(x) / x) - z * tail_fit
    value = np.where(_EXP_NEG_TWO < b, middle, np.where(lower, -tail, tail))
    return np.where(p == 0.0, -np.inf, np.where(p == 1.0, np.inf, value))


def _erfinv_values(x):
    return ndtri_values(0.5 * np.asarray(x, np.float64) + 0.5) * math.sqrt(0.5)


def _erfinv_grad(op, grad):
    root_pi_over_two = constant_op.constant(math.sqrt(math.pi) / 2, dtype=grad.dtype)
    with control_dependencies([grad]):
        from teachflow.ops.unary_ops import exp, square

        return [grad * root_pi_over_two * exp(square(op.outputs[0]))]


def _ndtri_grad(op, grad):
    root_two_pi = constant_op.constant(math.sqrt(2 * math.pi), dtype=grad.dtype)
    with control_dependencies([grad]):
        from teachflow.ops.unary_ops import exp, square

        return [grad * root_two_pi * exp(square(op.outputs[0]) / 2.0)]


registry.register("Ndtri", unary_of(FLOATS), float64_kernel(ndtri_values), grad=_ndtri_grad)
registry.register("Erfinv", unary_of(FLOATS), float64_kernel(_erfinv_values), grad=_erfinv_grad)


def ndtri(x, name=None):
    """The inverse of the standard normal CDF (the probit function)."""
    return scoped_unary("Ndtri", "ndtri", x, name)


def erfinv(x, name=None):
    """The inverse of ``erf``: ``erf(erfinv(x)) == x`` on ``[-1, 1]``."""
    return scoped_unary("Erfinv", "erfinv", x, name)


def erfcinv(x, name=None):
    """The inverse of ``erfc``: ``-ndtri(x / 2) / sqrt(2)``, on ``[0, 2]``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(tf.math.erfcinv(0.5))), 6))
    0.476936
    """
    with name_scope(name, "erfcinv", [x]):
        x = convert_to_tensor(x, name="start")
        return -ndtri(0.5 * x) * math.sqrt(0.5)
