"""Streaming metrics (``tf.metrics``): a value accumulated over many ``sess.run`` calls.

Each metric keeps its running sums in *local* variables (collections ``LOCAL_VARIABLES``
and ``METRIC_VARIABLES``, not trainable, not saved by a default ``Saver``) and returns two
tensors: the metric's current value, read from those variables, and an update op that adds
one batch and gives the value after it. Initialize them with
``tf.local_variables_initializer()``; running it again starts a fresh evaluation.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None])
    >>> mean, update = tf.metrics.mean(x)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     _ = sess.run(update, {x: [1.0, 2.0]})
    ...     _ = sess.run(update, {x: [6.0]})
    ...     print(sess.run(mean))
    3.0

The graphs follow TensorFlow's ``metrics_impl.py`` op for op (``mean/total``,
``mean/count``, ``mean/value``, ``mean/update_op``), so a program's names are TF's.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.scopes import add_to_collections, control_dependencies
from teachflow.framework.shapes import dimension_value
from teachflow.ops import array_ops, math_ops, state_ops
from teachflow.ops.special_math_ops import div_no_nan
from teachflow.ops.variable_scope import variable_scope
from teachflow.ops.variables import Variable
from teachflow.ops.weights_broadcast_ops import broadcast_weights

__all__ = [
    "accuracy",
    "false_negatives",
    "false_positives",
    "mean",
    "mean_absolute_error",
    "mean_cosine_distance",
    "mean_relative_error",
    "mean_squared_error",
    "mean_tensor",
    "percentage_below",
    "precision",
    "recall",
    "root_mean_squared_error",
    "true_negatives",
    "true_positives",
]


def metric_variable(shape, dtype, name=None):
    """A zero-initialized running sum: local, a metric variable, not trainable."""
    return Variable(
        lambda: array_ops.zeros(shape, dtype),
        trainable=False,
        collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
        name=name,
    )


def _squeeze_last(a, b):
    """Drop a trailing size-1 axis from whichever of ``a``/``b`` has one rank too many
    (labels ``[batch, 1]`` against predictions ``[batch]``), as TF's metrics do."""
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is not None and rb is not None:
        if ra == rb + 1 and a.shape[-1] == 1:
            a = array_ops.squeeze(a, [-1])
        elif rb == ra + 1 and dimension_value(b.shape[-1]) == 1:
            b = array_ops.squeeze(b, [-1])
    return a, b


def _match_weights(weights, values):
    """Squeeze or expand ``weights`` by one axis to ``values``' rank; a scalar stays one
    (TF's ``_remove_squeezable_dimensions`` with static ranks)."""
    wr, vr = weights.shape.ndims, values.shape.ndims
    if wr == 0 or wr is None or vr is None:
        return weights
    if wr - vr == 1:
        return array_ops.squeeze(weights, [-1])
    if vr - wr == 1:
        return array_ops.expand_dims(weights, [-1])
    return weights


