"""The Bessel functions of orders 0 and 1: ``tf.math.bessel_i0``, ``bessel_i0e``, ``bessel_i1``,
``bessel_i1e`` (modified, first kind, plain and scaled by ``exp(-|x|)``) and, under
``tf.math.special``, ``bessel_k0``/``k0e``/``k1``/``k1e`` (modified, second kind, scaled by
``exp(x)``), ``bessel_j0``/``j1`` and ``bessel_y0``/``y1`` (first and second kind).

Each is one op (``BesselI0``...) built inside a scope of its Python name, as TensorFlow's
``special_math_ops`` builds it (``bessel_i0/BesselI0``). The values are Cephes' series
(`teachflow.ops.bessel_functions`, `teachflow.ops.bessel_jy_functions`); the gradients are
TensorFlow's: ``I0' = I1``, ``I1' = I0 - I1/x`` (1 at 0), ``K0' = -K1``, ``J0' = -J1``...

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print([round(v, 6) for v in sess.run(tf.math.bessel_i0([0.0, 1.0])).tolist()])
    [1.0, 1.266066]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.scopes import control_dependencies
from teachflow.ops import bessel_functions, bessel_jy_functions
from teachflow.ops.elementwise import FLOATS, unary_of
from teachflow.ops.special_unary import float64_kernel, scoped_unary

__all__ = [
    "bessel_i0",
    "bessel_i0e",
    "bessel_i1",
    "bessel_i1e",
    "bessel_k0",
    "bessel_k0e",
    "bessel_k1",
    "bessel_k1e",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
]


def _i0(x):
    with np.errstate(over="ignore"):
        return np.exp(np.abs(x)) * bessel_functions.i0e(x)


def _i1(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(np.abs(x)) * bessel_functions.i1e(x)


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


def _k0_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * -bessel_k1(op.inputs[0])]


def _k0e_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * (op.outputs[0] - bessel_k1e(op.inputs[0]))]


def _k1_grad(op, grad):
    from teachflow.ops.arithmetic_ops import div

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        return [grad * (-bessel_k0(x) - div(y, x))]


def _k1e_grad(op, grad):
    from teachflow.ops.unary_ops import reciprocal

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        return [grad * (y * (1.0 - reciprocal(x)) - bessel_k0e(x))]


def _j0_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * -bessel_j1(op.inputs[0])]


def _j1_grad(op, grad):
    from teachflow.ops.arithmetic_ops import cast, div
    from teachflow.ops.comparison_ops import equal, where_v2

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        dy_dx = where_v2(equal(x, 0.0), cast(0.5, x.dtype), bessel_j0(x) - div(y, x))
        return [grad * dy_dx]


def _y0_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * -bessel_y1(op.inputs[0])]


def _y1_grad(op, grad):
    from teachflow.ops.arithmetic_ops import div

    x, y = op.inputs[0], op.outputs[0]
    with control_dependencies([grad]):
        return [grad * (bessel_y0(x) - div(y, x))]


def _y1_kernel(op, device):
    # Eigen's float Y1 sets -inf only below 0: at 0 its -1/x and J1(0) log(0) make NaN (its
    # double Y1 gives -inf there). Float16 computes in float.
    compute64 = float64_kernel(bessel_jy_functions.y1)(op, device)
    single = op.inputs[0].dtype.base_dtype.name != "float64"

    def compute(x):
        out = compute64(x)
        return device.xp.where(x == 0, device.xp.nan, out).astype(out.dtype) if single else out

    return compute


_OPS = (
    # op type, value in float64, gradient
    ("BesselI0", _i0, _i0_grad),
    ("BesselI0e", bessel_functions.i0e, _i0e_grad),
    ("BesselI1", _i1, _i1_grad),
    ("BesselI1e", bessel_functions.i1e, _i1e_grad),
    ("BesselK0", bessel_functions.k0, _k0_grad),
    ("BesselK0e", bessel_functions.k0e, _k0e_grad),
    ("BesselK1", bessel_functions.k1, _k1_grad),
    ("BesselK1e", bessel_functions.k1e, _k1e_grad),
    ("BesselJ0", bessel_jy_functions.j0, _j0_grad),
    ("BesselJ1", bessel_jy_functions.j1, _j1_grad),
    ("BesselY0", bessel_jy_functions.y0, _y0_grad),
)
for _type, _fn, _grad in _OPS:
    registry.register(_type, unary_of(FLOATS), float64_kernel(_fn), grad=_grad)
registry.register("BesselY1", unary_of(FLOATS), _y1_kernel, grad=_y1_grad)


def bessel_i0(x, name=None):
    """``I0(x)``, the modified Bessel function of the first kind of order 0 (even in x)."""
    return scoped_unary("BesselI0", "bessel_i0", x, name)


def bessel_i0e(x, name=None):
    """``exp(-|x|) * I0(x)``: finite where ``I0`` overflows."""
    return scoped_unary("BesselI0e", "bessel_i0e", x, name)


def bessel_i1(x, name=None):
    """``I1(x)``, the modified Bessel function of the first kind of order 1 (odd in x)."""
    return scoped_unary("BesselI1", "bessel_i1", x, name)


def bessel_i1e(x, name=None):
    """``exp(-|x|) * I1(x)``."""
    return scoped_unary("BesselI1e", "bessel_i1e", x, name)


def bessel_k0(x, name=None):
    """``K0(x)``, the modified Bessel function of the second kind of order 0 (``x > 0``)."""
    return scoped_unary("BesselK0", "bessel_k0", x, name)


def bessel_k0e(x, name=None):
    """``exp(x) * K0(x)``."""
    return scoped_unary("BesselK0e", "bessel_k0e", x, name)


def bessel_k1(x, name=None):
    """``K1(x)``, the modified Bessel function of the second kind of order 1 (``x > 0``)."""
    return scoped_unary("BesselK1", "bessel_k1", x, name)


def bessel_k1e(x, name=None):
    """``exp(x) * K1(x)``."""
    return scoped_unary("BesselK1e", "bessel_k1e", x, name)


def bessel_j0(x, name=None):
    """``J0(x)``, the Bessel function of the first kind of order 0."""
    return scoped_unary("BesselJ0", "bessel_j0", x, name)


def bessel_j1(x, name=None):
    """``J1(x)``, the Bessel function of the first kind of order 1."""
    return scoped_unary("BesselJ1", "bessel_j1", x, name)


def bessel_y0(x, name=None):
    """``Y0(x)``, the Bessel function of the second kind of order 0 (``x > 0``)."""
    return scoped_unary("BesselY0", "bessel_y0", x, name)


def bessel_y1(x, name=None):
    """``Y1(x)``, the Bessel function of the second kind of order 1 (``x > 0``)."""
    return scoped_unary("BesselY1", "bessel_y1", x, name)
