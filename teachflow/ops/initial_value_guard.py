"""A variable whose initial value reads other variables: TF1's guard against their order.

``tf.global_variables_initializer()`` runs every initializer in one step, in no fixed
order, so ``b = tf.Variable(a + 1)`` could read ``a`` before ``a/Assign`` ran. TensorFlow
1.x's ``RefVariable`` guards against this as the variable is made: the initial value's ops
that (through any path) read a variable are *copied*, each read of a variable replaced by
that variable's ``initialized_value()`` — a ``tf.cond`` that gives the variable's value
once it is initialized and its initial value before. The copies are named
``<op>_<variable scope>`` (``add_b``, ``a/read_b``) and keep the original's attributes
(its colocation too); the original initial value stays in the graph, unchanged, as
``b.initial_value``.

    >>> import teachflow as tf
    >>> a = tf.Variable(1.0, name="a")
    >>> b = tf.Variable(a + 1, name="b")
    >>> b.initializer.inputs[1].name, b.initial_value.name
    ('add_b:0', 'add:0')
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(b))
    2.0

The guard is best effort, as in TensorFlow: an initial value inside a cycle (a while
loop's back edge) is left as it is, and so is a read of a variable in neither the global
nor the local variables collection.
"""

from __future__ import annotations

from teachflow.framework.graph import GraphKeys
from teachflow.framework.operation import Operation, Tensor

__all__ = ["guard_against_uninitialized_dependencies"]

# Ops that read a variable's state without needing it initialized, or are themselves
# the guard (TF leaves these alone; "If" is the v2 cond a guard may hold).
_LEFT_AS_IS = frozenset({"IsVariableInitialized", "VarIsInitializedOp", "ReadVariableOp", "If"})
_VARIABLE_OPS = frozenset({"Variable", "VariableV2", "VarHandleOp"})


def guard_against_uninitialized_dependencies(name: str, initial_value: Tensor) -> Tensor:
    """``initial_value`` with every read of a variable replaced by its initialized value.

    ``name`` is the new variable's scope (``"b/"``), which the copies' names end with.
    Raises TypeError when ``initial_value`` is not a Tensor.
    """
    if not isinstance(initial_value, Tensor):
        raise TypeError(f"initial_value needs to be a Tensor: {initial_value}")
    if _has_cycle(initial_value.op, {}):
        return initial_value
    return _safe_tensor(name, initial_value, {})


_STARTED, _FINISHED = 1, 2


def _has_cycle(op: Operation, state: dict) -> bool:
    """Whether ``op``'s inputs and control inputs lead back to an op being visited."""
    seen = state.get(op.name)
    if seen is not None:
        return seen == _STARTED
    state[op.name] = _STARTED
    for upstream in [t.op for t in op.inputs] + list(op.control_inputs):
        if _has_cycle(upstream, state):
            return True
    state[op.name] = _FINISHED
    return False


def _safe_tensor(name: str, tensor: Tensor, op_cache: dict) -> Tensor:
    # Memoised by op name: an op read twice (a + a) is copied once.
    op = tensor.op
    new_op = op_cache.get(op.name)
    if new_op is None:
        new_op = op_cache[op.name] = _safe_op(name, op, op_cache)
    return new_op.outputs[tensor.value_index]


def _safe_op(name: str, op: Operation, op_cache: dict) -> Operation:
    """``op`` itself when nothing it reads is a variable, else its guarded copy."""
    if op.type in _LEFT_AS_IS:
        return op
    if op.type in _VARIABLE_OPS:
        initialized = _initialized_value_for(op)
        return op if initialized is None else initialized.op
    inputs = [_safe_tensor(name, t, op_cache) for t in op.inputs]
    if all(new is old for new, old in zip(inputs, op.inputs)):
        return op
    # A Merge replaces the variable's reference, so a RefSwitch of it becomes a Switch.
    op_type = "Switch" if op.type == "RefSwitch" else op.type
    copy_name = (op.name + "_" + name).replace(":", "_")
    # The name ends with the scope's "/", so it is kept as it is (no _1 suffix).
    return op.graph.create_op(op_type, inputs, dict(op._attrs), name=copy_name)


def _initialized_value_for(variable_op: Operation):
    """The initialized value of the collected variable whose op is ``variable_op``."""
    names = (variable_op.name, variable_op.name + ":0")
    graph = variable_op.graph
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for var in graph.get_collection(key):
            try:
                if var.name in names:
                    return var.initialized_value()
            except AttributeError:  # a user's object that is not a whole variable
                return None
    return None
