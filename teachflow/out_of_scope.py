"""What ``tf.contrib`` and ``tf.estimator`` say: out of scope, and what to use instead.

TensorFlow removed ``tf.contrib`` in 2.0 and teachflow covers TF1's core API, so these names
raise AttributeError, naming the core replacement of the contrib calls TF1 programs use most:

    >>> import teachflow as tf
    >>> tf.contrib.layers.xavier_initializer()
    Traceback (most recent call last):
    ...
    AttributeError: tf.contrib is out of scope in teachflow (as in TensorFlow 2). Its usual calls have core equivalents: ...
"""

from __future__ import annotations

# contrib call -> the core API doing the same. xavier_initializer is glorot's distribution with
# the same draws (same seeds, same numbers); contrib's variance_scaling_initializer() is He's.
CONTRIB_EQUIVALENTS = {
    "tf.contrib.layers.xavier_initializer()": "tf.glorot_uniform_initializer()",
    "tf.contrib.layers.xavier_initializer(uniform=False)": "tf.glorot_normal_initializer()",
    "tf.contrib.layers.variance_scaling_initializer()": (
        "tf.variance_scaling_initializer(scale=2.0)"
    ),
    "tf.contrib.layers.fully_connected": "tf.layers.dense",
    "tf.contrib.layers.conv2d": "tf.layers.conv2d",
    "tf.contrib.layers.flatten": "tf.layers.flatten",
    "tf.contrib.layers.batch_norm": "tf.layers.batch_normalization",
    "tf.contrib.layers.l2_regularizer(scale)": "lambda w: scale * tf.nn.l2_loss(w)",
    "tf.contrib.rnn.<Cell>": "tf.nn.rnn_cell.<Cell>",
    "tf.contrib.rnn.static_rnn": "tf.nn.static_rnn",
    "tf.contrib.learn.datasets.load_dataset('mnist')": (
        "teachflow.examples.tutorials.mnist.input_data.read_data_sets"
    ),
}

ESTIMATOR = (
    "tf.estimator is out of scope in teachflow: train with a session loop, "
    "tf.train.MonitoredTrainingSession and its hooks, or a tf.train.Supervisor"
)


def contrib_message() -> str:
    pairs = "; ".join(f"{old} -> {new}" for old, new in CONTRIB_EQUIVALENTS.items())
    return (
        "tf.contrib is out of scope in teachflow (as in TensorFlow 2). Its usual calls have "
        f"core equivalents: {pairs}"
    )


def missing(module_name: str, name: str):
    """The AttributeError for ``name`` missing from ``module_name`` (a module's __getattr__)."""
    if name == "contrib":
        return AttributeError(contrib_message())
    if name == "estimator":
        return AttributeError(ESTIMATOR)
    return AttributeError(f"module {module_name!r} has no attribute {name!r}")
