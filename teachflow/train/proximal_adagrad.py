"""``tf.train.ProximalAdagradOptimizer``: Adagrad's rates with L1/L2 proximal steps.

The slot ``accumulator`` (``<var>/ProximalAdagrad``) starts at ``initial_accumulator_value``.
Each step (TF's ``ApplyProximalAdagrad``)::

    accum += grad**2
    rate = learning_rate / sqrt(accum)
    prox = var - rate * grad
    var = sign(prox) * max(|prox| - rate * l1, 0) / (1 + rate * l2)

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.ProximalAdagradOptimizer(0.1, l1_regularization_strength=0.01)
    >>> train = opt.minimize(tf.reduce_sum(w * w))
    >>> opt.get_slot(w, "accumulator").name, train.name
    ('w/ProximalAdagrad:0', 'ProximalAdagrad')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with
from teachflow.ops import math_ops
from teachflow.ops.constant_op import constant
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class ProximalAdagradOptimizer(Optimizer):
    """Raises ValueError unless ``initial_accumulator_value`` is > 0 (as TF does)."""

    def __init__(
        self,
        learning_rate,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        use_locking=False,
        name="ProximalAdagrad",
    ):
        if initial_accumulator_value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}"
            )
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._learning_rate_tensor = self._l1_tensor = self._l2_tensor = None

    def _create_slots(self, var_list):
        for v in var_list:
            # TF builds the initial value as a root-scope constant next to the variable
            # (``Const_1``), not as a slot initializer.
            with colocate_with(v):
                val = constant(
                    self._initial_accumulator_value,
                    shape=v.get_shape(),
                    dtype=v.dtype.base_dtype,
                )
            self._get_or_make_slot(v, val, "accumulator", self._name)

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
        return training_ops.apply_proximal_adagrad(
            var,
            self.get_slot(var, "accumulator"),
            math_ops.cast(self._learning_rate_tensor, dtype),
            math_ops.cast(self._l1_tensor, dtype),
            math_ops.cast(self._l2_tensor, dtype),
            grad,
            use_locking=self._use_locking,
        ).op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        return sparse_training_ops.sparse_apply_proximal_adagrad(
            var,
            self.get_slot(var, "accumulator"),
            math_ops.cast(self._learning_rate_tensor, dtype),
            math_ops.cast(self._l1_tensor, dtype),
            math_ops.cast(self._l2_tensor, dtype),
            grad.values,
            grad.indices,
            use_locking=self._use_locking,
        ).op
