"""``tf.train.GradientDescentOptimizer``: ``var -= learning_rate * grad``.

>>> import teachflow as tf
>>> tf.reset_default_graph()
>>> w = tf.Variable([1.0, 2.0], name="w")
>>> train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.add_n([w, w]))
>>> train.name, train.type
('GradientDescent', 'NoOp')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import math_ops, scatter_ops
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.train import training_ops
from teachflow.train.optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent; ``learning_rate`` may be a float, a tensor or a callable."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        lr = self._call_if_callable(self._learning_rate)
        self._learning_rate_tensor = convert_to_tensor(lr, name="learning_rate")

    def _apply_dense(self, grad, var):
        lr = math_ops.cast(self._learning_rate_tensor, var.dtype.base_dtype)
        return training_ops.apply_gradient_descent(var, lr, grad, use_locking=self._use_locking).op

    def _apply_sparse_duplicate_indices(self, grad, var):
        # ScatterSub subtracts a repeated row once per index: no need to sum them first.
        lr = math_ops.cast(self._learning_rate_tensor, var.dtype.base_dtype)
        delta = IndexedSlices(grad.values * lr, grad.indices, grad.dense_shape)
        return scatter_ops.scatter_sub(
            var, delta.indices, delta.values, use_locking=self._use_locking
        )
