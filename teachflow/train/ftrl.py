"""``tf.train.FtrlOptimizer``: Follow The Regularized Leader, the optimizer of click models.

Two slots per variable: ``accum`` (``<var>/Ftrl``, starts at ``initial_accumulator_value``),
the summed squared gradients, and ``linear`` (``<var>/Ftrl_1``, zeros). The variable is not
stepped but *solved for* each time from ``linear``, so an L1 strength keeps coordinates at
exactly zero until their evidence exceeds it (McMahan et al. 2013, TF's ``ApplyFtrl``)::

    new_accum = accum + grad**2
    linear += grad - (new_accum**-p - accum**-p) / learning_rate * var
    var = (sign(linear) * l1 - linear) / (new_accum**-p / learning_rate + 2 * l2)
          if |linear| > l1 else 0

with ``p = learning_rate_power``. With ``l2_shrinkage_regularization_strength > 0`` the
update is ``ApplyFtrlV2``, which adds ``2 * l2_shrinkage * var`` to the gradient entering
``linear``. ``beta`` is folded into the L2 strength (``l2 + beta / (2 * learning_rate)``)
before it reaches the op, as TF does.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> opt = tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)
    >>> train = opt.minimize(tf.reduce_sum(w * w))
    >>> [v.op.name for v in opt.variables()], train.name
    (['w/Ftrl', 'w/Ftrl_1'], 'Ftrl')
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import array_ops, math_ops
from teachflow.train import sparse_training_ops, training_ops
from teachflow.train.optimizer import Optimizer


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal; raises ValueError for a negative strength or accumulator, or a
    positive ``learning_rate_power`` (TF's checks and words)."""

    def __init__(
        self,
        learning_rate,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        use_locking=False,
        name="Ftrl",
        accum_name=None,
        linear_name=None,
        l2_shrinkage_regularization_strength=0.0,
        beta=None,
    ):
        super().__init__(use_locking, name)
        for what, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
        ):
            if value < 0.0:
                raise ValueError(f"{what} {value:f} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(
                f"learning_rate_power {learning_rate_power:f} needs to be negative or zero"
            )
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self._accum_name = accum_name
        self._linear_name = linear_name
        self._tensors = {}

    def _create_slots(self, var_list):
        def accum_initializer(shape, dtype):
            return array_ops.ones(shape, dtype=dtype) * self._initial_accumulator_value

        for v in var_list:
            self._get_or_make_slot_with_initializer(
                v,
                accum_initializer,
                v.get_shape(),
                v.dtype.base_dtype,
                "accum",
                self._accum_name or self._name,
            )
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        lr = self._learning_rate
        t = self._tensors
        t["lr"] = convert_to_tensor(lr, name="learning_rate")
        t["l1"] = convert_to_tensor(
            self._l1_regularization_strength, name="l1_regularization_strength"
        )
        # beta joins the L2 strength here so that the update ops need no beta input.
        t["l2"] = convert_to_tensor(
            self._l2_regularization_strength + self._beta / (2.0 * math_ops.maximum(lr, 1e-36)),
            name="adjusted_l2_regularization_strength",
        )
        t["beta"] = convert_to_tensor(self._beta, name="beta")
        t["l2_shrinkage"] = convert_to_tensor(
            self._l2_shrinkage_regularization_strength,
            name="l2_shrinkage_regularization_strength",
        )
        t["lr_power"] = convert_to_tensor(self._learning_rate_power, name="learning_rate_power")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        t = {k: math_ops.cast(v, dtype) for k, v in self._tensors.items() if k != "beta"}
        accum = self.get_slot(var, "accum")
        linear = self.get_slot(var, "linear")
        if self._l2_shrinkage_regularization_strength <= 0.0:
            update = training_ops.apply_ftrl(
                var,
                accum,
                linear,
                grad,
                t["lr"],
                t["l1"],
                t["l2"],
                t["lr_power"],
                use_locking=self._use_locking,
            )
        else:
            update = training_ops.apply_ftrl_v2(
                var,
                accum,
                linear,
                grad,
                t["lr"],
                t["l1"],
                t["l2"],
                t["l2_shrinkage"],
                t["lr_power"],
                use_locking=self._use_locking,
            )
        return update.op

    def _apply_sparse(self, grad, var):
        dtype = var.dtype.base_dtype
        t = {k: math_ops.cast(v, dtype) for k, v in self._tensors.items() if k != "beta"}
        slots = (self.get_slot(var, "accum"), self.get_slot(var, "linear"))
        rows = (grad.values, grad.indices)
        if self._l2_shrinkage_regularization_strength <= 0.0:
            hyper = (t["lr"], t["l1"], t["l2"], t["lr_power"])
            apply = sparse_training_ops.sparse_apply_ftrl
        else:
            hyper = (t["lr"], t["l1"], t["l2"], t["l2_shrinkage"], t["lr_power"])
            apply = sparse_training_ops.sparse_apply_ftrl_v2
        return apply(var, *slots, *rows, *hyper, use_locking=self._use_locking).op
