"""``tf.math.special.dawsn``, ``expint``, ``fresnel_cos``, ``fresnel_sin`` and ``spence``: one op
each (``Dawsn``...), built in a scope of its Python name as TensorFlow builds it
(``dawsn/Dawsn``), with TensorFlow's gradients (the integrands: ``1 - 2 x dawsn(x)``,
``exp(x)/x``, ``cos``/``sin(pi x^2 / 2)``, ``log(x)/(1 - x)``). The values are Cephes' fits
(`teachflow.ops.special_integrals`), computed in the input's own dtype as TensorFlow's scalar
kernels compute them (float16 in float32): TF's float32 results, rounding errors included.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(tf.math.special.fresnel_sin(1.0))), 6))
    0.438259
"""

from __future__ import annotations

import math

from teachflow.framework import registry
from teachflow.framework.scopes import control_dependencies
from teachflow.ops import special_integrals
from teachflow.ops.elementwise import FLOATS, unary_of
from teachflow.ops.special_unary import in_dtype_kernel, scoped_unary

__all__ = ["dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"]


def _dawsn_grad(op, grad):
    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        return [grad * (1.0 - 2 * x * y)]


def _expint_grad(op, grad):
    from teachflow.ops.unary_ops import exp

    x = op.inputs[0]
    with control_dependencies([grad]):
        return [grad * exp(x) / x]


def _fresnel_cos_grad(op, grad):
    from teachflow.ops.unary_ops import cos, square

    with control_dependencies([grad]):
        return [grad * cos((math.pi / 2.0) * square(op.inputs[0]))]


def _fresnel_sin_grad(op, grad):
    from teachflow.ops.unary_ops import sin, square

    with control_dependencies([grad]):
        return [grad * sin((math.pi / 2.0) * square(op.inputs[0]))]


def _spence_grad(op, grad):
    from teachflow.ops.comparison_ops import equal, where
    from teachflow.ops.filling import ones_like
    from teachflow.ops.unary_ops import log

    x = op.inputs[0]
    with control_dependencies([grad]):
        partial_x = log(x) / (1 - x)
        # log(x)/(1 - x) is 0/0 at 1, where the derivative is -1.
        partial_x = where(equal(x, 1.0), -ones_like(x), partial_x)
        return [grad * partial_x]


_OPS = (
    ("Dawsn", special_integrals.dawsn, _dawsn_grad),
    ("Expint", special_integrals.expint, _expint_grad),
    ("FresnelCos", special_integrals.fresnel_cos, _fresnel_cos_grad),
    ("FresnelSin", special_integrals.fresnel_sin, _fresnel_sin_grad),
    ("Spence", special_integrals.spence, _spence_grad),
)
for _type, _fn, _grad in _OPS:
    registry.register(_type, unary_of(FLOATS), in_dtype_kernel(_fn), grad=_grad)


def dawsn(x, name=None):
    """Dawson's integral ``exp(-x^2) * integral of exp(t^2) from 0 to x``."""
    return scoped_unary("Dawsn", "dawsn", x, name)


def expint(x, name=None):
    """The exponential integral ``Ei(x)`` (NaN for ``x < 0``)."""
    return scoped_unary("Expint", "expint", x, name)


def fresnel_cos(x, name=None):
    """The Fresnel cosine integral ``integral of cos(pi t^2 / 2) from 0 to x``."""
    return scoped_unary("FresnelCos", "fresnel_cos", x, name)


def fresnel_sin(x, name=None):
    """The Fresnel sine integral ``integral of sin(pi t^2 / 2) from 0 to x``."""
    return scoped_unary("FresnelSin", "fresnel_sin", x, name)


def spence(x, name=None):
    """Spence's function ``integral of log(t)/(1 - t) from 1 to x`` (NaN for ``x < 0``)."""
    return scoped_unary("Spence", "spence", x, name)
