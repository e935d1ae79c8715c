"""`WhileContext`: a v1 ``tf.while_loop`` while its condition and body are being built.

Like a cond branch (`teachflow.ops.cond_context`), a loop's frame sees every op created in
it (`Graph._add_op`), and makes the loop work without ``cond`` or ``body`` knowing:

* a tensor from outside the loop that an op reads comes in through an ``Enter`` with
  ``is_constant`` (``while/Less/Enter``): every iteration sees it;
* an op with no inputs (a constant), or whose inputs are all such loop constants, gets a
  control input from the loop's *pivot* (the first loop variable's ``Merge`` while the
  condition is built, its ``Identity`` in the body), so that it runs once per iteration and
  not at all once the loop has ended.

    >>> import teachflow as tf
    >>> with tf.Graph().as_default() as g:
    ...     n = tf.placeholder(tf.int32, [], name="n")
    ...     r = tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)])
    >>> [op.name for op in g.get_operations() if op.type == "Enter"]
    ['while/Enter', 'while/Less/Enter']
"""

from __future__ import annotations

import contextlib

from teachflow.framework.operation import Operation, Tensor
from teachflow.ops.cond_context import _update_input
from teachflow.ops.control_flow_primitives import enter


class WhileContext:
    """The frame of one loop: its ``name`` (the frame name, ``while/while_context``) and
    ``parallel_iterations``; the pivots are set while the loop is built."""

    def __init__(
        self,
        graph,
        name,
        parallel_iterations=10,
        back_prop=True,
        swap_memory=False,
        grad_state=None,
    ):
        self.graph = graph
        self.name = name
        self.parallel_iterations = parallel_iterations
        self.outer_context = graph._control_flow_context
        self._saved_context = None
        self.pivot_for_pred = None  # the first Merge: the pivot while cond is built
        self.pivot_for_body = None  # the first Identity: the pivot while body is built
        self.values = set()
        self.external_values = {}
        self.back_prop = back_prop
        self.swap_memory = swap_memory
        # Set on the backward loop of a gradient (`teachflow.ops.control_flow_state`): its
        # GradLoopState, which reads the forward loop's values from stacks.
        self.grad_state = grad_state
        self.pivot = None  # the LoopCond: what the loop's Switches route on
        self.loop_enters = []  # the loop variables' Enters
        self.loop_exits = []  # the loop variables' Exits

    def get_while_context(self):
        return self

    def enter(self) -> None:
        self._saved_context = self.graph._control_flow_context
        self.graph._control_flow_context = self

    def exit(self) -> None:
        self.graph._control_flow_context = self._saved_context

    def control_pivot(self) -> Tensor:
        return self.pivot_for_body if self.pivot_for_body is not None else self.pivot_for_pred

    # -- what the graph tells it -----------------------------------------------------------
    def add_op(self, op: Operation) -> None:
        if not op._inputs:
            if not self._internal_control_inputs(op) and self.control_pivot() is not None:
                op._add_control_input(self.control_pivot().op)
        else:
            for index, x in enumerate(op._inputs):
                real_x = self.add_value(x, scope=op.name + "/")
                if real_x is not x:
                    _update_input(op, index, real_x)
            self._internal_control_inputs(op)
            if not op._control_inputs and all(_is_loop_constant(x.op) for x in op._inputs):
                if self.control_pivot() is not None:
                    op._add_control_input(self.control_pivot().op)
        self.values.update(t.name for t in op.outputs)
        _seal(self, op)

    def add_value(self, val: Tensor, scope: str | None = None) -> Tensor:
        """``val`` as the loop may read it: a loop constant ``Enter`` of it (made once)."""
        if val.name in self.values or val.op._control_flow_context is self:
            return self.external_values.get(val.name, val)
        self.values.add(val.name)
        named = self.graph.name_scope(scope) if scope else contextlib.nullcontext()
        with named:
            real = _forward_value_for_gradient(self.graph, val)
        if real is not None:
            self.external_values[val.name] = real
            return real
        result = val
        if self.outer_context is not None:
            result = self.outer_context.add_value(val, scope=scope)
        named = self.graph.name_scope(scope) if scope else contextlib.nullcontext()
        saved, self.graph._control_flow_context = self.graph._control_flow_context, None
        try:
            with self.graph.control_dependencies(None), named:
                result = enter(result, self.name, True, self.parallel_iterations)
        finally:
            self.graph._control_flow_context = saved
        result.op._control_flow_context = self
        self.graph.prevent_feeding(result)
        self.values.add(result.name)
        self.external_values[val.name] = result
        return result

    def _internal_control_inputs(self, op) -> list:
        """Drop ``op``'s control inputs from outside the loop (TF pulls them in through an
        Identity of theirs; an outside op runs once, not once per iteration)."""
        inside = [c for c in op._control_inputs if _in_loop(c, self)]
        outside = [c for c in op._control_inputs if not _in_loop(c, self)]
        if outside:
            for c in outside:
                op._control_inputs.remove(c)
                c._control_outputs.remove(op)
            from teachflow.ops.identity_ops import identity

            pulled = []
            for c in outside:
                if c._outputs:
                    with self.graph.control_dependencies(None):
                        pulled.append(identity(c._outputs[0]).op)
            op._add_control_inputs(pulled)
            inside.extend(pulled)
        return inside


def _seal(context, op) -> None:
    """What a session may not touch inside a loop, as TF's ``WhileContext``: an op of the
    frame is neither fetched nor fed (its value is one iteration's, of an iteration that may
    not run), except the loop's results, its outermost ``Exit`` ops. (The ``Enter`` ops
    that bring values in are made outside the context: fetchable, not feedable.)"""
    graph = context.graph
    if context.outer_context is None and op.type in ("Exit", "RefExit"):
        return
    graph.prevent_fetching(op)
    for t in op.outputs:
        graph.prevent_feeding(t)


def _forward_value_for_gradient(graph, val):
    """While a backward loop is built: a value of its forward loop, popped from a stack
    (TF's ``GetRealValue``); None for any other value."""
    current = graph._control_flow_context
    while current is not None and not isinstance(current, WhileContext):
        current = current.outer_context
    if current is None or current.grad_state is None:
        return None
    from teachflow.ops import control_flow_state

    forward = control_flow_state.while_context_of(val.op)
    if val.op.type in ("Exit", "RefExit") and forward is not None:
        forward = control_flow_state._enclosing_while(forward.outer_context)
    if forward is not current.grad_state.forward_context:
        return None
    return current.grad_state.get_real_value(val)


def _in_loop(op, ctx) -> bool:
    c = op._control_flow_context
    while c is not None:
        if c is ctx:
            return True
        c = c.outer_context
    return False


def _is_loop_constant(op) -> bool:
    return op.type in ("Enter", "RefEnter") and bool(op._attrs.get("is_constant"))
