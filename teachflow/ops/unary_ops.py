"""Elementwise functions of one tensor: abs, exp, log, sqrt, sigmoid, tanh, rounding...

Each is an op whose output has its input's shape and dtype (``is_nan`` and its kin give
bools). As in TensorFlow, the gradients of ``sigmoid``, ``tanh``, ``sqrt``, ``rsqrt`` and
``reciprocal`` are ops of their own (``SigmoidGrad``...) computed from the *output*
``y``: ``sigmoid'(x) = y * (1 - y)`` needs no second exponential.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.round([0.5, 1.5, 2.5, -0.5])).tolist())  # half to even
    [0.0, 2.0, 2.0, -0.0]
"""

from __future__ import annotations

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies
from teachflow.ops import constant_op
from teachflow.ops.arithmetic_ops import multiply, subtract
from teachflow.ops.elementwise import (
    COMPLEX,
    FLOATS,
    NUMERIC,
    SIGNED,
    broadcast_of,
    kernel_of,
    make_op,
    scalar_like,
    unary_of,
    unary_op,
    xp_kernel,
)

__all__ = [
    "abs",
    "square",
    "sqrt",
    "rsqrt",
    "exp",
    "log",
    "log1p",
    "expm1",
    "sin",
    "cos",
    "tan",
    "sign",
    "reciprocal",
    "floor",
    "ceil",
    "round",
    "sigmoid",
    "tanh",
    "is_nan",
    "is_inf",
    "is_finite",
]


def _rsqrt_kernel(op, device):
    sqrt = device.xp.sqrt
    return lambda x: 1 / sqrt(x)


def _sigmoid_kernel(op, device):
    exp = device.xp.exp
    # exp(-x) overflows to inf for very negative x, and 1 / (1 + inf) is the right 0.
    return lambda x: 1 / (1 + exp(-x))


def _mul(*factors):
    result = factors[0]
    for f in factors[1:]:
        result = multiply(result, f)
    return result


def _grad_op(op_type, y, dy):
    return make_op(op_type, [y, dy], None, {"T": y.dtype.base_dtype})


# -- first derivatives, in terms of the op's input x or its output y ---------------------
def _abs_grad(op, grad):
    return [grad * sign(op.inputs[0])]  # TF's ``*``: ``Abs_grad/mul``


# TF builds these under ``control_dependencies([grad])`` (so that 2 * x or 1 / x is not
# computed before the gradient arrives) and multiplies with the ``*`` operator: ``.../mul``.
def _square_grad(op, grad):
    x = op.inputs[0]
    with control_dependencies([grad]):
        two = constant_op.constant(2.0, dtype=x.dtype.base_dtype)
        return [multiply(grad, multiply(x, two))]


def _exp_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * op.outputs[0]]


def _log_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * reciprocal(op.inputs[0])]


def _log1p_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * reciprocal(1 + op.inputs[0])]


def _expm1_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * exp(op.inputs[0])]


def _sin_grad(op, grad):
    with control_dependencies([grad]):
        return [grad * cos(op.inputs[0])]


def _cos_grad(op, grad):
    with control_dependencies([grad]):
        return [-grad * sin(op.inputs[0])]


def _tan_grad(op, grad):
    with control_dependencies([grad]):
        return [square(reciprocal(cos(op.inputs[0]))) * grad]


def _sign_grad(op, grad):
    from teachflow.ops import array_ops

    return [array_ops.zeros_like(op.inputs[0])]


def _by_output(grad_op_type):
    """The gradient is the op ``grad_op_type(y, dy)`` of the output ``y``."""
    return lambda op, grad: [_grad_op(grad_op_type, op.outputs[0], grad)]


def _piecewise_constant(op, grad):
    return [None]


_UNARY = (
    # op type, dtypes, kernel factory, gradient
    ("Abs", SIGNED, xp_kernel("abs"), _abs_grad),
    ("Square", NUMERIC, kernel_of(lambda x: x * x), _square_grad),
    ("Sqrt", FLOATS, xp_kernel("sqrt"), _by_output("SqrtGrad")),
    ("Rsqrt", FLOATS, _rsqrt_kernel, _by_output("RsqrtGrad")),
    ("Exp", FLOATS + COMPLEX, xp_kernel("exp"), _exp_grad),
    ("Log", FLOATS, xp_kernel("log"), _log_grad),
    ("Log1p", FLOATS, xp_kernel("log1p"), _log1p_grad),
    ("Expm1", FLOATS, xp_kernel("expm1"), _expm1_grad),
    ("Sin", FLOATS, xp_kernel("sin"), _sin_grad),
    ("Cos", FLOATS, xp_kernel("cos"), _cos_grad),
    ("Tan", FLOATS, xp_kernel("tan"), _tan_grad),
    ("Sign", SIGNED, xp_kernel("sign"), _sign_grad),
    ("Reciprocal", FLOATS + COMPLEX, kernel_of(lambda x: 1 / x), _by_output("ReciprocalGrad")),
    ("Floor", FLOATS, xp_kernel("floor"), _piecewise_constant),
    ("Ceil", FLOATS, xp_kernel("ceil"), _piecewise_constant),
    # numpy's round, like TensorFlow's, sends halves to the even neighbour.
    ("Round", SIGNED, xp_kernel("round"), _piecewise_constant),
    ("Sigmoid", FLOATS, _sigmoid_kernel, _by_output("SigmoidGrad")),
    ("Tanh", FLOATS, xp_kernel("tanh"), _by_output("TanhGrad")),
)
for _type, _allowed, _kernel, _grad in _UNARY:
    registry.register(_type, unary_of(_allowed), _kernel, grad=_grad)

