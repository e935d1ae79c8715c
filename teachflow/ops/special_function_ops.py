"""The special functions of TF's math table as TensorFlow's ops: ``Igamma``, ``Igammac``,
``Betainc``, ``Zeta`` and ``Polygamma``, with TensorFlow's gradients (`special_functions`
computes the values).

``Igamma``, ``Igammac``, ``Zeta`` and ``Polygamma`` broadcast like any binary op;
``Betainc`` does not: its inputs share one shape, or are scalars. Outside the domain the
result is NaN, as Eigen's (``igamma(-1, 2)``, ``zeta(0.5, 1)``), and a pole is +inf
(``zeta(1, q)``, ``zeta(x, -2)``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print([round(float(v), 4) for v in sess.run(tf.igamma(1.0, [0.0, 1.0]))])
    [0.0, 0.6321]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import constant_op, igamma_derivative, special_functions
from teachflow.ops.arithmetic_ops import add, multiply, negative, subtract
from teachflow.ops.comparison_ops import equal, merge_shapes, where_v2
from teachflow.ops.elementwise import (
    binary,
    broadcast_of,
    check_allowed,
    make_op,
    reduce_to_shape,
    scalar_like,
)
from teachflow.ops.filling import zeros_like
from teachflow.ops.special_math_ops import lgamma
from teachflow.ops.unary_ops import exp, log, log1p

__all__ = ["igamma", "igammac", "igamma_grad_a", "betainc", "zeta", "polygamma"]

# Eigen has these for float and double only (no half).
_REALS = (dtypes.float32, dtypes.float64)


def _kernel_of(fn):
    """A kernel applying ``fn`` (float64, per element) and casting back to the inputs' dtype."""

    def make(op, device):
        def compute(*args):
            host = [np.asarray(a.get() if hasattr(a, "get") else a) for a in args]
            out = fn(*host).astype(host[0].dtype)
            return device.xp.asarray(out)

        return compute

    return make


def _infer_betainc(op):
    dt = check_allowed(op.inputs[0], _REALS, "a")
    for t, param in zip(op.inputs[1:], ("b", "x")):
        if t.dtype.base_dtype is not dt:
            raise TypeError(
                f"Input '{param}' of 'Betainc' Op has type {t.dtype.base_dtype.name} that does "
                f"not match type {dt.name} of argument 'a'."
            )
    # TF's shape function: the non-scalar inputs merge into one shape; scalars do not count.
    shapes = [t.shape for t in op.inputs]
    out = TensorShape(None)
    non_scalar = [s for s in shapes if s.ndims != 0]
    for s in non_scalar:
        out = merge_shapes(out, s)
    return [(dt, out if non_scalar else shapes[0])]


def _betainc_kernel(op, device):
    names = ("a", "b", "x")

    def compute(a, b, x):
        host = [np.asarray(v.get() if hasattr(v, "get") else v) for v in (a, b, x)]
        shaped = [(n, h.shape) for n, h in zip(names, host) if h.ndim]
        for (n1, s1), (n2, s2) in zip(shaped, shaped[1:]):
            if s1 != s2:
                dims1, dims2 = (f"[{','.join(map(str, s))}]" for s in (s1, s2))
                raise errors.InvalidArgumentError(
                    op.node_def if hasattr(op, "node_def") else None,
                    op,
                    f"Shapes of {n1} and {n2} are inconsistent: {dims1} vs. {dims2}",
                )
        out = special_functions.betainc(*host).astype(host[0].dtype)
        return device.xp.asarray(out)

    return compute


# -- gradients (TensorFlow's math_grad.py) -------------------------------------------------
def _igamma_grad(op, grad):
    # TF's math_grad: d/da is the IgammaGradA op; d/dx is computed in log space, because
    # Gamma(a) and x^(a-1) can overflow where their ratio does not.
    from teachflow.ops import array_ops
    from teachflow.ops.broadcast_gradients import plain_broadcast_gradient_args
    from teachflow.ops.reduction_ops import reduce_sum

    a, x = op.inputs
    sa, sx, ra, rx = plain_broadcast_gradient_args(a, x)
    with control_dependencies([grad]):
        partial_a = igamma_grad_a(a, x)
        partial_x = exp(-x + (a - 1) * log(x) - lgamma(a))
        return [
            array_ops.reshape(reduce_sum(partial_a * grad, ra), sa),
            array_ops.reshape(reduce_sum(partial_x * grad, rx), sx),
        ]


