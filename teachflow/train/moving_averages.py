"""Exponential moving averages: a shadow variable per averaged variable or tensor.

``ExponentialMovingAverage(decay).apply(var_list)`` creates, for each entry, a shadow
variable named ``<name>/<ema name>`` and returns one op that moves every shadow towards
its entry: ``shadow -= (1 - decay) * (shadow - value)`` (TF's ``assign_moving_average``).
A variable's shadow starts at the variable's initial value; a tensor's (a loss) at zero.
``average(var)`` is the shadow; ``variables_to_restore()`` maps the shadows' names to the
variables, so that a ``Saver`` built with it loads the averages into the model (the
evaluation half of TF's cifar10 tutorial). Op and variable names are TensorFlow's.

    >>> import teachflow as tf
    >>> w = tf.Variable(1.0, name="w")
    >>> ema = tf.train.ExponentialMovingAverage(0.9)
    >>> with tf.control_dependencies([tf.assign(w, 3.0)]):
    ...     update = ema.apply([w])
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run(update)
    ...     print(round(float(sess.run(ema.average(w))), 5), ema.average(w).op.name)
    1.2 w/ExponentialMovingAverage
    >>> sorted(ema.variables_to_restore())
    ['w/ExponentialMovingAverage']

With ``num_updates`` the decay is ``min(decay, (1 + num_updates) / (10 + num_updates))``,
so early averages follow the values faster. A dtype other than half, float or double is a
TypeError, as in TensorFlow.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.scopes import add_to_collection, control_dependencies, device, name_scope
from teachflow.ops import variable_scope as vs
from teachflow.ops.arithmetic_ops import minimum
from teachflow.ops.arithmetic_ops import pow as pow_
from teachflow.ops.control_flow_ops import group
from teachflow.ops.init_ops import zeros_initializer
from teachflow.ops.math_ops import cast
from teachflow.ops.state_ops import assign, assign_add, assign_sub
from teachflow.ops.variables import (
    Variable,
    global_variables,
    moving_average_variables,
    trainable_variables,
)
from teachflow.train import slot_creator

__all__ = ["ExponentialMovingAverage", "assign_moving_average"]

_AVERAGED_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """``variable -= (1 - decay) * (variable - value)``; with ``zero_debias`` the update goes
    through a zero-started ``biased`` shadow divided by ``1 - decay ** local_step``."""
    with name_scope(name, "AssignMovingAvg", [variable, value, decay]) as scope:
        # TF computes 1 - decay where the decay is: in Python for a float, as a Sub op (in
        # float32) for the tensor ExponentialMovingAverage hands over.
        decay = convert_to_tensor(1.0 - decay, name="decay")
        if decay.dtype != variable.dtype.base_dtype:
            decay = cast(decay, variable.dtype.base_dtype)
        if zero_debias:
            return _zero_debias(variable, value, decay)
        return assign_sub(variable, (variable - value) * decay, name=scope)


def _zero_debias(unbiased_var, value, decay):
    with vs.variable_scope(unbiased_var.name[: -len(":0")], values=[unbiased_var, value, decay]):
        with get_default_graph().colocate_with(unbiased_var.op):
            biased_var = vs.get_variable(
                _unique_in_scope("biased"),
                initializer=zeros_initializer(),
                shape=unbiased_var.get_shape(),
                dtype=unbiased_var.dtype.base_dtype,
                trainable=False,
            )
            local_step = vs.get_variable(
                _unique_in_scope("local_step"),
                shape=[],
                dtype=unbiased_var.dtype.base_dtype,
                initializer=zeros_initializer(),
                trainable=False,
            )
    update_biased = assign_sub(biased_var, (biased_var - value) * decay)
    update_local_step = assign_add(local_step, 1)
    bias_factor = 1 - pow_(1.0 - decay, update_local_step)
    return assign(
        unbiased_var, update_biased / bias_factor, name=get_default_graph().get_name_scope() + "/"
    )


def _unique_in_scope(name):
    # A second debiased average of the same variable gets biased_1, local_step_1, ...
    scope = vs.get_variable_scope()
    if scope.reuse:
        return name
    taken = {v.op.name for v in scope.global_variables()}
    full_name = f"{scope.name}/{name}"
    if full_name not in taken:
        return name
    idx = 1
    while f"{full_name}_{idx}" in taken:
        idx += 1
    return f"{name}_{idx}"


class ExponentialMovingAverage:
    """Shadow variables that keep moving averages of variables or tensors (see the module)."""

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list=None):
        """Create the shadows (once per entry) and return the op updating them all."""
        if var_list is None:
            var_list = trainable_variables()
        debiased = set()
        for var in var_list:
            if var.dtype.base_dtype not in _AVERAGED_DTYPES:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if _key(var) in self._averages:
                continue
            # The shadows are created outside any control dependencies (TF's init_scope):
            # their initializers must not wait for the training step that apply() follows.
            with control_dependencies(None):
                if isinstance(var, Variable):
                    with device(var.device):
                        initialized_value = var.initialized_value()
                    avg = slot_creator.create_slot(var, initialized_value, self.name)
                    add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
                else:
                    colocate = var.op.type in ("Variable", "VariableV2", "VarHandleOp")
                    avg = slot_creator.create_zeros_slot(
                        var, self.name, colocate_with_primary=colocate
                    )
                    if self._zero_debias:
                        debiased.add(_key(avg))
            self._averages[_key(var)] = avg

        with name_scope(self.name) as scope:
            decay = convert_to_tensor(self._decay, dtype=dtypes.float32, name="decay")
            if self._num_updates is not None:
                num_updates = cast(self._num_updates, dtypes.float32, name="num_updates")
                decay = minimum(decay, (1.0 + num_updates) / (10.0 + num_updates))
            updates = []
            for var in var_list:
                avg = self._averages[_key(var)]
                updates.append(assign_moving_average(avg, var, decay, _key(avg) in debiased))
            return group(*updates, name=scope)

    def average(self, var):
        """The shadow variable of ``var``, or None if ``apply`` has not seen it."""
        return self._averages.get(_key(var))

    def average_name(self, var) -> str:
        """The name ``var``'s shadow has (or would have) in the graph and in checkpoints."""
        if _key(var) in self._averages:
            return self._averages[_key(var)].name[: -len(":0")]
        return get_default_graph().unique_name(
            var.name[: -len(":0")] + "/" + self.name, mark_as_used=False
        )

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        """``{checkpoint name: variable}``: each averaged variable under its shadow's name,
        every other global variable under its own."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + moving_average_variables()
        averaged = {_key(v): v for v in moving_avg_variables}
        name_map = {self.average_name(v): v for v in averaged.values()}
        averaged_names = {v.name for v in averaged.values()}
        for v in global_variables():
            if v.name not in averaged_names and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


def _key(var):
    # TF keys by var.ref() since TF 2 tensors are not hashable; teachflow's are, by identity.
    return var
