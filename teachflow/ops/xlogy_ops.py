"""``tf.math.xlogy``, ``xlog1py`` and ``xdivy``: ``x * log(y)``, ``x * log1p(y)`` and ``x / y``
that are 0 wherever ``x`` is 0, even where ``log(y)`` or ``1 / y`` is not finite (a
probability of 0 times the log of 0).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.xlogy([0.0, 2.0], [0.0, 1.0])).tolist())
    [0.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.scopes import control_dependencies
from teachflow.ops.elementwise import COMPLEX, FLOATS, binary, broadcast_of

__all__ = ["xlogy", "xlog1py", "xdivy"]


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
    # TF: d/dx = xlogy(x != 0, y), d/dy = xdivy(x, y), both waiting for grad, summed back
    # through a BroadcastGradientArgs op.
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.broadcast_gradients import plain_broadcast_gradient_args
    from teachflow.ops.comparison_ops import not_equal
    from teachflow.ops.reduction_ops import reduce_sum

    x, y = op.inputs
    sx, sy, rx, ry = plain_broadcast_gradient_args(x, y)
    with control_dependencies([grad]):
        not_zero_x = cast(not_equal(x, cast(0.0, dtype=x.dtype)), dtype=x.dtype)
        partial_x = binary("Xlogy", not_zero_x, y, None)
        partial_y = binary("Xdivy", x, y, None)
        return [
            array_ops.reshape(reduce_sum(partial_x * grad, rx), sx),
            array_ops.reshape(reduce_sum(partial_y * grad, ry), sy),
        ]


def _xlog1py_grad(op, grad):
    # TF: d/dx = xlog1py(x != 0, y), d/dy = xdivy(x, y + 1), both waiting for grad, summed
    # back through a BroadcastGradientArgs op.
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.broadcast_gradients import plain_broadcast_gradient_args
    from teachflow.ops.comparison_ops import not_equal
    from teachflow.ops.reduction_ops import reduce_sum

    x, y = op.inputs
    sx, sy, rx, ry = plain_broadcast_gradient_args(x, y)
    with control_dependencies([grad]):
        not_zero_x = cast(not_equal(x, cast(0.0, dtype=x.dtype)), dtype=x.dtype)
        partial_x = binary("Xlog1py", not_zero_x, y, None)
        partial_y = binary("Xdivy", x, y + 1.0, None)
        return [
            array_ops.reshape(reduce_sum(partial_x * grad, rx), sx),
            array_ops.reshape(reduce_sum(partial_y * grad, ry), sy),
        ]


def _xdivy_grad(op, grad):
    # TF: d/dx = xdivy(x != 0, y), d/dy = xdivy(-x, y ** 2), as for xlogy.
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast, negative
    from teachflow.ops.broadcast_gradients import plain_broadcast_gradient_args
    from teachflow.ops.comparison_ops import not_equal
    from teachflow.ops.reduction_ops import reduce_sum

    x, y = op.inputs
    sx, sy, rx, ry = plain_broadcast_gradient_args(x, y)
    with control_dependencies([grad]):
        not_zero_x = cast(not_equal(x, cast(0.0, dtype=x.dtype)), dtype=x.dtype)
        partial_x = binary("Xdivy", not_zero_x, y, None)
        partial_y = binary("Xdivy", negative(x), y**2, None)
        return [
            array_ops.reshape(reduce_sum(partial_x * grad, rx), sx),
            array_ops.reshape(reduce_sum(partial_y * grad, ry), sy),
        ]


registry.register(
    "Xlogy",
    broadcast_of(FLOATS + COMPLEX),
    _where_x_is_zero(lambda xp, x, y: x * xp.log(y)),
    grad=_xlogy_grad,
)
registry.register(
    "Xlog1py",
    broadcast_of(FLOATS + COMPLEX),
    _where_x_is_zero(lambda xp, x, y: x * xp.log1p(y)),
    grad=_xlog1py_grad,
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


def xlog1py(x, y, name=None):
    """``x * log1p(y)``, and 0 where ``x`` is 0 (built in a scope ``xlog1py``, as in TF)."""
    from teachflow.framework.scopes import name_scope

    with name_scope(name, "xlog1py", [x]):
        return binary("Xlog1py", x, y, None, "Xlog1py")


def xdivy(x, y, name=None):
    """``x / y``, and 0 where ``x`` is 0 (built in a scope ``xdivy``, as in TF)."""
    from teachflow.framework.scopes import name_scope

    with name_scope(name, "xdivy", [x]):
        return binary("Xdivy", x, y, None, "Xdivy")
