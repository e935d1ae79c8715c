"""``tf.train.AdadeltaOptimizer``: steps sized by past steps, not by a learning rate alone.

Two slots per variable, both starting at zeros: ``accum`` (``<var>/Adadelta``), a running
mean of squared gradients, and ``accum_update`` (``<var>/Adadelta_1``), a running mean of
squared updates. Each step (Zeiler 2012, as TF's ``ApplyAdadelta`` kernel)::

    accum = rho * accum + (1 - rho) * grad**2
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
    var -= learning_rate * update
    accum_update = rho * accum_update + (1 - rho) * update**2

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.AdadeltaOptimizer(1.0)
    >>> train = opt.minimize(tf.reduce_sum(w * w))
    >>> opt.get_slot_names(), train.name, opt.get_slot(w, "accum_update").name
    (['accum', 'accum_update'], 'Adadelta', 'w/Adadelta_1:0')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import math_ops
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class AdadeltaOptimizer(Optimizer):
    """Adadelta with TF1's defaults (``learning_rate=0.001``, ``rho=0.95``, ``epsilon=1e-8``)."""

    def __init__(
        self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False, name="Adadelta"
    ):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon
        self._lr_t = self._rho_t = self._epsilon_t = None

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        value = self._call_if_callable
        self._lr_t = convert_to_tensor(value(self._lr), name="lr")
        self._rho_t = convert_to_tensor(value(self._rho), name="rho")
        self._epsilon_t = convert_to_tensor(value(self._epsilon), name="epsilon")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return training_ops.apply_adadelta(
            var,
            self.get_slot(var, "accum"),
            self.get_slot(var, "accum_update"),
            math_ops.cast(self._lr_t, dtype),
            math_ops.cast(self._rho_t, dtype),
            math_ops.cast(self._epsilon_t, dtype),
            grad,
            use_locking=self._use_locking,
        ).op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        return sparse_training_ops.sparse_apply_adadelta(
            var,
            self.get_slot(var, "accum"),
            self.get_slot(var, "accum_update"),
            math_ops.cast(self._lr_t, dtype),
            math_ops.cast(self._rho_t, dtype),
            math_ops.cast(self._epsilon_t, dtype),
            grad.values,
            grad.indices,
            use_locking=self._use_locking,
        ).op
