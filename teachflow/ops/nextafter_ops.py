"""``tf.math.nextafter(x1, x2)``: the floating-point number next to ``x1`` in the direction
of ``x2`` (``x2`` itself where they are equal), one ``NextAfter`` op.

Its gradient is TensorFlow's: 1 for ``x1`` and 0 for ``x2``, summed back over broadcast axes.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.nextafter(1.0, 2.0)) - 1.0)
    1.1920929e-07
"""

from __future__ import annotations

from teachflow.framework import dtypes, registry
from teachflow.framework.scopes import control_dependencies
from teachflow.ops.elementwise import binary, broadcast_of, check_allowed, xp_kernel

__all__ = ["nextafter"]


def _nextafter_grad(op, grad):
    # As TensorFlow writes it: each partial (ones for x1, zeros for x2) times grad, summed
    # over the broadcast axes and reshaped back.
    from teachflow.ops import array_ops
    from teachflow.ops.broadcast_gradients import plain_broadcast_gradient_args
    from teachflow.ops.reduction_ops import reduce_sum

    x1, x2 = op.inputs
    s_x1, s_x2, r_x1, r_x2 = plain_broadcast_gradient_args(x1, x2)
    with control_dependencies([grad]):
        partial_x1 = array_ops.ones(s_x1, dtype=x1.dtype)
        partial_x2 = array_ops.zeros(s_x2, dtype=x2.dtype)
        return [
            array_ops.reshape(reduce_sum(partial_x1 * grad, r_x1), s_x1),
            array_ops.reshape(reduce_sum(partial_x2 * grad, r_x2), s_x2),
        ]


def _infer_nextafter(op):
    # TF's op definition lists float64 first, and names the inputs x1, x2.
    check_allowed(op.inputs[0], (dtypes.float64, dtypes.float32), "x1")
    return broadcast_of((dtypes.float64, dtypes.float32))(op)


registry.register(
    "NextAfter",
    _infer_nextafter,
    xp_kernel("nextafter"),
    grad=_nextafter_grad,
)


def nextafter(x1, x2, name=None):
    """The representable number after ``x1`` towards ``x2``, elementwise."""
    return binary("NextAfter", x1, x2, name, "NextAfter", arg_names=("x1", "x2"))
