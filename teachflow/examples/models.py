"""The models the examples train: a softmax classifier and a small MLP, built in pieces so
an example can put each piece where it wants (a variable on a ps task, a layer on a GPU).

Initial weights come from NumPy with a seed, so every run starts from the same point.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> model = SoftmaxModel(num_features=2, num_classes=3)
    >>> x, y = placeholders(2)
    >>> logits = model.logits(x)
    >>> logits.shape.as_list(), [v.op.name for v in model.variables]
    ([None, 3], ['softmax/weights', 'softmax/biases'])
"""

from __future__ import annotations

import numpy as np

import teachflow as tf

__all__ = ["MLPLayer", "SoftmaxModel", "accuracy_of", "loss_of", "placeholders"]


def placeholders(num_features):
    """``x`` (float32 ``[batch, num_features]``) and ``y`` (int32 labels ``[batch]``)."""
    x = tf.placeholder(tf.float32, [None, num_features], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    return x, y


def loss_of(logits, labels):
    """Mean cross-entropy of the softmax of ``logits`` against integer ``labels``."""
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.reduce_mean(xent, name="loss")


def accuracy_of(logits, labels):
    """Fraction of rows whose largest logit is the label's."""
    right = tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), labels)
    return tf.reduce_mean(tf.cast(right, tf.float32), name="accuracy")


class SoftmaxModel:
    """``logits = x @ weights + biases``: one linear layer (zeros to start, as usual)."""

    def __init__(self, num_features, num_classes, name="softmax"):
        with tf.variable_scope(name):
            self.weights = tf.Variable(
                np.zeros((num_features, num_classes), np.float32), name="weights"
            )
            self.biases = tf.Variable(np.zeros(num_classes, np.float32), name="biases")
        self.variables = [self.weights, self.biases]

    def logits(self, x):
        return tf.matmul(x, self.weights) + self.biases


class MLPLayer:
    """``activation(x @ weights + biases)`` with He-scaled seeded random weights."""

    def __init__(self, num_inputs, num_units, name, activation=tf.nn.relu, seed=0):
        rng = np.random.default_rng(seed)
        w = rng.normal(0.0, np.sqrt(2.0 / num_inputs), (num_inputs, num_units))
        with tf.variable_scope(name):
            self.weights = tf.Variable(w.astype(np.float32), name="weights")
            self.biases = tf.Variable(np.zeros(num_units, np.float32), name="biases")
        self.activation = activation
        self.variables = [self.weights, self.biases]

    def __call__(self, x):
        z = tf.matmul(x, self.weights) + self.biases
        return z if self.activation is None else self.activation(z)