for _type, _name in (("IsNan", "isnan"), ("IsInf", "isinf"), ("IsFinite", "isfinite")):
    registry.register(
        _type, unary_of(FLOATS, dtypes.bool_), xp_kernel(_name), not_differentiable=True
    )


# -- the gradient ops and their own gradients (for second derivatives) -------------------
def _sigmoid_grad_grad(op, grad):
    # SigmoidGrad(y, dy) = dy * y * (1 - y)
    y, dy = op.inputs
    one_minus_2y = subtract(scalar_like(1, y), multiply(scalar_like(2, y), y))
    return [_mul(grad, dy, one_minus_2y), _grad_op("SigmoidGrad", y, grad)]


def _tanh_grad_grad(op, grad):
    # TanhGrad(y, dy) = dy * (1 - y^2)
    y, dy = op.inputs
    return [_mul(grad, dy, scalar_like(-2, y), y), _grad_op("TanhGrad", y, grad)]


def _sqrt_grad_grad(op, grad):
    # SqrtGrad(y, dy) = 0.5 * dy / y
    y, dy = op.inputs
    return [
        _mul(grad, dy, scalar_like(-0.5, y), square(reciprocal(y))),
        _grad_op("SqrtGrad", y, grad),
    ]


def _rsqrt_grad_grad(op, grad):
    # RsqrtGrad(y, dy) = -0.5 * dy * y^3
    y, dy = op.inputs
    return [_mul(grad, dy, scalar_like(-1.5, y), square(y)), _grad_op("RsqrtGrad", y, grad)]


def _reciprocal_grad_grad(op, grad):
    # ReciprocalGrad(y, dy) = -dy * y^2
    y, dy = op.inputs
    return [_mul(grad, dy, scalar_like(-2, y), y), _grad_op("ReciprocalGrad", y, grad)]


_GRAD_OPS = (
    ("SigmoidGrad", lambda y, dy: dy * y * (1 - y), _sigmoid_grad_grad),
    ("TanhGrad", lambda y, dy: dy * (1 - y * y), _tanh_grad_grad),
    ("SqrtGrad", lambda y, dy: dy * 0.5 / y, _sqrt_grad_grad),
    ("RsqrtGrad", lambda y, dy: dy * (y * y * y) * -0.5, _rsqrt_grad_grad),
    ("ReciprocalGrad", lambda y, dy: -dy * y * y, _reciprocal_grad_grad),
)
for _type, _fn, _grad in _GRAD_OPS:
    registry.register(_type, broadcast_of(FLOATS), kernel_of(_fn), grad=_grad)


# -- the public functions ----------------------------------------------------------------
def abs(x, name=None):  # noqa: A001 - TensorFlow's name
    """``|x|`` elementwise; also what ``abs(t)`` builds (``ComplexAbs`` for complex ``x``)."""
    import numpy as np

    from teachflow.framework.operation import Tensor
    from teachflow.ops.complex_ops import complex_abs

    is_complex = x.dtype.is_complex if isinstance(x, Tensor) else np.iscomplexobj(x)
    if is_complex:
        return complex_abs(x, name)
    return unary_op("Abs", x, name)


def square(x, name=None):
    return unary_op("Square", x, name)


def sqrt(x, name=None):
    return unary_op("Sqrt", x, name)


def rsqrt(x, name=None):
    """``1 / sqrt(x)``."""
    return unary_op("Rsqrt", x, name)


def exp(x, name=None):
    return unary_op("Exp", x, name)


def log(x, name=None):
    """The natural logarithm (``-inf`` at 0, ``nan`` below, without an error)."""
    return unary_op("Log", x, name)


def log1p(x, name=None):
    """``log(1 + x)``, accurate for small ``x``."""
    return unary_op("Log1p", x, name)


def expm1(x, name=None):
    """``exp(x) - 1``, accurate for small ``x``."""
    return unary_op("Expm1", x, name)


def sin(x, name=None):
    return unary_op("Sin", x, name)


def cos(x, name=None):
    return unary_op("Cos", x, name)


def tan(x, name=None):
    return unary_op("Tan", x, name)


def sign(x, name=None):
    """-1, 0 or 1 by the sign of each element (``nan`` stays ``nan``)."""
    return unary_op("Sign", x, name)


def reciprocal(x, name=None):
    return unary_op("Reciprocal", x, name)


def floor(x, name=None):
    return unary_op("Floor", x, name)


def ceil(x, name=None):
    return unary_op("Ceil", x, name)


def round(x, name=None):  # noqa: A001 - TensorFlow's name
    """Round half to even (banker's rounding); integer tensors are returned as they are."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.base_dtype.is_integer:
        return x
    return unary_op("Round", x, name)


def sigmoid(x, name=None):
    """``1 / (1 + exp(-x))``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sigmoid(0.0)))
    0.5
    """
    return unary_op("Sigmoid", x, name)


def tanh(x, name=None):
    return unary_op("Tanh", x, name)


def is_nan(x, name=None):
    return unary_op("IsNan", x, name)


def is_inf(x, name=None):
    return unary_op("IsInf", x, name)


def is_finite(x, name=None):
    return unary_op("IsFinite", x, name)
