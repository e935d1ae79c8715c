"""``tf.train.AdagradOptimizer``: per-coordinate steps shrinking with the summed squares.

The slot ``accumulator`` (``<var>/Adagrad``) starts at ``initial_accumulator_value``;
each step ``accum += grad**2; var -= learning_rate * grad / sqrt(accum)``.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.AdagradOptimizer(0.1)
    >>> train = opt.minimize(tf.add_n([w, w]))
    >>> opt.get_slot(w, "accumulator").name
    'w/Adagrad:0'
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import array_ops, math_ops
from teachflow.train import slot_creator, sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class AdagradOptimizer(Optimizer):
    """Adagrad (Duchi et al.); raises ValueError unless the initial accumulator is > 0."""

    def __init__(
        self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"
    ):
        if initial_accumulator_value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}"
            )
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._learning_rate_tensor = None

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            if v.get_shape().is_fully_defined():
                init = slot_creator.constant_initializer(self._initial_accumulator_value)
                self._get_or_make_slot_with_initializer(
                    v, init, v.get_shape(), dtype, "accumulator", self._name
                )
            else:
                value = array_ops.fill(
                    array_ops.shape(v.initialized_value()),
                    convert_to_tensor(self._initial_accumulator_value, dtype=dtype),
                )
                self._get_or_make_slot(v, value, "accumulator", self._name)

    def _prepare(self):
        lr = self._call_if_callable(self._learning_rate)
        self._learning_rate_tensor = convert_to_tensor(lr, name="learning_rate")

    def _apply_dense(self, grad, var):
        lr = math_ops.cast(self._learning_rate_tensor, var.dtype.base_dtype)
        accum = self.get_slot(var, "accumulator")
        return training_ops.apply_adagrad(var, accum, lr, grad, use_locking=self._use_locking).op

    def _apply_sparse(self, grad, var):
        lr = math_ops.cast(self._learning_rate_tensor, var.dtype.base_dtype)
        accum = self.get_slot(var, "accumulator")
        return sparse_training_ops.sparse_apply_adagrad(
            var, accum, lr, grad.values, grad.indices, use_locking=self._use_locking
        ).op
