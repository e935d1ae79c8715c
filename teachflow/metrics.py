"""``tf.metrics``: streaming evaluation metrics kept in local variables (re-exports).

>>> import teachflow as tf
>>> value, update_op = tf.metrics.accuracy([1, 0], [1, 1])
>>> value.op.name, update_op.op.name
('accuracy/value', 'accuracy/update_op')
"""

from teachflow.ops.class_metrics import mean_iou, mean_per_class_accuracy  # noqa: F401
from teachflow.ops.metrics_impl import (  # noqa: F401
    accuracy,
    false_negatives,
    false_positives,
    mean,
    mean_absolute_error,
    mean_cosine_distance,
    mean_relative_error,
    mean_squared_error,
    mean_tensor,
    percentage_below,
    precision,
    recall,
    root_mean_squared_error,
    true_negatives,
    true_positives,
)
from teachflow.ops.ranking_metrics import (  # noqa: F401
    average_precision_at_k,
    precision_at_k,
    precision_at_top_k,
    recall_at_k,
    recall_at_top_k,
    sparse_average_precision_at_k,
    sparse_precision_at_k,
)
from teachflow.ops.threshold_metrics import (  # noqa: F401
    auc,
    false_negatives_at_thresholds,
    false_positives_at_thresholds,
    precision_at_thresholds,
    recall_at_thresholds,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
    true_negatives_at_thresholds,
    true_positives_at_thresholds,
)
