"""``tf.train.AdamOptimizer``: per-variable running means of the gradient and its square.

Slots ``m`` (``<var>/Adam``) and ``v`` (``<var>/Adam_1``) hold the moving averages; two
non-slot variables ``beta1_power`` and ``beta2_power`` (``beta^t``, colocated with the
first variable by name) correct their bias. After all variables are updated, the train
op multiplies the powers by ``beta1`` and ``beta2``.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable(1.0, name="w")
    >>> opt = tf.train.AdamOptimizer(0.1)
    >>> train = opt.minimize(w * w)
    >>> [v.op.name for v in opt.variables()]
    ['beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1']
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with, control_dependencies
from teachflow.ops import control_flow_ops, math_ops, scatter_ops, state_ops
from teachflow.train import training_ops
from teachflow.train.optimizer import Optimizer


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba), with TF1's hyperparameter defaults and update kernel."""

    def __init__(
        self,
        learning_rate=0.001,
        beta1=0.9,
        beta2=0.999,
        epsilon=1e-8,
        use_locking=False,
        name="Adam",
    ):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon
        self._lr_t = self._beta1_t = self._beta2_t = self._epsilon_t = None

    def _get_beta_accumulators(self):
        return (
            self._get_non_slot_variable("beta1_power"),
            self._get_non_slot_variable("beta2_power"),
        )

    def _create_slots(self, var_list):
        # The beta powers live next to the first variable by name, so every worker puts
        # them on the same parameter server.
        first_var = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first_var)
        self._create_non_slot_variable(self._beta2, "beta2_power", first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._call_if_callable(self._lr), name="learning_rate")
        self._beta1_t = convert_to_tensor(self._call_if_callable(self._beta1), name="beta1")
        self._beta2_t = convert_to_tensor(self._call_if_callable(self._beta2), name="beta2")
        self._epsilon_t = convert_to_tensor(self._call_if_callable(self._epsilon), name="epsilon")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        return training_ops.apply_adam(
            var,
            self.get_slot(var, "m"),
            self.get_slot(var, "v"),
            math_ops.cast(beta1_power, dtype),
            math_ops.cast(beta2_power, dtype),
            math_ops.cast(self._lr_t, dtype),
            math_ops.cast(self._beta1_t, dtype),
            math_ops.cast(self._beta2_t, dtype),
            math_ops.cast(self._epsilon_t, dtype),
            grad,
            use_locking=self._use_locking,
        ).op

    def _apply_sparse(self, grad, var):
        # No SparseApplyAdam: the decay of m and v is applied to every row, the gradient
        # scatter-added to the rows it names, and the step taken on every row (TF's
        # _apply_sparse_shared), so rows not looked up still move while m is non-zero.
        dtype = var.dtype.base_dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        beta1_power = math_ops.cast(beta1_power, dtype)
        beta2_power = math_ops.cast(beta2_power, dtype)
        lr_t = math_ops.cast(self._lr_t, dtype)
        beta1_t = math_ops.cast(self._beta1_t, dtype)
        beta2_t = math_ops.cast(self._beta2_t, dtype)
        epsilon_t = math_ops.cast(self._epsilon_t, dtype)
        lr = lr_t * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power)
        values, indices = grad.values, grad.indices
        m = self.get_slot(var, "m")
        m_scaled_g_values = values * (1 - beta1_t)
        m_t = state_ops.assign(m, m * beta1_t, use_locking=self._use_locking)
        with control_dependencies([m_t]):
            m_t = scatter_ops.scatter_add(
                m, indices, m_scaled_g_values, use_locking=self._use_locking
            )
        v = self.get_slot(var, "v")
        v_scaled_g_values = (values * values) * (1 - beta2_t)
        v_t = state_ops.assign(v, v * beta2_t, use_locking=self._use_locking)
        with control_dependencies([v_t]):
            v_t = scatter_ops.scatter_add(
                v, indices, v_scaled_g_values, use_locking=self._use_locking
            )
        v_sqrt = math_ops.sqrt(v_t)
        var_update = state_ops.assign_sub(
            var, lr * m_t / (v_sqrt + epsilon_t), use_locking=self._use_locking
        )
        return control_flow_ops.group(*[var_update, m_t, v_t])

    def _finish(self, update_ops, name_scope):
        with control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            with colocate_with(beta1_power):
                update_beta1 = beta1_power.assign(
                    beta1_power * self._beta1_t, use_locking=self._use_locking
                )
                update_beta2 = beta2_power.assign(
                    beta2_power * self._beta2_t, use_locking=self._use_locking
                )
        return control_flow_ops.group(*update_ops, update_beta1, update_beta2, name=name_scope)