def _collect(collections, tensor):
    if collections:
        add_to_collections(collections, tensor)
    return tensor


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen so far: ``total / count``.

    Returns ``(mean, update_op)``; ``update_op`` adds a batch and gives the new mean.
    """
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total_op = state_ops.assign_add(total, math_ops.reduce_sum(values))
        # The count waits for the values, so the two sums always describe the same batches.
        with control_dependencies([values]):
            update_count_op = state_ops.assign_add(count, num_values)
        mean_t = div_no_nan(total, math_ops.maximum(count, 0), name="value")
        update_op = div_no_nan(
            update_total_op, math_ops.maximum(update_count_op, 0), name="update_op"
        )
        _collect(metrics_collections, mean_t)
        _collect(updates_collections, update_op)
        return mean_t, update_op


def accuracy(
    labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """How often ``predictions`` equals ``labels``: the mean of ``equal`` as floats.

    >>> import teachflow as tf
    >>> acc, update = tf.metrics.accuracy([1, 2, 3], [1, 0, 3])
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(round(float(sess.run(update)), 4))
    0.6667
    """
    predictions, labels = _squeeze_last(convert_to_tensor(predictions), convert_to_tensor(labels))
    predictions.shape.assert_is_compatible_with(labels.shape)
    if labels.dtype != predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def _float_pair(labels, predictions):
    predictions, labels = _squeeze_last(convert_to_tensor(predictions), convert_to_tensor(labels))
    predictions.shape.assert_is_compatible_with(labels.shape)
    return math_ops.cast(labels, dtypes.float32), math_ops.cast(predictions, dtypes.float32)


def mean_absolute_error(
    labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """The mean of ``|predictions - labels|`` over every element seen."""
    labels, predictions = _float_pair(labels, predictions)
    errors = math_ops.abs(predictions - labels)
    return mean(
        errors, weights, metrics_collections, updates_collections, name or "mean_absolute_error"
    )


def mean_squared_error(
    labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """The mean of ``(labels - predictions)**2`` over every element seen."""
    labels, predictions = _float_pair(labels, predictions)
    squared_error = math_ops.squared_difference(labels, predictions)
    return mean(
        squared_error,
        weights,
        metrics_collections,
        updates_collections,
        name or "mean_squared_error",
    )


def root_mean_squared_error(
    labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """The square root of the streaming mean squared error."""
    labels, predictions = _float_pair(labels, predictions)
    mse, update_mse_op = mean_squared_error(
        labels, predictions, weights, None, None, name or "root_mean_squared_error"
    )
    rmse = _collect(metrics_collections, math_ops.sqrt(mse))
    update_rmse_op = _collect(updates_collections, math_ops.sqrt(update_mse_op))
    return rmse, update_rmse_op


def mean_tensor(
    values, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """The elementwise (weighted) mean of ``values`` over batches: a tensor shaped like
    one batch, kept in ``mean/total_tensor`` and ``mean/count_tensor``."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable(values.shape, dtypes.float32, name="total_tensor")
        count = metric_variable(values.shape, dtypes.float32, name="count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            weights = _match_weights(convert_to_tensor(weights), values)
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total_op = state_ops.assign_add(total, values)
        with control_dependencies([values]):
            update_count_op = state_ops.assign_add(count, num_values)
        mean_t = div_no_nan(total, math_ops.maximum(count, 0), name="value")
        update_op = div_no_nan(
            update_total_op, math_ops.maximum(update_count_op, 0), name="update_op"
        )
        return _collect(metrics_collections, mean_t), _collect(updates_collections, update_op)


def percentage_below(
    values, threshold, weights=None, metrics_collections=None, updates_collections=None, name=None
):
    """The (weighted) fraction of values seen that are below ``threshold``."""
    is_below = math_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(
        is_below,
        weights,
        metrics_collections,
        updates_collections,
        name or "percentage_below_threshold",
    )


def mean_relative_error(
    labels,
    predictions,
    normalizer,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The mean of ``|labels - predictions| / normalizer``, 0 where the normalizer is 0."""
    predictions, labels = _squeeze_last(convert_to_tensor(predictions), convert_to_tensor(labels))
    predictions.shape.assert_is_compatible_with(labels.shape)
    predictions, normalizer = _squeeze_last(predictions, convert_to_tensor(normalizer))
    predictions.shape.assert_is_compatible_with(normalizer.shape)
    relative_errors = math_ops.where(
        math_ops.equal(normalizer, 0.0),
        array_ops.zeros_like(labels),
        math_ops.divide(math_ops.abs(labels - predictions), normalizer),
    )
    return mean(
        relative_errors,
        weights,
        metrics_collections,
        updates_collections,
        name or "mean_relative_error",
    )


def mean_cosine_distance(
    labels,
    predictions,
    dim,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """``1 -`` the mean dot product of unit-normalized ``labels`` and ``predictions``
    along axis ``dim`` (the inputs must already be normalized, as in TF)."""
    predictions, labels = _squeeze_last(convert_to_tensor(predictions), convert_to_tensor(labels))
    predictions.shape.assert_is_compatible_with(labels.shape)
    radial_diffs = math_ops.reduce_sum(
        math_ops.multiply(predictions, labels), axis=[dim], keepdims=True
    )
    mean_distance, update_op = mean(
        radial_diffs, weights, None, None, name or "mean_cosine_distance"
    )
    mean_distance = _collect(metrics_collections, math_ops.subtract(1.0, mean_distance))
    update_op = _collect(updates_collections, math_ops.subtract(1.0, update_op))
    return mean_distance, update_op


# -- counts of a condition: the confusion-matrix cells of a binary classifier ----------------------
def _count_condition(values, weights, metrics_collections, updates_collections):
    count = metric_variable([], dtypes.float32, name="count")
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, dtypes.float32))
    value_tensor = _collect(metrics_collections, array_ops.identity(count))
    update_op = _collect(
        updates_collections, state_ops.assign_add(count, math_ops.reduce_sum(values))
    )
    return value_tensor, update_op


def _bool_pair(labels, predictions):
    predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.bool_)
    labels = math_ops.cast(convert_to_tensor(labels), dtypes.bool_)
    predictions, labels = _squeeze_last(predictions, labels)
    return labels, predictions


def _condition_metric(default_name, label_value, prediction_value):
    def metric(
        labels,
        predictions,
        weights=None,
        metrics_collections=None,
        updates_collections=None,
        name=None,
    ):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            labels, predictions = _bool_pair(labels, predictions)
            is_condition = math_ops.logical_and(
                math_ops.equal(labels, label_value), math_ops.equal(predictions, prediction_value)
            )
            return _count_condition(is_condition, weights, metrics_collections, updates_collections)

    metric.__name__ = default_name
    metric.__doc__ = (
        f"The (weighted) number of elements with label {label_value} predicted "
        f"{prediction_value}: ``(count, update_op)``."
    )
    return metric


true_positives = _condition_metric("true_positives", True, True)
false_positives = _condition_metric("false_positives", False, True)
false_negatives = _condition_metric("false_negatives", True, False)
true_negatives = _condition_metric("true_negatives", False, False)


def _ratio(hits, misses, name):
    """``hits / (hits + misses)``, 0 while nothing was counted (TF's ``where``)."""
    return math_ops.where(
        math_ops.greater(hits + misses, 0), math_ops.divide(hits, hits + misses), 0, name
    )


def _ratio_metric(default_name, miss_metric, doc):
    def metric(
        labels,
        predictions,
        weights=None,
        metrics_collections=None,
        updates_collections=None,
        name=None,
    ):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            labels, predictions = _bool_pair(labels, predictions)
            hits, hits_update = true_positives(labels, predictions, weights)
            misses, misses_update = miss_metric(labels, predictions, weights)
            value = _collect(metrics_collections, _ratio(hits, misses, "value"))
            update_op = _collect(
                updates_collections, _ratio(hits_update, misses_update, "update_op")
            )
            return value, update_op

    metric.__name__ = default_name
    metric.__doc__ = doc
    return metric


precision = _ratio_metric(
    "precision",
    false_positives,
    "Of the elements predicted True, the fraction labelled True: ``(precision, update_op)``.",
)
recall = _ratio_metric(
    "recall",
    false_negatives,
    "Of the elements labelled True, the fraction predicted True: ``(recall, update_op)``.",
)
