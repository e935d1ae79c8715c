"""More elementwise functions under their TF 1.x names: inverse and hyperbolic trigonometry
(``acos``, ``atan2``, ``sinh``...), the error and gamma functions (``erf``, ``lgamma``,
``digamma``), ``rint``, ``div_no_nan`` and ``log_sigmoid``.

numpy has no ``erf``/``lgamma``/``digamma``; teachflow computes them from Python's ``math``
module (``erf``, ``lgamma``) and from the recurrence and asymptotic series of ``digamma`` —
exact to the dtype, slower than a vectorised library, fine at a course's sizes.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(tf.atan2(1.0, 1.0))) * 4, 5), sess.run(tf.div_no_nan(1.0, 0.0)))
    3.14159 0.0
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops import constant_op
from teachflow.ops.arithmetic_ops import add, multiply, negative, realdiv, subtract
from teachflow.ops.elementwise import (
    COMPLEX,
    FLOATS,
    binary,
    broadcast_of,
    kernel_of,
    reduce_to_shape,
    unary_of,
    unary_op,
    xp_kernel,
)
from teachflow.ops.unary_ops import exp, reciprocal, sqrt, square

__all__ = [
    "acos",
    "asin",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "erf",
    "erfc",
    "lgamma",
    "digamma",
    "rint",
    "div_no_nan",
    "log_sigmoid",
    "lbeta",
    "accumulate_n",
]


# -- kernels numpy lacks -----------------------------------------------------------------------
def _from_math(fn):
    """An elementwise kernel from a ``math`` function (computed in float64, cast back)."""
    vectorised = np.vectorize(fn, otypes=[np.float64])

    def make(op, device):
        def compute(x):
            host = np.asarray(x.get() if hasattr(x, "get") else x)
            out = vectorised(host.astype(np.float64)).astype(host.dtype)
            return device.xp.asarray(out)

        return compute

    return make


def _lgamma_value(v):
    """``math.lgamma``, with TensorFlow's +inf at the poles (math raises there)."""
    if math.isnan(v) or math.isinf(v):
        return abs(v)
    if v <= 0 and v == math.floor(v):
        return math.inf
    return math.lgamma(v)


