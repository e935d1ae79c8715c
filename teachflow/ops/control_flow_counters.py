"""The loop variables TF1's loop gradient adds (`teachflow.ops.control_flow_state`): the
forward loop's iteration counter (``gradients/f_count``), the backward loop's countdown
(``gradients/b_count``, which makes its pivots), and the accumulator summing a captured
tensor's gradient over the iterations (``b_acc``).

    >>> import teachflow as tf
    >>> with tf.Graph().as_default() as g:
    ...     r = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, [tf.constant(1.0)])
    ...     _ = tf.gradients(r, g.get_tensor_by_name("Const:0"))
    >>> sorted(op.name for op in g.get_operations() if "count" in op.name)[:3]
    ['gradients/b_count', 'gradients/b_count_1', 'gradients/b_count_2']
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.ops.cond_context import _update_input
from teachflow.ops.control_flow_primitives import (
    enter,
    loop_cond,
    merge,
    next_iteration,
    switch,
)
from teachflow.ops.control_flow_primitives import exit as exit_op
from teachflow.ops.while_context import WhileContext


class InContext:
    """``with InContext(graph, ctx):`` builds ops in control-flow context ``ctx``."""

    def __init__(self, graph, ctx):
        self.graph = graph
        self.ctx = ctx

    def __enter__(self):
        self.saved = self.graph._control_flow_context
        self.graph._control_flow_context = self.ctx

    def __exit__(self, *exc):
        self.graph._control_flow_context = self.saved


def shape_op(t):
    """``Shape(t)`` as an op even for a known shape (TF's ``shape_internal(optimize=False)``)."""
    return t.graph.create_op(
        "Shape", [t], {"T": t.dtype.base_dtype, "out_type": dtypes.int32}
    ).outputs[0]


def add_forward_loop_counter(ctx, outer_grad_state):
    """An extra loop variable of the forward loop counting its iterations (``f_count``):
    its Exit (the number of iterations) and its NextIteration (the stacks' pushes are
    ordered around it)."""
    from teachflow.ops.arithmetic_ops import add
    from teachflow.ops.constant_op import constant

    graph = ctx.graph
    n = constant(0, name="f_count")
    if outer_grad_state is not None:
        # The pushes of the i-th execution of an inner loop come before the (i+1)-th's.
        n.op._add_control_input(outer_grad_state.forward_index.op.inputs[0].op)
    with InContext(graph, ctx):
        ctx.values.add(n.name)
        enter_n = enter(n, ctx.name, False, ctx.parallel_iterations, name="f_count")
        ctx.values.add(enter_n.name)
        merge_n = merge([enter_n, enter_n])[0]
        switch_n = switch(merge_n, ctx.pivot)
        index = add(switch_n[1], 1)
        next_n = next_iteration(index)
        _update_input(merge_n.op, 1, next_n)
        total_iterations = exit_op(switch_n[0], name="f_count")
    exit_result(ctx, total_iterations)
    return total_iterations, next_n


def add_backprop_loop_counter(ctx, count, outer_grad_state):
    """The backward loop's own variable: ``count`` down to 0 (``b_count``); it makes the
    backward loop's pivots. Returns its NextIteration."""
    from teachflow.ops.arithmetic_ops import subtract
    from teachflow.ops.comparison_ops import greater_equal
    from teachflow.ops.constant_op import constant

    graph = ctx.graph
    one = constant(1, name="b_count")
    with InContext(graph, ctx):
        ctx.values.add(count.name)
        enter_count = enter(count, ctx.name, False, ctx.parallel_iterations, name="b_count")
        ctx.values.add(enter_count.name)
        ctx.loop_enters.append(enter_count)
        merge_count = merge([enter_count, enter_count])[0]
        ctx.pivot_for_pred = merge_count
        pred = greater_equal(merge_count, one)
        ctx.pivot = loop_cond(pred, name="b_count")
        switch_count = switch(merge_count, ctx.pivot)
        index = subtract(switch_count[1], one)
        ctx.pivot_for_body = index
        next_count = next_iteration(index)
        _update_input(merge_count.op, 1, next_count)
        final_zero = exit_op(switch_count[0], name="b_count")
    ctx.loop_exits.append(final_zero)
    if outer_grad_state is not None:
        # The pops of the i-th execution of an inner loop come before the (i+1)-th's.
        outer_grad_state.grad_sync._add_control_input(final_zero.op)
    exit_result(ctx, final_zero)
    return next_count


def exit_result(ctx, tensor):
    """An Exit's value is usable as it is in the contexts around the loop."""
    outer = ctx.outer_context
    while outer is not None:
        outer.values.add(tensor.name)
        outer = outer.outer_context


def add_backprop_accumulator(ctx, op, grad):
    """The gradient of a loop constant ``Enter`` (a tensor captured from outside): a loop
    variable of the backward loop ``ctx`` summing ``grad`` over the iterations (``b_acc``);
    its Exit."""
    from teachflow.ops.arithmetic_ops import add
    from teachflow.ops.constant_op import constant
    from teachflow.ops.filling import zeros

    graph = ctx.graph
    shape = grad.shape
    with InContext(graph, ctx.outer_context):
        if shape.is_fully_defined():
            acc = constant(0, grad.dtype.base_dtype, shape=shape.as_list(), name="b_acc")
        elif isinstance(ctx.outer_context, WhileContext) and ctx.outer_context.grad_state:
            forward = ctx.grad_state.forward_context
            value = op.inputs[0]
            with InContext(graph, forward.outer_context):
                zeros_shape = shape_op(value)
            outer_state = ctx.grad_state.outer_grad_state
            history = outer_state.add_forward_accumulator(zeros_shape)
            real_shape = outer_state.add_backprop_accumulated_value(history, zeros_shape)
            acc = zeros(real_shape, grad.dtype.base_dtype)
        else:
            acc = zeros(shape_op(op.inputs[0]), grad.dtype.base_dtype)
    with InContext(graph, ctx):
        ctx.values.add(acc.name)
        enter_acc = enter(acc, ctx.name, False, ctx.parallel_iterations, name="b_acc")
        ctx.values.add(enter_acc.name)
        ctx.loop_enters.append(enter_acc)
        merge_acc = merge([enter_acc, enter_acc], name="b_acc")[0]
        switch_false, switch_true = switch(merge_acc, ctx.pivot)
        add_acc = add(switch_true, grad)
        _update_input(merge_acc.op, 1, next_iteration(add_acc))
        result = exit_op(switch_false, name="b_acc")
    ctx.loop_exits.append(result)
    exit_result(ctx, result)
    return result
