"""Two more of ``tf.losses``: ``cosine_distance`` (one minus the dot product of unit-length
labels and predictions along ``axis``) and ``mean_pairwise_squared_error`` (how far the
*differences between* the elements of each example are from the labels' differences, so a
constant offset costs nothing). Weights, reductions and the loss collection work as in the
other losses (`teachflow.ops.weighted_losses`).

For one example with ``n`` present elements and ``d = predictions - labels``, the pairwise
loss is ``2 * sum(d**2) / (n - 1) - 2 * sum(d)**2 / (n * (n - 1))``, TF's formula.

    >>> import teachflow as tf
    >>> loss = tf.losses.mean_pairwise_squared_error([[1.0, 2.0, 3.0]], [[2.0, 3.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(loss))
    0.0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops.weighted_losses import (
    Reduction,
    _check_pair,
    _num_present,
    add_loss,
    compute_weighted_loss,
)

__all__: list = []  # tf.losses.* names (teachflow/losses.py), not top-level ones


def cosine_distance(
    labels,
    predictions,
    axis=None,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
    dim=None,
):
    """Weighted ``1 - sum(labels * predictions, axis)``; both are assumed unit-normalised
    along ``axis`` (``dim`` is its deprecated name)."""
    from teachflow.ops import math_ops

    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _check_pair(labels, predictions)
    with name_scope(scope, "cosine_distance_loss", [predictions, labels, weights]) as scope:
        predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), dtypes.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        radial_diffs = math_ops.multiply(predictions, labels)
        losses = 1 - math_ops.reduce_sum(radial_diffs, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def _pairwise_loss(labels, predictions, weights, loss_collection):
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.special_math_ops import div_no_nan

    predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    diffs = math_ops.subtract(predictions, labels)
    axis = array_ops.range(1, array_ops.rank(diffs))
    sum_squares_diff_per_batch = math_ops.reduce_sum(
        math_ops.square(diffs), axis=axis, keepdims=True
    )
    num_present_per_batch = _num_present(diffs, weights, per_batch=True)
    term1 = 2.0 * div_no_nan(
        sum_squares_diff_per_batch,
        math_ops.maximum(num_present_per_batch - 1, 0),
        name="value",
    )
    sum_diff = math_ops.reduce_sum(diffs, axis=axis, keepdims=True)
    term2 = 2.0 * div_no_nan(
        math_ops.square(sum_diff),
        math_ops.maximum(math_ops.multiply(num_present_per_batch, num_present_per_batch - 1), 0),
        name="value",
    )
    loss = math_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
    mean_loss = math_ops.where(
        math_ops.reduce_sum(num_present_per_batch) > 0,
        loss,
        array_ops.zeros_like(loss),
        name="value",
    )
    add_loss(mean_loss, loss_collection)
    return mean_loss


def mean_pairwise_squared_error(
    labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES
):
    """The weighted sum over examples of the mean squared error between all pairwise
    differences of ``predictions`` and of ``labels`` within each example (axis 0 is the
    batch; ``weights`` is a scalar or one weight per example)."""
    from teachflow.ops import math_ops
    from teachflow.ops.weights_broadcast_ops import assert_broadcastable

    _check_pair(labels, predictions)
    with name_scope(scope, "mean_pairwise_squared_error", [predictions, labels, weights]):
        weights = math_ops.cast(weights, dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), dtypes.float32)
        with control_dependencies([assert_broadcastable(weights, labels)]):
            return _pairwise_loss(labels, predictions, weights, loss_collection)