# The asymptotic series' B_2k / 2k, the coefficients of y^-2, y^-4, ... y^-14.
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _digamma_values(x):
    """psi(x): shift x up past 10 with psi(x) = psi(x + 1) - 1/x, then the asymptotic series;
    the reflection formula for x < 0.5. Poles (0, -1, -2...) give NaN, as TF's Eigen does."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    reflect = x < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(reflect, 1.0 - x, x)
        shift = np.zeros_like(y)
        # From 10 on, the series below is exact to float64 (its next term is 4e-17 there).
        while np.any(y < 10.0):
            small = y < 10.0
            shift = np.where(small, shift - 1.0 / y, shift)
            y = np.where(small, y + 1.0, y)
        inv2 = 1.0 / (y * y)
        tail = np.zeros_like(y)
        for coeff in reversed(_DIGAMMA_SERIES):
            tail = (tail + coeff) * inv2
        series = np.log(y) - 0.5 / y - tail
        psi = series + shift
        out = np.where(reflect, psi - np.pi / np.tan(np.pi * x), psi)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
    return out


def _digamma_kernel(op, device):
    def compute(x):
        host = np.asarray(x.get() if hasattr(x, "get") else x)
        return device.xp.asarray(_digamma_values(host).astype(host.dtype))

    return compute


def _div_no_nan_kernel(op, device):
    xp = device.xp

    def div_no_nan(x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x / y
        return xp.where(y == 0, xp.zeros((), out.dtype), out).astype(x.dtype)

    return div_no_nan


# -- gradients (TensorFlow's math_grad.py) --------------------------------------------------------
# TF builds most of these under ``control_dependencies([grad])`` (so nothing is computed
# before the gradient arrives: ``Square(x, ^grad)``, ``Const(^grad)``) and multiplies with
# the ``*`` operator (``.../mul``).
def _one_minus_square(op, grad, invert, negate=False):
    """``grad * invert(1 - x^2)`` (``-grad`` if ``negate``) as TF's asin/acos/atanh
    gradients build it."""
    with control_dependencies([grad]):
        x2 = square(op.inputs[0])
        one = constant_op.constant(1, dtype=grad.dtype)
        inv = invert(subtract(one, x2))
        return [(-grad if negate else grad) * inv]


def _acos_grad(op, grad):
    return _one_minus_square(op, grad, lambda d: reciprocal(sqrt(d)), negate=True)


def _asin_grad(op, grad):
    return _one_minus_square(op, grad, lambda d: reciprocal(sqrt(d)))


def _atan_grad(op, grad):
    with control_dependencies([grad]):
        x2 = square(op.inputs[0])
        one = constant_op.constant(1, dtype=grad.dtype)
        return [grad * reciprocal(add(one, x2))]


def _atan2_grad(op, grad):
    # d/dy atan2(y, x) = x / (x^2 + y^2); d/dx = -y / (x^2 + y^2)
    y, x = op.inputs
    grad_inv = realdiv(grad, add(square(x), square(y)))
    return [
        reduce_to_shape(multiply(x, grad_inv), y),
        reduce_to_shape(multiply(negative(y), grad_inv), x),
    ]


def _sinh_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * cosh(op.inputs[0])]


def _cosh_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * sinh(op.inputs[0])]


def _asinh_grad(op, grad):
    with control_dependencies([grad]):
        return [grad / cosh(op.outputs[0])]


def _acosh_grad(op, grad):
    with control_dependencies([grad]):
        return [grad / sinh(op.outputs[0])]


def _atanh_grad(op, grad):
    return _one_minus_square(op, grad, reciprocal)


def _erf_grad(op, grad, scale=2 / math.sqrt(math.pi)):
    # The constant is made before the control dependency, the rest waits for grad.
    two_over_root_pi = constant_op.constant(scale, dtype=grad.dtype)
    with control_dependencies([grad]):
        return [grad * two_over_root_pi * exp(-square(op.inputs[0]))]


def _erfc_grad(op, grad):
    return _erf_grad(op, grad, scale=-2 / math.sqrt(math.pi))


def _lgamma_grad(op, grad):
    # As TF: digamma(x) waits for the gradient, and ``*`` names the product ``mul``.
    with control_dependencies([grad]):
        return [grad * digamma(op.inputs[0])]


def _div_no_nan_grad(op, grad):
    # TF 2.21's: -x and grad * ... written with operators (Neg, mul), summed back over the
    # broadcast axes as every broadcasting op's gradient is.
    from teachflow.ops.broadcast_gradients import reduce_gradient_args

    x, y = op.inputs
    gx = div_no_nan(grad, y)
    gy = grad * div_no_nan(div_no_nan(-x, y), y)
    return reduce_gradient_args(x, y, gx, gy)


def _no_gradient(op, grad):
    return [None]


_UNARY = (
    # op type, kernel factory, gradient
    ("Acos", xp_kernel("arccos"), _acos_grad),
    ("Asin", xp_kernel("arcsin"), _asin_grad),
    ("Atan", xp_kernel("arctan"), _atan_grad),
    ("Sinh", xp_kernel("sinh"), _sinh_grad),
    ("Cosh", xp_kernel("cosh"), _cosh_grad),
    ("Asinh", xp_kernel("arcsinh"), _asinh_grad),
    ("Acosh", xp_kernel("arccosh"), _acosh_grad),
    ("Atanh", xp_kernel("arctanh"), _atanh_grad),
    ("Erf", _from_math(math.erf), _erf_grad),
    ("Erfc", _from_math(math.erfc), _erfc_grad),
    ("Lgamma", _from_math(_lgamma_value), _lgamma_grad),
    # Digamma's gradient, trigamma, needs Polygamma: special_function_ops sets it.
    ("Digamma", _digamma_kernel, None),
    # numpy's rint, like TensorFlow's, sends halves to the even neighbour.
    ("Rint", xp_kernel("rint"), _no_gradient),
)
for _type, _kernel, _grad in _UNARY:
    registry.register(_type, unary_of(FLOATS), _kernel, grad=_grad)
registry.register("Atan2", broadcast_of(FLOATS), kernel_of(np.arctan2), grad=_atan2_grad)
registry.register(
    "DivNoNan", broadcast_of(FLOATS + COMPLEX), _div_no_nan_kernel, grad=_div_no_nan_grad
)


# -- the public functions ----------------------------------------------------------------------
def acos(x, name=None):
    """The inverse cosine, in radians (NaN outside [-1, 1])."""
    return unary_op("Acos", x, name)


def asin(x, name=None):
    """The inverse sine, in radians (NaN outside [-1, 1])."""
    return unary_op("Asin", x, name)


def atan(x, name=None):
    """The inverse tangent, in radians."""
    return unary_op("Atan", x, name)


def atan2(y, x, name=None):
    """The angle of the point ``(x, y)``: ``atan(y / x)`` in the right quadrant."""
    return binary("Atan2", y, x, name, arg_names=("y", "x"))


def sinh(x, name=None):
    return unary_op("Sinh", x, name)


def cosh(x, name=None):
    return unary_op("Cosh", x, name)


def asinh(x, name=None):
    return unary_op("Asinh", x, name)


def acosh(x, name=None):
    return unary_op("Acosh", x, name)


def atanh(x, name=None):
    return unary_op("Atanh", x, name)


def erf(x, name=None):
    """The Gauss error function, ``2/sqrt(pi) * integral of exp(-t^2) from 0 to x``."""
    return unary_op("Erf", x, name)


def erfc(x, name=None):
    """``1 - erf(x)``, without losing digits for large ``x``."""
    return unary_op("Erfc", x, name)


def lgamma(x, name=None):
    """``log(abs(gamma(x)))``; +inf at the poles 0, -1, -2..."""
    return unary_op("Lgamma", x, name)


def digamma(x, name=None):
    """The derivative of ``lgamma``."""
    return unary_op("Digamma", x, name)


def rint(x, name=None):
    """The nearest integer (halves to the even one), as a float."""
    return unary_op("Rint", x, name)


def div_no_nan(x, y, name=None):
    """``x / y``, but 0 wherever ``y`` is 0 (a safe mean of a possibly empty sum).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.div_no_nan([1.0, 2.0], [0.0, 4.0])).tolist())
    [0.0, 0.5]
    """
    return binary("DivNoNan", x, y, name, default_name="div_no_nan")


def log_sigmoid(x, name=None):
    """``log(sigmoid(x))``, computed as ``-softplus(-x)`` so it stays finite."""
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.scopes import name_scope
    from teachflow.ops.activation_ops import softplus

    with name_scope(name, "LogSigmoid", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return negative(softplus(negative(x)), name=scope)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """TF1's ``accumulate_n``: in TensorFlow 2's compat.v1 it is ``add_n`` (one ``AddN``)."""
    from teachflow.ops.arithmetic_ops import add_n

    return add_n(inputs, name=name)


def lbeta(x, name=None):
    """log|Beta(x)| of the last axis: sum(lgamma(x), -1) - lgamma(sum(x, -1)), built from
    those ops as TensorFlow builds it (reductions over ``[-1]``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(tf.lbeta([1.0, 2.0]))), 6))   # log(1/2)
    -0.693147
    """
    from teachflow.ops.reduction_ops import reduce_sum

    with name_scope(name, "lbeta", [x]):
        x = convert_to_tensor(x, name="x")
        log_prod_gamma_x = reduce_sum(lgamma(x), axis=[-1])
        sum_x = reduce_sum(x, axis=[-1])
        log_gamma_sum_x = lgamma(sum_x)
        return log_prod_gamma_x - log_gamma_sum_x
