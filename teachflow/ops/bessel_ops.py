"""``tf.math.bessel_i0``, ``bessel_i0e``, ``bessel_i1``, ``bessel_i1e``: the modified Bessel
functions of the first kind, orders 0 and 1, plain and scaled by ``exp(-|x|)``.

Each is one op (``BesselI0``...) built inside a scope of its Python name, as TensorFlow's
``special_math_ops`` builds it (``bessel_i0/BesselI0``). The values are Cephes' series
(`teachflow.ops.bessel_functions`); the gradients are TensorFlow's: ``I0' = I1``,
``I1' = I0 - I1/x`` (1 at 0) and their scaled forms.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print([round(v, 6) for v in sess.run(tf.math.bessel_i0([0.0, 1.0])).tolist()])
    [1.0, 1.266066]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops import bessel_functions
from teachflow.ops.elementwise import FLOATS, unary_of, unary_op

__all__ = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]


def _i0(x):
    with np.errstate(over="ignore"):
        return np.exp(np.abs(x)) * bessel_functions.i0e(x)


def _i1(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(np.abs(x)) * bessel_functions.i1e(x)


def _float64_kernel(fn):
    """An elementwise kernel computing ``fn`` in float64 on the host, cast back."""

    def make(op, device):
        def compute(x):
            host = np.asarray(x.get() if hasattr(x, "get") else x)
            return device.xp.asarray(fn(host.astype(np.float64)).astype(host.dtype))

        return compute

    return make


# -- gradients (TensorFlow's math_grad.py) -----------------------------------------------------
def _i0_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * bessel_i1(op.inputs[0])]


def _i0e_grad(op, grad):
    from teachflow.ops.unary_ops import sign

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        return [grad * (bessel_i1e(x) - sign(x) * y)]


def _i1_grad(op, grad):
    from teachflow.ops.arithmetic_ops import cast, div
    from teachflow.ops.comparison_ops import equal, where_v2

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        # I1(x)/x is 0/0 at 0, where the derivative is 1/2 + 1/2 = 1: set there.
        dy_dx = where_v2(equal(x, 0.0), cast(1.0, x.dtype), bessel_i0(x) - div(y, x))
        return [grad * dy_dx]


def _i1e_grad(op, grad):
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.comparison_ops import equal, where_v2
    from teachflow.ops.unary_ops import reciprocal, sign

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        dy_dx = where_v2(
            equal(x, 0.0), cast(0.5, x.dtype), bessel_i0e(x) - y * (sign(x) + reciprocal(x))
        )
        return [grad * dy_dx]


_OPS = (
    # op type, value in float64, gradient
    ("BesselI0", _i0, _i0_grad),
    ("BesselI0e", bessel_functions.i0e, _i0e_grad),
    ("BesselI1", _i1, _i1_grad),
    ("BesselI1e", bessel_functions.i1e, _i1e_grad),
)
for _type, _fn, _grad in _OPS:
    registry.register(_type, unary_of(FLOATS), _float64_kernel(_fn), grad=_grad)


def _scoped(op_type, scope_name, x, name):
    with name_scope(name, scope_name, [x]):
        return unary_op(op_type, x, None)


def bessel_i0(x, name=None):
    """``I0(x)``, the modified Bessel function of the first kind of order 0 (even in x)."""
    return _scoped("BesselI0", "bessel_i0", x, name)


def bessel_i0e(x, name=None):
    """``exp(-|x|) * I0(x)``: finite where ``I0`` overflows."""
    return _scoped("BesselI0e", "bessel_i0e", x, name)


def bessel_i1(x, name=None):
    """``I1(x)``, the modified Bessel function of the first kind of order 1 (odd in x)."""
    return _scoped("BesselI1", "bessel_i1", x, name)


def bessel_i1e(x, name=None):
    """``exp(-|x|) * I1(x)``."""
    return _scoped("BesselI1e", "bessel_i1e", x, name)
