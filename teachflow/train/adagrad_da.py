"""``tf.train.AdagradDAOptimizer``: Adagrad's dual averaging, for sparse linear models.

Two slots per variable: ``gradient_accumulator`` (``<var>/AdagradDA``, the sum of the
gradients) and ``gradient_squared_accumulator`` (``<var>/AdagradDA_1``, the sum of their
squares, starting at ``initial_gradient_squared_accumulator_value``). The weights are not
stepped but recomputed from the sums at each global step T (TF's ``ApplyAdagradDA``)::

    var = -sign(g) * lr * max(|g| - l1 * T, 0) / (l2 * T * lr + sqrt(gg))

so L1 keeps small weights at exactly zero. T is ``global_step + 1``, read before the step
increments it: the optimizer needs the global step from its constructor.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> step = tf.train.get_or_create_global_step()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.AdagradDAOptimizer(0.1, step)
    >>> train = opt.minimize(tf.reduce_sum(w * w), global_step=step)
    >>> opt.get_slot(w, "gradient_squared_accumulator").name, train.name
    ('w/AdagradDA_1:0', 'AdagradDA')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with, device
from teachflow.ops import math_ops
from teachflow.ops.constant_op import constant
from teachflow.ops.identity_ops import identity
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer

__all__ = ["AdagradDAOptimizer"]


class AdagradDAOptimizer(Optimizer):
    """Raises ValueError unless ``initial_gradient_squared_accumulator_value`` is > 0."""

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="AdagradDA"):  # fmt: skip
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(
                "initial_gradient_squared_accumulator_value must be positive: "
                f"{initial_gradient_squared_accumulator_value}"
            )
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_value = initial_gradient_squared_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength
        self._global_step = global_step
        self._learning_rate_tensor = self._global_step_on_worker = None

    def _create_slots(self, var_list):
        for v in var_list:
            with colocate_with(v):
                zeros = constant(0.0, shape=v.get_shape(), dtype=v.dtype.base_dtype)
                start = constant(self._initial_value, shape=v.get_shape(), dtype=v.dtype.base_dtype)
            self._get_or_make_slot(v, zeros, "gradient_accumulator", self._name)
            self._get_or_make_slot(v, start, "gradient_squared_accumulator", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(
            self._call_if_callable(self._learning_rate), name="learning_rate"
        )
        # T: the step this update makes, global_step + 1 (TF's _prepare).
        with colocate_with(self._learning_rate_tensor):
            self._global_step_on_worker = identity(self._global_step) + 1

    def _arguments(self, var):
        dtype = var.dtype.base_dtype
        with device(var.device):  # T read where the variable lives, as TF
            step = identity(self._global_step_on_worker)
        return (
            math_ops.cast(self._learning_rate_tensor, dtype),
            math_ops.cast(self._l1, dtype),
            math_ops.cast(self._l2, dtype),
            step,
        )

    def _apply_dense(self, grad, var):
        slots = (self.get_slot(var, "gradient_accumulator"),
                 self.get_slot(var, "gradient_squared_accumulator"))  # fmt: skip
        return training_ops.apply_adagrad_da(
            var, *slots, grad, *self._arguments(var), use_locking=self._use_locking
        ).op

    def _apply_sparse(self, grad, var):
        slots = (self.get_slot(var, "gradient_accumulator"),
                 self.get_slot(var, "gradient_squared_accumulator"))  # fmt: skip
        return sparse_training_ops.sparse_apply_adagrad_da(
            var, *slots, grad.values, grad.indices, *self._arguments(var),
            use_locking=self._use_locking,
        ).op  # fmt: skip
