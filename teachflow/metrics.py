"""``tf.metrics``: streaming evaluation metrics kept in local variables (re-exports).

>>> import teachflow as tf
>>> value, update_op = tf.metrics.accuracy([1, 0], [1, 1])
>>> value.op.name, update_op.op.name
('accuracy/value', 'accuracy/update_op')
"""

from teachflow.ops.metrics_impl import (  # noqa: F401
    accuracy,
    false_negatives,
    false_positives,
    mean,
    mean_absolute_error,
    mean_squared_error,
    precision,
    recall,
    root_mean_squared_error,
    true_positives,
)
