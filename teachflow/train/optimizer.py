"""``tf.train.Optimizer``: gradients in, one update op per variable out.

``minimize(loss)`` is two steps that can also be called separately:

1. ``compute_gradients(loss)`` calls ``tf.gradients`` for the trainable variables and
   returns ``[(gradient, variable), ...]`` (``None`` for a variable the loss does not
   depend on);
2. ``apply_gradients(grads_and_vars)`` creates the optimizer's slot variables, then under
   ``<Name>/update_<var>`` one update op per variable (colocated with it), groups them, and
   optionally increments ``global_step`` once they have all run.

A subclass says what its update is: ``_create_slots``, ``_prepare`` (its hyperparameters
as tensors), ``_apply_dense``, ``_apply_sparse`` (for an `IndexedSlices` gradient, such as an
embedding lookup's: only the rows it names are updated, after duplicate indices are
summed) and, if it keeps more state, ``_finish``.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> w = tf.Variable(1.0, name="w")
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(w * w)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run(train)
    ...     print(sess.run(w))
    0.5
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import colocate_with, control_dependencies, name_scope
from teachflow.ops import control_flow_ops, state_ops
from teachflow.ops.constant_op import constant
from teachflow.ops.gradients import gradients
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.ops.indexed_slices_ops import (
    convert_to_tensor_or_indexed_slices,
    deduplicate_indexed_slices,
)
from teachflow.ops.variables import Variable, trainable_variables
from teachflow.train import slot_creator


def _var_key(var):
    """Slots are looked up by (graph, variable op name), as in TF1."""
    return (var.op.graph, var.op.name)


class Optimizer:
    """Base class of the TF1 optimizers; not used directly.

    Raises ValueError from ``minimize`` when no variable gets a gradient, and from
    ``compute_gradients`` for a loss that is not a float tensor.
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        # slot name -> {_var_key(var): slot Variable}
        self._slots = {}
        # (name, graph) -> Variable: state not tied to one variable (Adam's beta powers).
        self._non_slot_dict = {}

    def get_name(self) -> str:
        return self._name

    # -- the public steps ------------------------------------------------------------------
    def minimize(
        self,
        loss,
        global_step=None,
        var_list=None,
        gate_gradients=GATE_OP,
        aggregation_method=None,
        colocate_gradients_with_ops=False,
        name=None,
        grad_loss=None,
    ):
        """``compute_gradients`` then ``apply_gradients``; returns the train op."""
        grads_and_vars = self.compute_gradients(
            loss,
            var_list=var_list,
            gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops,
            grad_loss=grad_loss,
        )
        if not [v for g, v in grads_and_vars if g is not None]:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do "
                "not support gradients, between variables "
                f"{[str(v) for _, v in grads_and_vars]} and loss {loss}."
            )
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(
        self,
        loss,
        var_list=None,
        gate_gradients=GATE_OP,
        aggregation_method=None,
        colocate_gradients_with_ops=False,
        grad_loss=None,
    ):
        """``[(gradient or None, variable), ...]`` for ``var_list`` (default: trainables)."""
        if callable(loss):
            loss = loss()
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError(
                "gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                f"Optimizer.GATE_GRAPH.  Not {gate_gradients}"
            )
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([grad_loss])
        var_list = trainable_variables() if var_list is None else _flatten(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        # A Variable is differentiated through its ref; any other tensor as itself.
        targets = [v._ref() if isinstance(v, Variable) else v for v in var_list]
        grads = gradients(
            loss,
            targets,
            grad_ys=grad_loss,
            gate_gradients=(gate_gradients == Optimizer.GATE_OP),
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops,
        )
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = control_flow_ops.tuple(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The op that updates each variable with its gradient (None grads are skipped)."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if g is not None:
                try:
                    g = convert_to_tensor_or_indexed_slices(g)
                except TypeError:
                    raise TypeError(
                        f"Gradient must be convertible to a Tensor or IndexedSlices, or None: {g}"
                    ) from None
            if not isinstance(v, Variable):
                raise TypeError(f"Trying to optimize unsupported type {v!r}")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(
                f"No gradients provided for any variable: {[str(v) for _, v in converted]}."
            )
        # Like TF's init_scope: slots never inherit the control deps around the call.
        with control_dependencies(None):
            self._create_slots(var_list)
        update_ops = []
        with name_scope(name, self._name) as scope:
            self._prepare()
            for grad, var in converted:
                if grad is None:
                    continue
                with name_scope("update_" + var.op.name), colocate_with(var):
                    update_ops.append(self._update_op(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with control_dependencies([self._finish(update_ops, "update")]):
                    with colocate_with(global_step):
                        apply_updates = _increment(global_step, scope)
            if isinstance(apply_updates, Tensor):
                apply_updates = apply_updates.op
            train_ops = get_default_graph().get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    def _update_op(self, grad, var):
        if isinstance(grad, IndexedSlices):
            if var.constraint is not None:
                raise RuntimeError("Cannot use a constraint function on a sparse variable.")
            return self._apply_sparse_duplicate_indices(grad, var)
        update = self._apply_dense(grad, var)
        if var.constraint is not None:
            with control_dependencies([update]):
                return var.assign(var.constraint(var))
        return update

    # -- slots and other optimizer state ------------------------------------------------
    def get_slot(self, var, name):
        """The slot variable ``name`` (e.g. ``"momentum"``) kept for ``var``, or None."""
        named_slots = self._slots.get(name)
        if not named_slots:
            return None
        return named_slots.get(_var_key(var))

    def get_slot_names(self) -> list:
        return sorted(self._slots)

    def variables(self) -> list:
        """The optimizer's own variables in the default graph (slots, beta powers...)."""
        graph = get_default_graph()
        found = [v for v in self._non_slot_dict.values() if v.graph is graph]
        for slots in self._slots.values():
            found.extend(v for v in slots.values() if v.graph is graph)
        return sorted(found, key=lambda v: v.name)

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _zeros_slot(self, var, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_zeros_slot(var, op_name)
        return named_slots[_var_key(var)]

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot(var, val, op_name)
        return named_slots[_var_key(var)]

    def _get_or_make_slot_with_initializer(
        self, var, initializer, shape, dtype, slot_name, op_name
    ):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot_with_initializer(
                var, initializer, shape, dtype, op_name
            )
        return named_slots[_var_key(var)]

    def _create_non_slot_variable(self, initial_value, name, colocate_with_var):
        key = (name, colocate_with_var.graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            with colocate_with(colocate_with_var):
                v = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or get_default_graph()))

    def _non_slot_variables(self):
        return self._non_slot_dict.values()

    # -- what subclasses define -----------------------------------------------------------
    def _create_slots(self, var_list):
        """Create the slot variables the update needs (none by default)."""

    def _prepare(self):
        """Turn hyperparameters into tensors, once per ``apply_gradients``."""

    def _apply_dense(self, grad, var):
        raise TypeError(f"{type(self).__name__} does not define how to update a variable")

    def _apply_sparse_duplicate_indices(self, grad, var):
        """``_apply_sparse`` of ``grad`` with the rows of each repeated index summed."""
        summed_values, unique_indices = deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(
            IndexedSlices(summed_values, unique_indices, grad.dense_shape), var
        )

    def _apply_sparse(self, grad, var):
        raise TypeError(f"{type(self).__name__} does not define how to update rows of a variable")

    def _finish(self, update_ops, name_scope):
        """The op that runs all updates (a subclass may add more state updates)."""
        return control_flow_ops.group(*update_ops, name=name_scope)

    # -- checks --------------------------------------------------------------------------
    def _valid_dtypes(self):
        return (dtypes.float16, dtypes.float32, dtypes.float64)

    def _assert_valid_dtypes(self, tensors):
        valid = self._valid_dtypes()
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in valid:
                raise ValueError(f"Invalid type {dtype!r} for {t.name}, expected: {list(valid)}.")

    @staticmethod
    def _call_if_callable(param):
        return param() if callable(param) else param


def _increment(global_step, scope):
    """``global_step += 1`` named like the train op itself (TF's assign_add(name=...))."""
    with name_scope(scope):
        one = constant(1, dtype=global_step.dtype.base_dtype, name="value")
        return state_ops.assign_add(global_step, one, name=scope)


def _flatten(values):
    out = []
    for v in values if isinstance(values, (list, tuple)) else [values]:
        out.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return out
