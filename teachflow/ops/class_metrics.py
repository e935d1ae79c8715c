"""Streaming metrics of a multi-class classifier that weigh every class alike.

Plain accuracy is dominated by the common classes. These metrics keep one running sum per
class instead, and average the per-class scores at the end:

* ``mean_per_class_accuracy``: per class, the fraction of its examples predicted right
  (local variables ``mean_accuracy/total`` and ``mean_accuracy/count``, one entry a class);
* ``mean_iou``: per class, intersection over union of the labelled and predicted sets,
  read from a streaming confusion matrix (``mean_iou/total_confusion_matrix``, float64),
  the standard score of semantic segmentation.

    >>> import teachflow as tf
    >>> iou, update = tf.metrics.mean_iou([0, 0, 1, 1], [0, 1, 1, 1], num_classes=2)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     _ = sess.run(update)
    ...     print(round(float(sess.run(iou)), 4))
    0.5833
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import array_ops, math_ops, state_ops
from teachflow.ops.confusion_matrix_ops import confusion_matrix
from teachflow.ops.diag_ops import diag_part
from teachflow.ops.metrics_impl import _collect, metric_variable
from teachflow.ops.scatter_ops import scatter_add
from teachflow.ops.special_math_ops import div_no_nan
from teachflow.ops.variable_scope import variable_scope

__all__ = ["mean_iou", "mean_per_class_accuracy"]


def _flat(t):
    return array_ops.reshape(t, [-1]) if t.shape.ndims > 1 else t


def mean_per_class_accuracy(
    labels,
    predictions,
    num_classes,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The mean over classes of each class's accuracy (recall): ``(value, update_op)``.

    A class never seen counts as accuracy 0 in the mean, as in TF.

    >>> import teachflow as tf
    >>> acc, update = tf.metrics.mean_per_class_accuracy([0, 0, 0, 1], [0, 0, 1, 1], 2)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(sess.run(update))  # per class, TF's update op
    ...     print(round(float(sess.run(acc)), 4))
    [0.6666667 1.       ]
    0.8333
    """
    with variable_scope(name, "mean_accuracy", (predictions, labels, weights)):
        labels = _flat(math_ops.cast(labels, dtypes.int64))
        predictions = _flat(convert_to_tensor(predictions))
        predictions.shape.assert_is_compatible_with(labels.shape)
        total = metric_variable([num_classes], dtypes.float32, name="total")
        count = metric_variable([num_classes], dtypes.float32, name="count")
        ones = array_ops.ones([array_ops.size(labels)], dtypes.float32)
        if labels.dtype != predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = _flat(convert_to_tensor(weights))
            weights = math_ops.cast(weights, dtypes.float32)
            is_correct *= weights
            ones *= weights
        # Each example adds to its *label's* row: total counts examples, count the right ones.
        update_total_op = scatter_add(total, labels, ones)
        update_count_op = scatter_add(count, labels, is_correct)
        per_class_accuracy = div_no_nan(count, math_ops.maximum(total, 0), name=None)
        value = math_ops.reduce_mean(per_class_accuracy, name="mean_accuracy")
        update_op = div_no_nan(
            update_count_op, math_ops.maximum(update_total_op, 0), name="update_op"
        )
        return _collect(metrics_collections, value), _collect(updates_collections, update_op)


def _streaming_confusion_matrix(labels, predictions, num_classes, weights=None):
    """A float64 ``[num_classes, num_classes]`` running confusion matrix and its update."""
    total_cm = metric_variable(
        [num_classes, num_classes], dtypes.float64, name="total_confusion_matrix"
    )
    predictions = _flat(math_ops.cast(predictions, dtypes.int64))
    labels = _flat(math_ops.cast(labels, dtypes.int64))
    num_classes = math_ops.cast(num_classes, dtypes.int64)
    if weights is not None:
        weights = convert_to_tensor(weights)
        if weights.shape.ndims > 1:
            weights = array_ops.reshape(weights, [-1])
    current_cm = confusion_matrix(
        labels, predictions, num_classes, weights=weights, dtype=dtypes.float64
    )
    return total_cm, state_ops.assign_add(total_cm, current_cm)


def mean_iou(
    labels,
    predictions,
    num_classes,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The mean over classes of ``tp / (tp + fp + fn)``: ``(mean_iou, update_op)``.

    Only classes that appear in a label or a prediction enter the mean. Note that
    ``update_op`` gives the updated confusion matrix, not the IoU (TF's contract).
    """
    with variable_scope(name, "mean_iou", (predictions, labels, weights)):
        predictions, labels = convert_to_tensor(predictions), convert_to_tensor(labels)
        predictions.shape.assert_is_compatible_with(labels.shape)
        total_cm, update_op = _streaming_confusion_matrix(labels, predictions, num_classes, weights)
        sum_over_row = math_ops.cast(math_ops.reduce_sum(total_cm, 0), dtypes.float32)
        sum_over_col = math_ops.cast(math_ops.reduce_sum(total_cm, 1), dtypes.float32)
        cm_diag = math_ops.cast(diag_part(total_cm), dtypes.float32)
        denominator = sum_over_row + sum_over_col - cm_diag
        num_valid_entries = math_ops.reduce_sum(
            math_ops.cast(math_ops.not_equal(denominator, 0), dtype=dtypes.float32)
        )
        # A class absent from labels and predictions has 0/0; divide by 1 and leave it out.
        denominator = math_ops.where(
            math_ops.greater(denominator, 0), denominator, array_ops.ones_like(denominator)
        )
        iou = math_ops.divide(cm_diag, denominator)
        value = math_ops.where(
            math_ops.greater(num_valid_entries, 0),
            math_ops.reduce_sum(iou, name="mean_iou") / num_valid_entries,
            0,
        )
        return _collect(metrics_collections, value), _collect(updates_collections, update_op)
