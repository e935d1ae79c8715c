"""``tf.train.MomentumOptimizer``: a velocity per variable that remembers past gradients.

Each step: ``accum = momentum * accum + grad; var -= learning_rate * accum``. The
accumulator is the slot ``"momentum"``, a variable named ``<var>/Momentum``.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable(1.0, name="w")
    >>> opt = tf.train.MomentumOptimizer(0.1, momentum=0.9)
    >>> train = opt.minimize(w * w)
    >>> opt.get_slot_names(), opt.get_slot(w, "momentum").name
    (['momentum'], 'w/Momentum:0')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import math_ops
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class MomentumOptimizer(Optimizer):
    """Momentum (optionally Nesterov) SGD, TF1's update rule."""

    def __init__(
        self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False
    ):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov
        self._learning_rate_tensor = None
        self._momentum_tensor = None

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        lr = self._call_if_callable(self._learning_rate)
        self._learning_rate_tensor = convert_to_tensor(lr, name="learning_rate")
        momentum = self._call_if_callable(self._momentum)
        self._momentum_tensor = convert_to_tensor(momentum, name="momentum")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return training_ops.apply_momentum(
            var,
            self.get_slot(var, "momentum"),
            math_ops.cast(self._learning_rate_tensor, dtype),
            grad,
            math_ops.cast(self._momentum_tensor, dtype),
            use_locking=self._use_locking,
            use_nesterov=self._use_nesterov,
        ).op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        return sparse_training_ops.sparse_apply_momentum(
            var,
            self.get_slot(var, "momentum"),
            math_ops.cast(self._learning_rate_tensor, dtype),
            grad.values,
            grad.indices,
            math_ops.cast(self._momentum_tensor, dtype),
            use_locking=self._use_locking,
            use_nesterov=self._use_nesterov,
        ).op