def _igammac_grad(op, grad):
    # Q = 1 - P: TF negates both of P's gradients.
    grad_a, grad_x = _igamma_grad(op, grad)
    return [-grad_a, -grad_x]


def _xlog(k, log_value):
    """``k * log_value``, but 0 where ``k`` is 0 (TF's ``xlogy``: 0 * log(0) is 0, not NaN)."""
    return where_v2(equal(k, scalar_like(0, k)), zeros_like(k), multiply(k, log_value))


def _betainc_grad(op, grad):
    # TensorFlow has no gradient for a and b either.
    a, b, x = op.inputs
    one = scalar_like(1, x)
    log_beta = subtract(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    # x^(a-1) (1-x)^(b-1) / B(a, b); TF writes it with its Xlogy and Xlog1py ops.
    log_density = add(_xlog(subtract(b, one), log1p(negative(x))), _xlog(subtract(a, one), log(x)))
    return [None, None, multiply(exp(subtract(log_density, log_beta)), grad)]


def _zeta_grad(op, grad):
    x, q = op.inputs
    partial_q = multiply(negative(x), zeta(add(x, scalar_like(1, x)), q))
    return [None, reduce_to_shape(multiply(partial_q, grad), q)]


def _polygamma_grad(op, grad):
    n, x = op.inputs
    partial_x = polygamma(add(n, scalar_like(1, n)), x)
    return [None, reduce_to_shape(multiply(partial_x, grad), x)]


def _digamma_grad(op, grad):
    x = op.inputs[0]
    # As TF: trigamma waits for the gradient, and ``*`` names the product ``mul``.
    with control_dependencies([grad]):
        return [grad * polygamma(constant_op.constant(1, dtype=x.dtype), x)]


for _type, _fn, _grad in (
    ("Igamma", special_functions.igamma, _igamma_grad),
    ("Igammac", special_functions.igammac, _igammac_grad),
    ("Zeta", special_functions.zeta, _zeta_grad),
    ("IgammaGradA", igamma_derivative.igamma_grad_a, None),
    ("Polygamma", special_functions.polygamma, _polygamma_grad),
):
    registry.register(_type, broadcast_of(_REALS), _kernel_of(_fn), grad=_grad)
registry.register("Betainc", _infer_betainc, _betainc_kernel, grad=_betainc_grad)
# Digamma's gradient is trigamma, polygamma(1, x): it could only be given once Polygamma was.
registry.set_gradient("Digamma", _digamma_grad)


# -- the public functions --------------------------------------------------------------------
def igamma(a, x, name=None):
    """The lower regularized incomplete gamma function ``P(a, x)``: NaN for ``a <= 0`` or
    ``x < 0``."""
    return binary("Igamma", a, x, name, arg_names=("a", "x"))


def igammac(a, x, name=None):
    """The upper regularized incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    return binary("Igammac", a, x, name, arg_names=("a", "x"))


def igamma_grad_a(a, x, name=None):
    """``d/da igamma(a, x)`` (TF's ``IgammaGradA`` op, the gradient of ``igamma`` for ``a``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(igamma_grad_a(1.0, 1.0))), 5))
    -0.43173
    """
    return binary("IgammaGradA", a, x, name, arg_names=("a", "x"))


def zeta(x, q, name=None):
    """The Hurwitz zeta function ``sum over n >= 0 of (q + n)^-x``: +inf at ``x == 1``."""
    return binary("Zeta", x, q, name, arg_names=("x", "q"))


def polygamma(a, x, name=None):
    """The ``a``-th derivative of ``digamma`` at ``x`` (NaN where ``a`` is no integer).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(tf.polygamma(1.0, 1.0))), 6))  # pi^2 / 6
    1.644934
    """
    return binary("Polygamma", a, x, name, arg_names=("a", "x"))


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function ``I_x(a, b)``; ``a``, ``b`` and ``x`` share
    one shape or are scalars (no broadcasting)."""
    with name_scope(name, "Betainc", [a, b, x]) as scope:
        first = next((v for v in (a, b, x) if isinstance(v, Tensor)), None)
        dtype = first.dtype.base_dtype if first is not None else None
        a, b, x = (
            convert_to_tensor(v, dtype=dtype, name=n) for v, n in zip((a, b, x), ("a", "b", "x"))
        )
        return make_op("Betainc", [a, b, x], scope, {"T": a.dtype.base_dtype})
