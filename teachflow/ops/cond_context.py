"""`CondContext`: one branch of a v1 ``tf.cond`` while it is being built.

TensorFlow 1.x builds each branch of a cond *inside* a context that sees every new op
(`Graph._add_op` hands it over). The context makes the branch conditional without the
branch function knowing:

* a tensor from outside the branch that an op reads is routed through a ``Switch`` on the
  cond's predicate (``cond/mul/Switch``, colocated with the tensor), whose output for this
  branch the op reads instead: when the other branch is taken that output is dead, and so
  is everything the branch computes from it;
* an op with no inputs at all (a constant) gets a control input from the branch's *pivot*
  (``cond/switch_t`` or ``cond/switch_f``), the Identity of the pred's own Switch, for the
  same reason;
* each value the branch returns gets the same treatment when it comes from outside
  (``lambda: x`` becomes ``cond/Switch_1``).

Nested conds chain their contexts: an inner branch's outside value is first made available
in the outer branch (its own Switch there), then switched again.

    >>> import teachflow as tf
    >>> with tf.Graph().as_default() as g:
    ...     x = tf.constant(2.0)
    ...     r = tf.cond(tf.constant(True), lambda: x * 3.0, lambda: x)
    >>> [op.name for op in g.get_operations() if op.type == "Switch"]
    ['cond/Switch', 'cond/mul/Switch', 'cond/Switch_1']
"""

from __future__ import annotations

import contextlib

from teachflow.framework.operation import Operation, Tensor
from teachflow.ops.control_flow_primitives import switch_ref_or_tensor


class CondContext:
    """The context of one branch: the cond's ``pred`` (its ``pred_id`` Identity), the
    branch's ``pivot`` tensor and ``branch`` (1 for true_fn, 0 for false_fn)."""

    def __init__(self, pred: Tensor, pivot: Tensor, branch: int):
        graph = pred.graph
        self.graph = graph
        self.pred = pred
        self.pivot = pivot
        self.branch = branch
        self.outer_context = graph._control_flow_context
        self._saved_context = None
        # Names of the tensors usable inside this branch as they are, and the branch's
        # replacement (a Switch output) for each outside tensor used so far.
        self.values = {pred.name, pivot.name}
        self.external_values = {pred.name: pred}
        pivot.op._control_flow_context = self

    # -- entering and leaving --------------------------------------------------------
    def enter(self) -> None:
        self._saved_context = self.graph._control_flow_context
        self.graph._control_flow_context = self

    def exit(self) -> None:
        self.graph._control_flow_context = self._saved_context

    # -- what the graph tells it ---------------------------------------------------------
    def add_op(self, op: Operation) -> None:
        """A new op of this branch: route its outside inputs, pin an input-less op."""
        if not op._inputs:
            if not any(self._owns(c) for c in op._control_inputs):
                op._add_control_input(self.pivot.op)
        else:
            for index, x in enumerate(op._inputs):
                real_x = self.add_value(x, scope=op.name + "/")
                if real_x is not x:
                    _update_input(op, index, real_x)
        self._mark_seen(op.outputs)
        # As TF, a session may not fetch what one branch computes (it may never run): only
        # the cond's Merge outputs (and a loop's results made in a branch at the top level).
        if self.outer_context is not None or op.type not in ("Exit", "RefExit"):
            self.graph.prevent_fetching(op)

    def add_value(self, val: Tensor, scope: str | None = None) -> Tensor:
        """``val`` as this branch may read it: itself when made inside, else (once) the
        branch's output of a Switch of it on the pred."""
        if val.name in self.values:
            return self.external_values.get(val.name, val)
        self.values.add(val.name)
        result = val
        if self.outer_context is not None:
            result = self.outer_context.add_value(val)
            self.values.add(result.name)
            self.external_values[result.name] = result
        graph = self.graph
        # The Switch belongs to no control-dependency block and, as TF's
        # control_dependencies(None) also clears the control-flow context, to no branch
        # while it is made (an inner branch must not route its pred); it is named after the
        # op that needed it (TF creates it while that op's name scope is open).
        named = graph.name_scope(scope) if scope else contextlib.nullcontext()
        saved, graph._control_flow_context = graph._control_flow_context, None
        try:
            with graph.control_dependencies(None), named:
                result = switch_ref_or_tensor(result, self.pred)[self.branch]
        finally:
            graph._control_flow_context = saved
        result.op._control_flow_context = self
        graph.prevent_fetching(result.op)
        self._mark_seen([result])
        self.external_values[val.name] = result
        return result

    def process_output(self, val: Tensor) -> Tensor:
        """A value the branch function returned, as the branch's result (TF's
        ``_ProcessOutputTensor``: ``lambda: x`` returns a Switch of ``x``)."""
        if val.name not in self.values:
            self.values.add(val.name)
            real_val = val
            if self.outer_context is not None:
                real_val = self.outer_context.add_value(val)
                self.values.add(real_val.name)
                self.external_values[real_val.name] = real_val
            real_val = switch_ref_or_tensor(real_val, self.pred)[self.branch]
            self.external_values[val.name] = real_val
            return real_val
        return self.external_values.get(val.name, val)

    def _owns(self, op) -> bool:
        ctx = op._control_flow_context
        while ctx is not None:
            if ctx is self:
                return True
            ctx = ctx.outer_context
        return False

    def _mark_seen(self, tensors) -> None:
        ctx = self
        while ctx is not None:
            ctx.values.update(t.name for t in tensors)
            ctx = ctx.outer_context


def _update_input(op: Operation, index: int, tensor: Tensor) -> None:
    """Make ``op`` read ``tensor`` at input ``index`` (TF's ``Operation._update_input``)."""
    old = op._inputs[index]
    op._inputs = op._inputs[:index] + (tensor,) + op._inputs[index + 1 :]
    old._consumers.remove(op)  # one entry per input position that reads it
    tensor._consumers.append(op)
    op.graph._version += 1
