"""``tf.math.reduce_euclidean_norm``: the square root of the sum of squares along some axes, as
TensorFlow's ``EuclideanNorm`` reduction op (one op, not sqrt of reduce_sum of squares).

    >>> import teachflow as tf
    >>> n = tf.math.reduce_euclidean_norm([[3.0, 4.0], [6.0, 8.0]], axis=1)
    >>> n.op.type
    'EuclideanNorm'
    >>> with tf.Session() as sess:
    ...     print(sess.run(n))
    [ 5. 10.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.ops.arithmetic_ops import realdiv
from teachflow.ops.elementwise import NUMERIC
from teachflow.ops.reduction_ops import (
    _infer_reduction,
    _keep_reduced_dims,
    _reduce,
    _reduction_kernel,
)

__all__ = ["reduce_euclidean_norm"]


def _euclidean_norm(xp, dt, keep):
    def norm(x, axes):
        # Integers are squared and summed in a wider type and the root truncated, as
        # Eigen's reducer does for them; floats stay in their own type.
        wide = x.astype(np.float64) if np.issubdtype(dt, np.integer) else x
        squares = wide * xp.conj(wide) if xp.iscomplexobj(wide) else wide * wide
        return xp.sqrt(xp.sum(squares, axis=axes, keepdims=keep)).astype(dt)

    return norm


def _euclidean_norm_grad(op, grad):
    # TF's _EuclideanNormGrad: x / (norm / grad), the norm and grad with the reduced
    # axes kept as 1s so they broadcast against x.
    output = op.outputs[0]
    if not op._attrs.get("keep_dims", False):
        output = _keep_reduced_dims(output, op)
        grad = _keep_reduced_dims(grad, op)
    return [realdiv(op.inputs[0], realdiv(output, grad)), None]


registry.register(
    "EuclideanNorm",
    _infer_reduction(NUMERIC),
    _reduction_kernel(_euclidean_norm),
    grad=_euclidean_norm_grad,
)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x * conj(x))) over ``axis`` (all axes when None), one EuclideanNorm op."""
    return _reduce("EuclideanNorm", input_tensor, axis, keepdims, name, None, None)
