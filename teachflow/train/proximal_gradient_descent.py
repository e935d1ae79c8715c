"""``tf.train.ProximalGradientDescentOptimizer``: gradient descent with L1/L2 (FOBOS).

No slots. Each step takes a plain gradient step, then applies the proximal operator of
``l1 * |w| + l2 / 2 * w**2`` (TF's ``ApplyProximalGradientDescent``)::

    prox = var - learning_rate * grad
    var = sign(prox) * max(|prox| - learning_rate * l1, 0) / (1 + learning_rate * l2)

so an L1 strength drives small weights to exactly zero.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 0.01], name="w")
    >>> opt = tf.train.ProximalGradientDescentOptimizer(0.5, l1_regularization_strength=0.1)
    >>> train = opt.minimize(tf.reduce_sum(w * 0.0))
    >>> with tf.Session() as sess:
    ...     sess.run(w.initializer)
    ...     sess.run(train)
    ...     print(sess.run(w))
    [0.95 0.  ]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import math_ops
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class ProximalGradientDescentOptimizer(Optimizer):
    """Gradient descent followed by TF's L1 soft threshold and L2 shrinkage."""

    def __init__(
        self,
        learning_rate,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        use_locking=False,
        name="ProximalGradientDescent",
    ):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._learning_rate_tensor = self._l1_tensor = self._l2_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(
            self._call_if_callable(self._learning_rate), name="learning_rate"
        )
        self._l1_tensor = convert_to_tensor(
            self._l1_regularization_strength, name="l1_regularization_strength"
        )
        self._l2_tensor = convert_to_tensor(
            self._l2_regularization_strength, name="l2_regularization_strength"
        )

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return training_ops.apply_proximal_gradient_descent(
            var,
            math_ops.cast(self._learning_rate_tensor, dtype),
            math_ops.cast(self._l1_tensor, dtype),
            math_ops.cast(self._l2_tensor, dtype),
            grad,
            use_locking=self._use_locking,
        ).op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        return sparse_training_ops.sparse_apply_proximal_gradient_descent(
            var,
            math_ops.cast(self._learning_rate_tensor, dtype),
            math_ops.cast(self._l1_tensor, dtype),
            math_ops.cast(self._l2_tensor, dtype),
            grad.values,
            grad.indices,
            use_locking=self._use_locking,
        ).op
