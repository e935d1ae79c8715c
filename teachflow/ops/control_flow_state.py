"""Gradients through a v1 ``tf.while_loop``: TF1's backward loop and its stacks.

TF1 differentiates a loop with a second loop that runs the forward iterations in reverse
(TF's ``control_flow_state.py``). For each forward loop on the path of ``tf.gradients``,
a `GradLoopState` adds:

* to the forward loop, a counter of its iterations (``gradients/f_count``: an extra loop
  variable, ``Enter``/``Merge``/``Switch``/``Add``/``NextIteration``/``Exit``);
* the backward loop, a `WhileContext` named after the forward one
  (``gradients/while/while_context``) that counts down from that number
  (``gradients/b_count``: ``GreaterEqual`` 1, ``LoopCond``, ``Sub``);
* for each forward value a gradient op needs, a stack (``f_acc``, a ``StackV2`` made
  outside both loops) that the forward loop pushes it on every iteration
  (``StackPushV2``) and the backward loop pops in reverse order (``StackPopV2``); a value
  from outside the loop (a loop constant) simply enters the backward loop;
* for a tensor captured from outside (a constant ``Enter``), an accumulator loop variable
  of the backward loop (``b_acc``) summing its gradient over the iterations.

The gradient functions of the frame ops (`teachflow.ops.control_flow_grad`) use them: an
``Exit``'s gradient enters the backward loop (``b_exit``), a loop ``Switch``'s is a ``Merge``
(``b_switch``) whose back edge is connected when the body's gradient reaches it, a loop
``Merge``'s is a ``Switch`` on the backward ``LoopCond``, a loop variable ``Enter``'s is an
``Exit`` of the backward loop, a ``NextIteration``'s is its gradient as it is.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [])
    >>> w = tf.constant(3.0)
    >>> _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * w),
    ...                      [tf.constant(0), x])
    >>> gx, gw = tf.gradients(y, [x, w])
    >>> with tf.Session() as sess:
    ...     print(*sess.run([gx, gw], {x: 2.0}))
    27.0 54.0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor
from teachflow.ops.cond_context import CondContext, _update_input
from teachflow.ops.control_flow_counters import (
    InContext,
    add_backprop_loop_counter,
    add_forward_loop_counter,
    shape_op,
)
from teachflow.ops.control_flow_primitives import (
    control_trigger,
    next_iteration,
    switch_ref_or_tensor,
)
from teachflow.ops.while_context import WhileContext

EXIT_TYPES = ("Exit", "RefExit")
SWITCH_TYPES = ("Switch", "RefSwitch")


# -- where an op is ----------------------------------------------------------------------
def while_context_of(op):
    """The innermost loop ``op`` is in (TF's ``GetWhileContext``), or None."""
    ctx = op._control_flow_context
    while ctx is not None and not isinstance(ctx, WhileContext):
        ctx = ctx.outer_context
    return ctx


def _enclosing_while(ctx):
    while ctx is not None and not isinstance(ctx, WhileContext):
        ctx = ctx.outer_context
    return ctx


def output_context(op):
    """The context ``op``'s outputs live in: an Exit's are outside its loop."""
    ctx = op._control_flow_context
    if ctx is not None and op.type in EXIT_TYPES:
        ctx = ctx.outer_context
    return ctx


def is_cond_switch(op) -> bool:
    """Whether every consumer of the Switch ``op`` is in a cond (TF's ``IsCondSwitch``)."""
    if op.type not in SWITCH_TYPES or not op.outputs:
        return False
    for out in op.outputs:
        for c in out.consumers():
            ctx = c._control_flow_context
            if c.type in ("Enter", "RefEnter") and ctx is not None:
                ctx = ctx.outer_context
            if not isinstance(ctx, CondContext):
                return False
    return True


def is_loop_switch(op) -> bool:
    """A loop variable's Switch (the LoopCond routes it to the body or to the Exit)."""
    return (
        op.type in SWITCH_TYPES
        and isinstance(op._control_flow_context, WhileContext)
        and not is_cond_switch(op)
    )


def _loop_constant_enter(value):
    """The constant Enter ``value`` comes out of, through Identities (TF's
    ``GetLoopConstantEnter``), or None."""
    op = value.op
    while op.type in ("Identity", "RefIdentity"):
        op = op.inputs[0].op
    if op.type in ("Enter", "RefEnter") and op._attrs.get("is_constant"):
        return op
    return None


# -- one loop's gradient -------------------------------------------------------------------
class GradLoopState:
    """The backward loop of one forward loop, and the stacks between them (TF's
    ``_GradLoopState``). ``outer_grad_state`` is that of the enclosing loop, if any."""

    def __init__(self, forward_context, outer_grad_state):
        graph = forward_context.graph
        self.graph = graph
        self.forward_context = forward_context
        self.outer_grad_state = outer_grad_state
        self.forward_loop_exits = list(forward_context.loop_exits)
        self.pending_exits_count = len(self.forward_loop_exits)
        self.deferred_exits = []
        self.unused_exits = []
        self.switch_map = {}  # forward loop Switch -> its gradient's b_switch Merge
        self.history_map = {}  # forward tensor name -> its value in the backward loop
        self._forward_sync = None
        self._grad_sync = None
        # The context tf.gradients was called in: a gradient op's context is entered from
        # it, so leaving the backward loop to stack a forward value returns there (TF's
        # grad_context.Exit()); a stack made for an inner loop is made outside all loops.
        self.outside_context = graph._control_flow_context
        outer_forward = forward_context.outer_context
        with InContext(graph, outer_forward):
            count, self.forward_index = add_forward_loop_counter(forward_context, outer_grad_state)
        if outer_grad_state is not None:
            # A nested loop: every execution of it has its own count, kept on the outer
            # loop's stack.
            outer_forward.values.add(count.name)
            history_count = outer_grad_state.add_forward_accumulator(count)
            outer_grad = outer_grad_state.grad_context
            with InContext(graph, outer_grad):
                self.grad_context = self._new_grad_context()
                real_count = outer_grad_state.add_backprop_accumulated_value(history_count, count)
                self.grad_index = add_backprop_loop_counter(
                    self.grad_context, real_count, outer_grad_state
                )
        else:
            with InContext(graph, outer_forward):
                self.grad_context = self._new_grad_context()
                self.grad_index = add_backprop_loop_counter(self.grad_context, count, None)

    def _new_grad_context(self):
        f = self.forward_context
        return WhileContext(
            self.graph,
            self.graph.unique_name(f.name),
            f.parallel_iterations,
            f.back_prop,
            f.swap_memory,
            grad_state=self,
        )

    @property
    def forward_sync(self):
        """A ControlTrigger ordering a cond's stack pushes before the counter's next step."""
        if self._forward_sync is None:
            with self.graph.control_dependencies(None), InContext(self.graph, None):
                self._forward_sync = control_trigger(name="f_sync")
            self._forward_sync._control_flow_context = self.forward_context
            self.forward_index.op._add_control_input(self._forward_sync)
        return self._forward_sync

    @property
    def grad_sync(self):
        """A ControlTrigger ordering the stack pops before the backward counter's next step."""
        if self._grad_sync is None:
            with self.graph.control_dependencies(None), InContext(self.graph, None):
                self._grad_sync = control_trigger(name="b_sync")
            self._grad_sync._control_flow_context = self.grad_context
            self.grad_index.op._add_control_input(self._grad_sync)
        return self._grad_sync

    # -- stacks ------------------------------------------------------------------------
    def add_forward_accumulator(self, value, dead_branch=False):
        """A stack that the forward loop pushes ``value`` on every iteration (``f_acc``)."""
        from teachflow.ops.constant_op import constant
        from teachflow.ops.stack_ops import stack_push_v2, stack_v2

        graph = self.graph
        current = graph._control_flow_context
        with graph.control_dependencies(None):
            with InContext(graph, current), graph.colocate_with(value.op):
                max_size = constant(-1, dtypes.int32)
                acc = stack_v2(max_size, value.dtype.base_dtype, name="f_acc")
            with InContext(graph, None):
                enter_acc = self.forward_context.add_value(acc)
            swap = self.forward_context.swap_memory
            value_ctx = output_context(value.op)
            if value_ctx is self.forward_context:
                with InContext(graph, self.forward_context):
                    push = stack_push_v2(enter_acc, value, swap_memory=swap)
                # The counter's next step waits for this iteration's push.
                self.forward_index.op._add_control_input(push.op)
            else:
                if not isinstance(value_ctx, CondContext):
                    raise TypeError(f"value_ctxt is not a CondContext: {value_ctx}")
                if dead_branch:
                    # Zeros for a Switch's dead branch: pushed outside the cond.
                    with InContext(graph, value_ctx.outer_context):
                        push = stack_push_v2(enter_acc, value, swap_memory=swap)
                    push.op._control_flow_context = value_ctx
                else:
                    with InContext(graph, value_ctx):
                        push = stack_push_v2(enter_acc, value, swap_memory=swap)
                self.forward_sync._add_control_input(push.op)
            # Pushed after the counter's step of this iteration.
            push.op._add_control_input(self.forward_index.op.inputs[0].op)
        return acc

    def add_backprop_accumulated_value(self, history_value, value, dead_branch=False):
        """The backward loop's pop of the stack ``history_value`` (guarded by the cond's
        pred when ``value`` was computed in a cond of the forward loop)."""
        from teachflow.ops.stack_ops import stack_pop_v2

        graph = self.graph
        history_ctx = history_value.op._control_flow_context
        cond_ctx = None
        ctx = value.op._control_flow_context
        while ctx is not None and ctx is not history_ctx:
            if isinstance(ctx, CondContext):
                cond_ctx = ctx
                break
            ctx = ctx.outer_context
        with graph.control_dependencies(None), InContext(graph, self.grad_context):
            if cond_ctx is not None:
                pred = None
                state = self
                while pred is None and state is not None:
                    pred = state.history_map.get(cond_ctx.pred.name)
                    state = state.outer_grad_state
                if pred is None:
                    pred = cond_ctx.pred
                branch = (1 - cond_ctx.branch) if dead_branch else cond_ctx.branch
                history_value = switch_ref_or_tensor(history_value, pred)[branch]
            pop = stack_pop_v2(history_value, value.dtype.base_dtype)
            pop.set_shape(value.shape)
        if self.grad_context.parallel_iterations > 1:
            self.grad_sync._add_control_input(pop.op)
        return pop

    def get_real_value(self, value):
        """``value`` of the forward loop as the backward loop sees it: the same iteration's
        value, popped from a stack (TF's ``GetRealValue``)."""
        real = self.history_map.get(value.name)
        if real is not None:
            return real
        from teachflow.ops.constant_op import constant
        from teachflow.ops.static_value import constant_value

        cur_value, state, history = value, self, None
        while True:
            enter_op = _loop_constant_enter(cur_value)
            if enter_op is not None:
                cur_value = enter_op.inputs[0]
                state = state.outer_grad_state
                if state is None:
                    # Outside every loop of this gradient: it only needs to enter.
                    real = self.grad_context.add_value(cur_value)
                    break
            elif cur_value.op.type == "Const":
                # A constant is made again in the backward loop rather than stacked.
                real = constant(constant_value(cur_value), dtype=cur_value.dtype)
                break
            else:
                with InContext(self.graph, self.outside_context):
                    history = state.add_forward_accumulator(cur_value)
                break
        if real is None:
            real = state.add_backprop_accumulated_value(history, cur_value)
            if state is not self:
                real = self.grad_context.add_value(real)
        self.history_map[value.name] = real
        return real


# -- all loops of one tf.gradients call ------------------------------------------------------
class ControlFlowState:
    """The `GradLoopState` of each forward loop on the path of one ``tf.gradients`` call
    (TF's ``_ControlFlowState``)."""

    def __init__(self):
        self.states = {}  # forward WhileContext -> GradLoopState

    def grad_state(self, op, before):
        """The state whose backward loop ``op``'s gradient is built in: for an Exit, before
        its gradient is computed, that of the enclosing loop."""
        if before and op.type in EXIT_TYPES:
            forward = op._control_flow_context.outer_context
            forward = _enclosing_while(forward)
        else:
            forward = while_context_of(op)
        return self.states.get(forward) if forward is not None else None

    def grad_context_for(self, op, before):
        """The context to build ``op``'s gradient (or its summed output gradients) in."""
        state = self.grad_state(op, before)
        return state.grad_context if state is not None else None

    def add_while_context(self, op, between_list, between_set):
        """Make the backward loop of the loop that the Exit ``op`` leaves; every Exit of
        that loop joins the ops between xs and ys."""
        forward = while_context_of(op)
        if forward in self.states:
            return
        outer_forward = forward.outer_context
        outer_forward = _enclosing_while(outer_forward)
        outer_state = self.states.get(outer_forward) if outer_forward is not None else None
        state = GradLoopState(forward, outer_state)
        self.states[forward] = state
        for loop_exit in state.forward_loop_exits:
            if loop_exit.op not in between_set:
                between_set.add(loop_exit.op)
                between_list.append(loop_exit.op)

    def process_unused_loop_exits(self, pending_count, to_ops):
        """Exits nothing differentiates (zeros go back through them once a loop's other
        Exits are done)."""
        loop_exits = []
        for state in self.states.values():
            for y in state.forward_loop_exits:
                if pending_count[y.op] == 0:
                    state.pending_exits_count -= 1
                    if y.op not in to_ops:
                        state.unused_exits.append(y)
                    if state.pending_exits_count == 0:
                        loop_exits.extend(state.unused_exits)
            for y in state.forward_context.loop_enters:
                if pending_count[y.op] == 0:
                    pending_count[y.op] = 1
        return loop_exits

    def zeros_like_for_exit(self, val):
        """Zeros for an Exit no gradient reached."""
        from teachflow.ops.filling import zeros, zeros_like

        graph = val.graph
        forward = val.op._control_flow_context
        outer_forward = forward.outer_context
        outer_forward = _enclosing_while(outer_forward)
        outer_state = self.states.get(outer_forward) if outer_forward is not None else None
        dtype = val.dtype.base_dtype
        if outer_state is None:
            if val.shape.is_fully_defined():
                return zeros(val.shape.as_list(), dtype)
            return zeros_like(val, optimize=False)
        if val.shape.is_fully_defined():
            with InContext(graph, outer_state.grad_context):
                return zeros(val.shape.as_list(), dtype)
        with InContext(graph, forward.outer_context):
            shape = shape_op(val)
        history = outer_state.add_forward_accumulator(shape)
        with InContext(graph, outer_state.grad_context):
            real_shape = outer_state.add_backprop_accumulated_value(history, shape)
            return zeros(real_shape, dtype)

    def zeros_like(self, op, index):
        """Zeros for output ``index`` of ``op`` (in a loop) that no gradient reached; None
        for a loop Switch (its body side's gradient comes later)."""
        from teachflow.ops import control_flow_grad
        from teachflow.ops.constant_op import constant
        from teachflow.ops.filling import zeros

        if is_loop_switch(op):
            return None
        dead_branch = op.type in SWITCH_TYPES
        state = self.states.get(while_context_of(op))
        if state is None:
            return control_flow_grad.zeros_like_output(op, index)
        op_ctx = op._control_flow_context
        val = op.outputs[index]
        graph = op.graph
        if val.shape.is_fully_defined():
            result = constant(0, val.dtype.base_dtype, shape=val.shape.as_list())
            if dead_branch:
                pred = state.history_map.get(op_ctx.pred.name)
                result = switch_ref_or_tensor(result, pred)[1 - op_ctx.branch]
            return result
        if dead_branch:
            with InContext(graph, op_ctx.outer_context):
                val = switch_ref_or_tensor(op.inputs[0], op_ctx.pred)[1 - op_ctx.branch]
                zeros_shape = shape_op(val)
            val.op._control_flow_context = op_ctx
            zeros_shape.op._control_flow_context = op_ctx
        else:
            with InContext(graph, op_ctx):
                zeros_shape = shape_op(val)
        with InContext(graph, state.outside_context):
            history = state.add_forward_accumulator(zeros_shape, dead_branch=dead_branch)
        shape = state.add_backprop_accumulated_value(history, zeros_shape, dead_branch)
        return zeros(shape, val.dtype.base_dtype)

    def post_processing(self):
        """A loop variable whose next value does not depend on its value (the b_switch
        Merge got no back edge) gets zeros for every iteration after the first."""
        from teachflow.ops.constant_op import constant
        from teachflow.ops.filling import zeros

        for state in self.states.values():
            for b_merge in state.switch_map.values():
                if b_merge.op.inputs[0] is not b_merge.op.inputs[1]:
                    continue
                first = b_merge.op.inputs[0]
                graph = first.graph
                if first.shape.is_fully_defined():
                    with InContext(graph, state.grad_context):
                        grad_val = constant(0, first.dtype.base_dtype, shape=first.shape.as_list())
                        next_grad_val = next_iteration(grad_val)
                else:
                    with InContext(graph, state.grad_context.outer_context):
                        grad_val = zeros(shape_op(first.op.inputs[0]), first.dtype.base_dtype)
                    with InContext(graph, state.grad_context):
                        next_grad_val = next_iteration(grad_val)
                _update_input(b_merge.op, 1, next_grad_val)


def maybe_create_control_flow_state(between_list, between_set, colocate):
    """A `ControlFlowState` when a loop's Exit lies between xs and ys, else None."""
    state = None
    for op in between_list:  # (the Exits it adds are visited too)
        if op.type in EXIT_TYPES:
            if state is None:
                state = ControlFlowState()
            if colocate:
                with op.graph.colocate_with(op):
                    state.add_while_context(op, between_list, between_set)
            else:
                state.add_while_context(op, between_list, between_set)
    return state


def is_trainable_tensor(t: Tensor) -> bool:
    dt = t.dtype.base_dtype
    return dt.is_floating or dt.is_complex
