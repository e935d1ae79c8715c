"""``tf.math.xlogy`` and ``xdivy``: ``x * log(y)`` and ``x / y`` that are 0 wherever ``x`` is 0,
even where ``log(y)`` or ``1 / y`` is not finite (a probability of 0 times the log of 0).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.xlogy([0.0, 2.0], [0.0, 1.0])).tolist())
    [0.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.scopes import control_dependencies
from teachflow.ops.elementwise import COMPLEX, FLOATS, binary, broadcast_of, reduce_to_shape

__all__ = ["xlogy", "xdivy"]


def _where_x_is_zero(fn):
    def factory(op, device):
        xp = device.xp

        def run(x, y):
            with np.errstate(divide="ignore", invalid="ignore"):
                value = fn(xp, x, y)
            return xp.where(x == 0, xp.zeros_like(value), value)

        return run

    return factory


def _xlogy_grad(op, grad):
    # TF: d/dx = xlogy(x != 0, y), d/dy = xdivy(x, y), both waiting for grad.
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.comparison_ops import not_equal

    x, y = op.inputs
    with control_dependencies([grad]):
        not_zero_x = cast(not_equal(x, cast(0.0, dtype=x.dtype)), dtype=x.dtype)
        partial_x = xlogy(not_zero_x, y)
        partial_y = xdivy(x, y)
        return [reduce_to_shape(partial_x * grad, x), reduce_to_shape(partial_y * grad, y)]


def _xdivy_grad(op, grad):
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.comparison_ops import not_equal

    x, y = op.inputs
    with control_dependencies([grad]):
        not_zero_x = cast(not_equal(x, cast(0.0, dtype=x.dtype)), dtype=x.dtype)
        partial_x = xdivy(not_zero_x, y)
        partial_y = xdivy(-x, y * y)
        return [reduce_to_shape(partial_x * grad, x), reduce_to_shape(partial_y * grad, y)]


registry.register(
    "Xlogy",
    broadcast_of(FLOATS + COMPLEX),
    _where_x_is_zero(lambda xp, x, y: x * xp.log(y)),
    grad=_xlogy_grad,
)
registry.register(
    "Xdivy",
    broadcast_of(FLOATS + COMPLEX),
    _where_x_is_zero(lambda xp, x, y: x / y),
    grad=_xdivy_grad,
)


def xlogy(x, y, name=None):
    """``x * log(y)``, and 0 where ``x`` is 0."""
    return binary("Xlogy", x, y, name, "Xlogy")


def xdivy(x, y, name=None):
    """``x / y``, and 0 where ``x`` is 0."""
    return binary("Xdivy", x, y, name, "Xdivy")
