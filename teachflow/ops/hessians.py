"""``tf.hessians``: second derivatives, one gradient per element of the first gradient.

TensorFlow builds the Hessian of ``sum(ys)`` with respect to each ``x`` in ``xs`` in the
graph itself: the first gradient is flattened, a ``while_loop`` takes each element ``j``
and writes ``gradients(gradient[j], x)`` into a ``TensorArray``, and the stacked rows
are reshaped to ``x.shape + x.shape``. teachflow builds the same ops.

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> y = tf.reduce_sum(x * x * x)  # d2y/dx2 = diag(6x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.hessians(y, x)[0]))
    [[ 6.  0.]
     [ 0. 12.]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.ops.array_ops import concat, reshape, shape, size
from teachflow.ops.constant_op import constant
from teachflow.ops.control_flow_while import while_loop
from teachflow.ops.gradients import gradients
from teachflow.ops.tensor_array_ops import TensorArray

__all__ = ["hessians"]


def hessians(
    ys,
    xs,
    name="hessians",
    colocate_gradients_with_ops=False,
    gate_gradients=False,
    aggregation_method=None,
):
    """The Hessian of ``sum(ys)`` for each ``x`` in ``xs`` (a list, shaped ``x.shape * 2``).

    ``name`` is accepted and, as in TensorFlow, unused. LookupError for an op with no
    registered gradient.
    """
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    kwargs = {
        "colocate_gradients_with_ops": colocate_gradients_with_ops,
        "gate_gradients": gate_gradients,
        "aggregation_method": aggregation_method,
    }
    result = []
    for gradient, x in zip(gradients(ys, xs, **kwargs), xs):
        gradient = reshape(gradient, [-1])
        n = size(x)
        loop_vars = [constant(0, dtypes.int32), TensorArray(x.dtype, n)]
        _, rows = while_loop(
            lambda j, _, n=n: j < n,
            lambda j, acc, g=gradient, x=x: (j + 1, acc.write(j, gradients(g[j], x)[0])),
            loop_vars,
        )
        x_shape = shape(x)
        result.append(reshape(rows.stack(), concat((x_shape, x_shape), 0)))
    return result
