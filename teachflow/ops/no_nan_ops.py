"""Arithmetic that gives 0 instead of NaN: ``tf.math.multiply_no_nan`` (``x * y``, 0 wherever
``y`` is 0, even where ``x`` is inf or NaN) and ``tf.math.reciprocal_no_nan`` (``1 / x``, 0 where
``x`` is 0: one ``DivNoNan`` op). ``tf.math.divide_no_nan`` is `div_no_nan`.

    >>> import teachflow as tf
    >>> import numpy as np
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.multiply_no_nan([np.inf, 2.0], [0.0, 3.0])).tolist())
    [0.0, 6.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import constant_op
from teachflow.ops.elementwise import COMPLEX, FLOATS, broadcast_of, make_op
from teachflow.ops.special_math_ops import div_no_nan

__all__ = ["multiply_no_nan", "reciprocal_no_nan"]


def _mul_no_nan_kernel(op, device):
    xp = device.xp

    def mul_no_nan(x, y):
        with np.errstate(invalid="ignore", over="ignore"):
            product = x * y
        return xp.where(y == 0, xp.zeros((), product.dtype), product)

    return mul_no_nan


def _mul_no_nan_grad(op, grad):
    # TF calls the generated op here: the products are named MulNoNan, MulNoNan_1.
    from teachflow.ops.broadcast_gradients import reduce_gradient_args

    x, y = op.inputs
    attrs = {"T": x.dtype.base_dtype}
    gx = make_op("MulNoNan", [grad, y], "MulNoNan", attrs)
    gy = make_op("MulNoNan", [x, grad], "MulNoNan", attrs)
    shapes = [x.shape, y.shape, grad.shape]
    if all(s.is_fully_defined() for s in shapes) and shapes[0] == shapes[1] == shapes[2]:
        return [gx, gy]
    return reduce_gradient_args(x, y, gx, gy)


registry.register(
    "MulNoNan", broadcast_of(FLOATS + COMPLEX), _mul_no_nan_kernel, grad=_mul_no_nan_grad
)


def multiply_no_nan(x, y, name=None):
    """``x * y``, but 0 wherever ``y`` is 0 (whatever ``x`` is)."""
    with name_scope(name, "multiply_no_nan", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        if x.dtype.base_dtype is not y.dtype.base_dtype:
            raise TypeError(
                f"`x` and `y` must have the same dtype, got {x.dtype.base_dtype!r} != "
                f"{y.dtype.base_dtype!r}"
            )
        return make_op("MulNoNan", [x, y], scope, {"T": x.dtype.base_dtype})


def reciprocal_no_nan(x, name=None):
    """``1 / x``, but 0 where ``x`` is 0.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.reciprocal_no_nan([0.0, 4.0])).tolist())
    [0.0, 0.25]
    """
    with name_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        one = constant_op.constant(1, dtype=x.dtype.base_dtype, name="one")
        return div_no_nan(one, x, name=scope)
