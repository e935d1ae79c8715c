"""``tf.while_loop``, built as TensorFlow 1.x builds it: a frame of Enter, Merge, LoopCond,
Switch, Identity, the body, NextIteration and Exit.

For each loop variable: ``while/Enter`` brings it into the frame ``while/while_context``;
``while/Merge`` takes the Enter in iteration 0 and the body's ``while/NextIteration``
afterwards; the condition reads the Merges and ends in ``while/LoopCond``; each
``while/Switch`` routes its Merge by it, to ``while/Exit`` when the condition is false and
to ``while/Identity`` (what the body reads) when it is true. The executor runs the frame
one iteration after another (`teachflow.runtime.control_flow_frames`).

    >>> import teachflow as tf
    >>> n = tf.placeholder(tf.int32, [])
    >>> i, total = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + i),
    ...                          [tf.constant(0), tf.constant(0)])
    >>> with tf.Session() as sess:
    ...     print(*sess.run([i, total], {n: 5}))
    5 10
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.cond_context import _update_input
from teachflow.ops.control_flow_primitives import (
    enter,
    loop_cond,
    merge,
    next_iteration,
    switch_ref_or_tensor,
)
from teachflow.ops.control_flow_primitives import exit as exit_op
from teachflow.ops.identity_ops import identity
from teachflow.ops.tensor_array_ops import TensorArray
from teachflow.ops.while_context import WhileContext

__all__ = ["while_loop"]


def while_loop(
    cond,
    body,
    loop_vars,
    shape_invariants=None,
    parallel_iterations=10,
    back_prop=True,
    swap_memory=False,
    name=None,
    maximum_iterations=None,
    return_same_structure=False,
):
    """Repeat ``body`` while ``cond`` is true; the loop variables' final values.

    ``loop_vars`` is a structure of tensors; ``cond`` takes them and returns a scalar bool
    tensor, ``body`` takes them and returns the same structure. ``shape_invariants`` allows a
    variable's shape to change between iterations; ``maximum_iterations`` stops the loop
    after that many (an extra loop variable counts them, as in TF). ``tf.gradients``
    differentiates the loop with a backward loop and stacks, as TF1
    (`teachflow.ops.control_flow_state`); ``back_prop=False`` turns that off,
    ``swap_memory`` is accepted (all memory is the host's here).

    >>> import teachflow as tf
    >>> r = tf.while_loop(lambda x: x < 100, lambda x: x * 2, [tf.constant(3)])
    >>> with tf.Session() as sess:
    ...     print(sess.run(r))
    192

    Raises TypeError for ``cond``/``body`` that are not callable, ValueError for no loop
    variables, a body whose structure differs, or a shape that leaves its invariant.
    """
    with name_scope(name, "while", nest.flatten(loop_vars)):
        if not loop_vars:
            raise ValueError("No loop variables provided")
        if not callable(cond):
            raise TypeError("cond must be callable.")
        if not callable(body):
            raise TypeError("body must be callable.")
        if parallel_iterations < 1:
            raise TypeError("parallel_iterations must be a positive integer.")
        try_to_pack = not isinstance(loop_vars, (list, tuple)) or (
            len(loop_vars) == 1 and not return_same_structure
        )
        if maximum_iterations is not None:
            cond, body, loop_vars, shape_invariants = _counted(
                cond, body, loop_vars, shape_invariants, maximum_iterations, try_to_pack
            )
            try_to_pack = False
        graph = get_default_graph()
        context = WhileContext(
            graph,
            graph.unique_name("while_context"),
            parallel_iterations,
            back_prop=back_prop,
            swap_memory=swap_memory,
        )
        result = _build_loop(context, cond, body, loop_vars, shape_invariants)
        if maximum_iterations is not None:
            return result[1]
        if not return_same_structure and isinstance(result, (list, tuple)) and len(result) == 1:
            return result[0]
        return result


def _counted(cond, body, loop_vars, shape_invariants, maximum_iterations, try_to_pack):
    """TF's ``maximum_iterations``: an iteration counter in front of the loop variables."""
    from teachflow.ops.comparison_ops import less
    from teachflow.ops.constant_op import constant
    from teachflow.ops.math_ops import logical_and

    maximum = convert_to_tensor(maximum_iterations, name="maximum_iterations")
    if maximum.shape.ndims not in (None, 0):
        raise ValueError(
            f"maximum_iterations must be a scalar, saw shape: {maximum.shape.as_list()}"
        )
    counter = constant(0, dtype=maximum.dtype, name="iteration_counter")
    if try_to_pack:
        var = loop_vars[0] if isinstance(loop_vars, (list, tuple)) else loop_vars
        loop_vars = (counter, var)
        if shape_invariants is not None:
            shape_invariants = (TensorShape([]), _first(shape_invariants))
        return (
            lambda i, lv: logical_and(less(i, maximum), cond(lv)),
            lambda i, lv: (i + 1, body(lv)),
            loop_vars,
            shape_invariants,
        )
    loop_vars = (counter, loop_vars)
    if shape_invariants is not None:
        shape_invariants = (TensorShape([]), shape_invariants)
    return (
        lambda i, lv: logical_and(less(i, maximum), cond(*lv)),
        lambda i, lv: (i + 1, body(*lv)),
        loop_vars,
        shape_invariants,
    )


def _first(x):
    return x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x


def _build_loop(context, cond, body, loop_vars, shape_invariants):
    """TF's ``WhileContext.BuildLoop``: the frame, the condition, the body, the back edges."""
    structure = loop_vars if isinstance(loop_vars, (list, tuple)) else [loop_vars]
    flat_orig = nest.flatten(structure)
    flat = [_to_flow(v) for v in flat_orig]
    invariants = (
        [t.shape for t in flat]
        if shape_invariants is None
        else [TensorShape(s) for s in nest.flatten(_as_structure(shape_invariants, structure))]
    )
    context.enter()
    try:
        real_vars = flat
        if context.outer_context is not None:
            real_vars = [context.outer_context.add_value(x) for x in flat]
        context.values.update(t.name for t in real_vars)  # the Enters read them as they are
        enter_vars = []
        # As TF's control_dependencies(None), the Enters are made outside every context (a
        # session may fetch them, not feed them: `while_context._seal`).
        graph = context.graph
        saved, graph._control_flow_context = graph._control_flow_context, None
        with graph.control_dependencies(None):
            for var, invariant in zip(real_vars, invariants):
                e = enter(var, context.name, False, context.parallel_iterations)
                e.op._control_flow_context = context
                graph.prevent_feeding(e)
                if not invariant.is_compatible_with(var.shape) or not _less_specific(
                    var.shape, invariant
                ):
                    raise ValueError(
                        f"The shape invariant specified for {var.name} is not compatible with "
                        f"the initial shape of the loop variable. It enters the loop with shape "
                        f"{var.shape}, but the specified shape invariant is {invariant}."
                    )
                e._shape = invariant
                enter_vars.append(e)
        graph._control_flow_context = saved
        # Only the Enters from now on (TF's _InitializeValues): a loop variable's initial
        # value read in the body (or an inner loop) enters as a loop constant.
        context.values = {t.name for t in enter_vars}
        context.loop_enters = list(enter_vars)
        merge_vars = [merge([x, x])[0] for x in enter_vars]
        context.pivot_for_pred = merge_vars[0]
        c = convert_to_tensor(cond(*_packed(structure, flat_orig, merge_vars)))
        pivot = context.pivot = loop_cond(c, name="LoopCond")
        switch_vars = [switch_ref_or_tensor(x, pivot) for x in merge_vars]
        vars_for_body = [identity(x[1]) for x in switch_vars]
        context.pivot_for_body = vars_for_body[0]
        packed_for_body = _packed(structure, flat_orig, vars_for_body)
        result = body(*packed_for_body)
        if not isinstance(result, (list, tuple, dict)):
            result = [result]
        # The outer layer is compared as lists (loop_vars are usually a list, a body's
        # result a tuple); deeper layers must match exactly, as in TF.
        nest.assert_same_structure(list(packed_for_body), list(result))
        flat_result = [_to_flow(v) for v in nest.flatten(result)]
        if len(merge_vars) != len(flat_result):
            raise ValueError(
                "Number of inputs and outputs of 'body' must match 'loop_vars'. Got "
                f"{len(merge_vars)} for the number of inputs/outputs, and {len(flat_result)} "
                "for the number of inputs/outputs."
            )
        for m, v, invariant in zip(merge_vars, flat_result, invariants):
            _enforce_invariant(m, v, invariant)
            _update_input(m.op, 1, next_iteration(v))
        exit_vars = [exit_op(x[0]) for x in switch_vars]
        context.loop_exits = list(exit_vars)
        if context.outer_context is not None:  # TF's ExitResult: usable outside as they are
            context.outer_context.values.update(x.name for x in exit_vars)
    finally:
        context.exit()
    for x, invariant in zip(exit_vars, invariants):
        x._shape = invariant
    return _packed(result, flat_orig, exit_vars)


def _to_flow(v):
    """A loop variable as a tensor: a TensorArray travels as its flow (TF does the same)."""
    return v.flow if isinstance(v, TensorArray) else convert_to_tensor(v)


def _packed(structure, flat_orig, tensors):
    """``tensors`` in ``structure``, each TensorArray of ``flat_orig`` rebuilt on its flow."""
    values = [
        o._with_flow(t) if isinstance(o, TensorArray) else t for o, t in zip(flat_orig, tensors)
    ]
    return nest.pack_sequence_as(structure, values)


def _as_structure(shape_invariants, structure):
    if len(structure) == 1 and not (
        isinstance(shape_invariants, (list, tuple)) and len(shape_invariants) == 1
    ):
        return [shape_invariants]
    return shape_invariants


def _less_specific(shape, invariant) -> bool:
    """Whether ``invariant`` admits ``shape`` (TF's ``_ShapeLessThanOrEqual``)."""
    if invariant.ndims is None:
        return True
    if shape.ndims != invariant.ndims:
        return False
    return all(b is None or a == b for a, b in zip(shape.as_list(), invariant.as_list()))


def _enforce_invariant(merge_var, next_var, invariant):
    if not _less_specific(next_var.shape, invariant):
        raise ValueError(
            f"Input tensor '{merge_var.op.inputs[0].op.inputs[0].name}' enters the loop with "
            f"shape {invariant}, but has shape {next_var.shape} after one iteration. To allow "
            "the shape to vary across iterations, use the `shape_invariants` argument of "
            "tf.while_loop to specify a less-specific shape."
        )
