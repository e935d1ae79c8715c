"""``tf.train.RMSPropOptimizer``: divide each step by a running RMS of recent gradients.

Slots: ``rms`` (``<var>/RMSProp``, starts at ones), optionally ``mg`` for the centered
variant (a running mean of the gradient), and ``momentum``. Each step::

    rms = decay * rms + (1 - decay) * grad**2
    mom = momentum * mom + learning_rate * grad / sqrt(rms + epsilon)
    var -= mom

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.RMSPropOptimizer(0.1)
    >>> train = opt.minimize(tf.add_n([w, w]))
    >>> opt.get_slot_names(), opt.get_slot(w, "rms").name
    (['momentum', 'rms'], 'w/RMSProp:0')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import array_ops, math_ops
from teachflow.train import slot_creator, sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class RMSPropOptimizer(Optimizer):
    """RMSProp as TF1 implements it (``decay`` is the moving-average factor ``rho``)."""

    def __init__(
        self,
        learning_rate,
        decay=0.9,
        momentum=0.0,
        epsilon=1e-10,
        use_locking=False,
        centered=False,
        name="RMSProp",
    ):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered
        self._learning_rate_tensor = self._decay_tensor = None
        self._momentum_tensor = self._epsilon_tensor = None

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            if v.get_shape().is_fully_defined():
                self._get_or_make_slot_with_initializer(
                    v, slot_creator.ones_initializer, v.get_shape(), dtype, "rms", self._name
                )
            else:
                self._get_or_make_slot(v, array_ops.ones_like(v), "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        value = self._call_if_callable
        self._learning_rate_tensor = convert_to_tensor(
            value(self._learning_rate), name="learning_rate"
        )
        self._decay_tensor = convert_to_tensor(value(self._decay), name="decay")
        self._momentum_tensor = convert_to_tensor(value(self._momentum), name="momentum")
        self._epsilon_tensor = convert_to_tensor(value(self._epsilon), name="epsilon")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        hyper = [
            math_ops.cast(t, dtype)
            for t in (
                self._learning_rate_tensor,
                self._decay_tensor,
                self._momentum_tensor,
                self._epsilon_tensor,
            )
        ]
        rms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum")
        if self._centered:
            mg = self.get_slot(var, "mg")
            return training_ops.apply_centered_rms_prop(
                var, mg, rms, mom, *hyper, grad, use_locking=self._use_locking
            ).op
        return training_ops.apply_rms_prop(
            var, rms, mom, *hyper, grad, use_locking=self._use_locking
        ).op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        hyper = [
            math_ops.cast(t, dtype)
            for t in (
                self._learning_rate_tensor,
                self._decay_tensor,
                self._momentum_tensor,
                self._epsilon_tensor,
            )
        ]
        rms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum")
        rows = (grad.values, grad.indices)
        if self._centered:
            mg = self.get_slot(var, "mg")
            return sparse_training_ops.sparse_apply_centered_rms_prop(
                var, mg, rms, mom, *hyper, *rows, use_locking=self._use_locking
            ).op
        return sparse_training_ops.sparse_apply_rms_prop(
            var, rms, mom, *hyper, *rows, use_locking=self._use_locking
        ).op
