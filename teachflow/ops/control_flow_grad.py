"""Gradients through a v1 ``tf.cond``: TF1's rules for Switch and Merge.

The gradient graph of a cond is a cond too, run backwards. The gradient of a ``Merge``
is a ``Switch`` of the incoming gradient on the cond's pred (``Merge_grad/cond_grad``):
only the branch that ran gets it, the other branch's gradient ops are dead. The gradient of
a ``Switch`` is a ``Merge`` of its two outputs' gradients (``Switch_grad/cond_grad``); the
output whose branch did not use it gets zeros built behind a fresh Switch on the pred
(``gradients/Switch``, ``gradients/zeros``), so that they are live exactly when the other
branch ran.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [])
    >>> y = tf.cond(x > 0.0, lambda: x * x, lambda: 3.0 * x)
    >>> g = tf.gradients(y, x)[0]
    >>> with tf.Session() as sess:
    ...     print(sess.run(g, {x: 2.0}), sess.run(g, {x: -2.0}))
    4.0 3.0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.scopes import control_dependencies
from teachflow.ops import control_flow_counters, control_flow_state
from teachflow.ops.cond_context import CondContext, _update_input
from teachflow.ops.control_flow_primitives import (
    enter,
    merge,
    next_iteration,
    switch,
    switch_ref_or_tensor,
)
from teachflow.ops.control_flow_primitives import exit as exit_op
from teachflow.ops.control_flow_state import output_context
from teachflow.ops.while_context import WhileContext


def _grad_context(graph):
    """The backward loop being built (the graph's context, or the loop around it)."""
    ctx = graph._control_flow_context
    while ctx is not None and not isinstance(ctx, WhileContext):
        ctx = ctx.outer_context
    return ctx


def merge_grad(op, grad):
    ctx = output_context(op.inputs[0].op)
    if isinstance(ctx, WhileContext):
        # A loop variable's Merge: the gradient goes to the NextIteration while the
        # backward loop runs, to the Enter once it ends.
        return list(switch_ref_or_tensor(grad, _grad_context(op.graph).pivot))
    if isinstance(ctx, CondContext):
        pred = ctx.pred
        grad_ctx = _grad_context(op.graph)
        if grad_ctx is not None and grad_ctx.grad_state is not None:
            pred = _pred_in_backward_loop(grad_ctx.grad_state, pred)
        return list(switch_ref_or_tensor(grad, pred, name="cond_grad"))
    from teachflow.ops.comparison_ops import equal

    # A Merge outside any cond: each input gets the gradient when it was the one chosen.
    conds = [equal(op.outputs[1], i) for i in range(len(op.inputs))]
    return [switch(grad, c)[1] for c in conds]


def _pred_in_backward_loop(state, pred):
    """A cond in a loop: the pred of each forward iteration, popped from a stack."""
    real_pred = state.history_map.get(pred.name)
    if real_pred is None:
        with control_flow_counters.InContext(pred.graph, state.outside_context):
            history = state.add_forward_accumulator(pred)
        real_pred = state.add_backprop_accumulated_value(history, pred)
        state.history_map[pred.name] = real_pred
    return real_pred


def switch_grad(op, grad_false, grad_true):
    ctx = op._control_flow_context
    grads = (grad_false, grad_true)
    if isinstance(ctx, WhileContext) and not control_flow_state.is_cond_switch(op):
        return _loop_switch_grad(op, grad_false, grad_true)
    if isinstance(ctx, CondContext):
        if grads[1 - ctx.branch] is None:
            return [None, None]  # nothing trainable flowed on the other side
        return [merge(list(grads), name="cond_grad")[0], None]
    false_grad = switch(grad_false, op.inputs[1])[0]
    true_grad = switch(grad_true, op.inputs[1])[1]
    return [merge([false_grad, true_grad])[0], None]


def _loop_switch_grad(op, grad_exit, grad_body):
    """A loop variable's Switch, visited twice: first from its Exit (the gradient enters
    the backward loop's ``b_switch`` Merge), then from the body (the back edge)."""
    state = _grad_context(op.graph).grad_state
    merge_grad_ = state.switch_map.get(op)
    if merge_grad_ is not None:
        if grad_body is not None:
            _update_input(merge_grad_.op, 1, next_iteration(grad_body))
        return [None, None]
    if grad_exit is not None:
        merge_grad_ = merge([grad_exit, grad_exit], name="b_switch")[0]
        state.switch_map[op] = merge_grad_
        return [merge_grad_, None]
    return [None, None]


def enter_grad(op, grad):
    """A loop variable's Enter: the backward loop's Exit; a loop constant's: the sum of its
    gradients over the iterations (``b_acc``)."""
    grad_ctx = op.graph._control_flow_context
    if grad_ctx is None or not getattr(grad_ctx, "back_prop", True):
        return grad
    if getattr(grad_ctx, "grad_state", None) is None:
        return grad  # (the Enter of a loop that is not differentiated here)
    if op._attrs.get("is_constant"):
        return control_flow_counters.add_backprop_accumulator(grad_ctx, op, grad)
    result = exit_op(grad)
    grad_ctx.loop_exits.append(result)
    control_flow_counters.exit_result(grad_ctx, result)
    return result


def exit_grad(op, grad):
    """An Exit: the gradient enters the backward loop (``b_exit``)."""
    grad_ctx = op.graph._control_flow_context
    if not grad_ctx.back_prop:
        return None
    if op._control_flow_context.grad_state is not None:
        raise TypeError("Second-order gradient for while loops not supported.")
    grad_ctx.values.add(grad.name)
    with control_flow_counters.InContext(op.graph, grad_ctx):
        result = enter(grad, grad_ctx.name, False, grad_ctx.parallel_iterations, name="b_exit")
    grad_ctx.values.add(result.name)
    grad_ctx.loop_enters.append(result)
    return result


def next_iteration_grad(op, grad):
    return grad


def zeros_like_output(op, index):
    """Zeros for output ``index`` of ``op`` that no gradient reached (TF's
    ``ZerosLikeOutsideLoop``): for a Switch of a cond branch, zeros that are live exactly
    when that output is, so the Switch's gradient Merge has one live input."""
    from teachflow.ops import array_ops

    val = op.outputs[index]
    ctx = op._control_flow_context
    if op.type not in ("Switch", "RefSwitch") or not isinstance(ctx, CondContext):
        return array_ops.zeros_like(val, optimize=False)
    switch_val = switch(op.inputs[0], ctx.pred)[1 - ctx.branch]
    pivot = array_ops.identity(switch_val)
    # A Shape op even for a known shape (TF's shape_internal(optimize=False)): a constant
    # would be live on both branches.
    zeros_shape = switch_val.graph.create_op(
        "Shape", [switch_val], {"T": switch_val.dtype.base_dtype, "out_type": dtypes.int32}
    ).outputs[0]
    with control_dependencies([pivot]):
        return array_ops.zeros(zeros_shape, dtype=val.dtype.base_dtype)
