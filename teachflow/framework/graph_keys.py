"""`GraphKeys`: the names of the standard collections a graph keeps, TensorFlow's spelling.

>>> import teachflow as tf
>>> v = tf.Variable(1.0, name="v")
>>> tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == [v]
True
"""

from __future__ import annotations


class GraphKeys:
    """Standard collection names, TensorFlow's spelling."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    SUMMARY_OP = "summary_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    VARIABLES = GLOBAL_VARIABLES
