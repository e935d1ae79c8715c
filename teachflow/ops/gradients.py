"""``tf.gradients``: reverse-mode automatic differentiation that *builds graph ops*.

``tf.gradients(ys, xs)`` computes nothing. It walks the graph backwards from ``ys`` to
``xs`` and, for every op on a path between them, calls that op type's registered gradient
function, which adds new ops (under ``gradients/<op>_grad``) computing the gradient of the
op's inputs from the gradients of its outputs. The result is one symbolic tensor per ``x``
(``None`` where ``ys`` do not depend on ``x``); running them in a Session gives the values.

    >>> import teachflow as tf
    >>> x = tf.constant(3.0)
    >>> y = x * x + x
    >>> (dy_dx,) = tf.gradients(y, x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(dy_dx))
    7.0

The walk mirrors TensorFlow's ``gradients_util``: mark the ops reachable forward from
``xs`` along float tensors, keep those from which ``ys`` can be reached backwards, count
for each op how many of its consumers still have to send a gradient, and process an op
once all have (its output gradients are then summed with ``AddN``, or concatenated when
they are `IndexedSlices`, the gradients of gathers).
"""

from __future__ import annotations

import collections
import contextlib
import enum

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import (
    array_ops,
    control_flow_grad,
    control_flow_ops,
    control_flow_state,
    indexed_slices_ops,
    math_ops,
)

__all__ = ["gradients", "AggregationMethod", "UnconnectedGradients"]


class AggregationMethod:
    """How the gradients arriving at one tensor from several consumers are summed.

    ``ADD_N`` (the default) sums them with one ``AddN`` op once all have arrived;
    ``EXPERIMENTAL_TREE`` adds them pairwise so each can be freed sooner.
    """

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients(enum.Enum):
    """What ``tf.gradients`` returns for an ``x`` that ``ys`` do not depend on."""

    NONE = "none"
    ZERO = "zero"


def gradients(
    ys,
    xs,
    grad_ys=None,
    name="gradients",
    colocate_gradients_with_ops=False,
    gate_gradients=False,
    aggregation_method=None,
    stop_gradients=None,
    unconnected_gradients=UnconnectedGradients.NONE,
):
    """Symbolic gradients of ``sum(ys)`` with respect to each of ``xs``.

    ``ys`` and ``xs`` are tensors or lists of them (Variables are accepted: a variable
    in ``xs`` is differentiated through its ref, as TensorFlow does). ``grad_ys`` weights
    each ``y`` (default: ones of ``y``'s shape). Gradients do not flow through integer
    tensors, ``tf.stop_gradient``, ops marked not differentiable, or the tensors listed in
    ``stop_gradients``.

        >>> import teachflow as tf
        >>> a = tf.constant(2.0); b = tf.constant(5.0)
        >>> ga, gb = tf.gradients(a * b, [a, b], grad_ys=10.0)
        >>> with tf.Session() as sess:
        ...     print(*sess.run([ga, gb]))
        50.0 20.0

    Raises LookupError when an op on the path has no registered gradient, ValueError
    for a ``grad_ys`` list of the wrong length or an unknown aggregation method.
    """
    ys = _as_list(ys)
    xs = _as_list(xs)
    stop_gradients = [] if stop_gradients is None else _as_list(stop_gradients)
    grad_ys = [None] * len(ys) if grad_ys is None else _as_list(grad_ys)
    try:
        unconnected_gradients = UnconnectedGradients(unconnected_gradients)
    except ValueError:
        raise ValueError(
            f"Unknown value for unconnected_gradients: '{unconnected_gradients}'"
        ) from None

    values = list(ys) + list(xs) + list(stop_gradients) + list(grad_ys)
    with name_scope(name, "gradients", values):
        graph = get_default_graph()
        graph.unique_name("uid")  # TF reserves a per-call id for XLA clustering
        ys = [convert_to_tensor(y, name="y") for y in ys]
        xs = [convert_to_tensor(x, name="x", as_ref=True) for x in xs]
        grad_ys = _default_grad_ys(graph, grad_ys, ys, colocate_gradients_with_ops)

        to_ops = [t.op for t in ys]
        from_ops = [t.op for t in xs]
        stop_gradient_ops = [t.op for t in stop_gradients]
        reachable_to_ops, pending_count, loop_state = _pending_count(
            to_ops, from_ops, colocate_gradients_with_ops
        )

        # grads: op -> for each output, the gradients received so far (a list), replaced
        # by their sum when the op is processed.
        grads = {}
        for y, grad_y in zip(ys, grad_ys):
            _set_grad(grads, y, grad_y)

        queue = collections.deque()
        queued = set()
        for op in to_ops:
            # A y that is also an input of another y waits for that y's gradient.
            if pending_count[op] == 0 and op not in queued and op in reachable_to_ops:
                queued.add(op)
                queue.append(op)
        if loop_state is not None:
            # A loop's Exits that nothing differentiates get zeros once its other Exits
            # are done (TF's ProcessUnusedLoopExits).
            for y in loop_state.process_unused_loop_exits(pending_count, set(to_ops)):
                if _is_trainable(y):
                    _set_grad(grads, y, loop_state.zeros_like_for_exit(y))
                    queue.append(y.op)

        stop_ops = _stop_ops(from_ops, stop_gradient_ops, pending_count)
        while queue:
            op = queue.popleft()
            with _maybe_colocate_with(graph, op, colocate_gradients_with_ops):
                with _in_grad_loop(graph, loop_state, op, before=True):
                    out_grads = _aggregated_grads(graph, grads, op, aggregation_method, loop_state)
                has_out_grads = any(g is not None for g in out_grads)
                grad_fn = None
                if has_out_grads and op not in stop_ops:
                    grad_fn = _gradient_function(op)
                with _in_grad_loop(graph, loop_state, op, before=False):
                    if grad_fn is not None and has_out_grads:
                        in_grads = _call_grad_fn(
                            graph, op, grad_fn, out_grads, gate_gradients, loop_state
                        )
                    else:
                        in_grads = [None] * len(op.inputs)
                    for i, (t_in, in_grad) in enumerate(zip(op.inputs, in_grads)):
                        if in_grad is None:
                            continue
                        _set_static_shape(op, i, t_in, in_grad)
                        _set_grad(grads, t_in, in_grad)
            _update_pending_and_enqueue_ready(grads, op, queue, pending_count, loop_state)
    if loop_state is not None:
        loop_state.post_processing()  # (outside the gradients name scope, as in TF)
    return [_get_grad(grads, x, unconnected_gradients) for x in xs]


# -- the default gradient of each y ------------------------------------------------------
def _default_grad_ys(graph, grad_ys, ys, colocate):
    """``ones_like(y)`` where no ``grad_y`` is given, else ``identity(grad_y)``."""
    if len(grad_ys) != len(ys):
        raise ValueError(f"Length mismatch. Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    grad_ys = [None if g is None else convert_to_tensor(g, name="grad_y") for g in grad_ys]
    result = []
    for i, (y, grad_y) in enumerate(zip(ys, grad_ys)):
        with _maybe_colocate_with(graph, y.op, colocate):
            if grad_y is None:
                if y.dtype.is_complex:
                    raise TypeError(
                        f"Gradients of complex tensors ({y}) must set grad_ys "
                        f"(y.dtype = {y.dtype.base_dtype.name})"
                    )
                shape = array_ops.shape(y)
                result.append(array_ops.ones(shape, dtype=y.dtype.base_dtype, name=f"grad_ys_{i}"))
                continue
            numeric = y.dtype.is_floating or y.dtype.is_integer
            if not numeric:
                raise TypeError(
                    f"Tensor {y} with type {y.dtype.base_dtype.name} must be numeric to "
                    "obtain a default gradient"
                )
            if not (grad_y.dtype.is_floating or grad_y.dtype.is_integer):
                raise TypeError(
                    f"Gradient type {grad_y.dtype.base_dtype.name} generated for real or "
                    f"integer-valued tensor {y} with type {y.dtype.base_dtype.name} must be "
                    "real or integer"
                )
            # A fresh tensor under gradients/, so setting its static shape later never
            # changes the caller's tensor.
            result.append(array_ops.identity(grad_y, name=f"grad_ys_{i}"))
    return result


# -- which ops lie between xs and ys -----------------------------------------------------
def _is_trainable(t: Tensor) -> bool:
    """Only float (and complex) tensors carry gradients; integers and bools do not."""
    dt = t.dtype.base_dtype
    return dt.is_floating or dt.is_complex


def _mark_reached_ops(from_ops):
    """Ops reachable forward from ``from_ops`` along tensors that can carry gradients."""
    reached = set()
    queue = collections.deque(from_ops)
    while queue:
        op = queue.popleft()
        if op in reached:
            continue
        reached.add(op)
        for output in op.outputs:
            if _is_trainable(output):
                queue.extend(output.consumers())
    return reached


def _pending_count(to_ops, from_ops, colocate=False):
    """The ops between ``from_ops`` and ``to_ops`` and, for each, how many of its
    consumers among them must send a gradient before it can be processed; the loops'
    `ControlFlowState` when a while loop lies between them (else None)."""
    reached = _mark_reached_ops(from_ops)
    reachable_to_ops = {op for op in to_ops if op in reached}
    between = []
    between_set = set()
    queue = collections.deque(to_ops)
    while queue:
        op = queue.popleft()
        if op in reached:
            between.append(op)
            between_set.add(op)
            reached.discard(op)  # visit each op once
            queue.extend(t.op for t in op.inputs)
    loop_state = control_flow_state.maybe_create_control_flow_state(between, between_set, colocate)
    pending = collections.defaultdict(int)
    for op in between:
        for t in op.inputs:
            if t.op in between_set:
                pending[t.op] += 1
    return reachable_to_ops, pending, loop_state


def _stop_ops(from_ops, stop_gradient_ops, pending_count):
    """Ops whose inputs need no gradient: the xs themselves (unless an x depends on
    another x) and the ops of ``stop_gradients``."""
    stop = set()
    for op in from_ops:
        if all(pending_count[t.op] <= 0 for t in op.inputs):
            stop.add(op)
    stop.update(stop_gradient_ops)
    return stop


def _update_pending_and_enqueue_ready(grads, op, queue, pending_count, loop_state):
    for t in op.inputs:
        pending_count[t.op] -= 1
        ready = pending_count[t.op] == 0
        if loop_state is not None and not ready:
            # A loop Switch is visited once from its Exit, once more from the body.
            ready = pending_count[t.op] > 0 and control_flow_state.is_loop_switch(t.op)
        if not ready:
            continue
        if loop_state is not None and t.op.type in control_flow_state.EXIT_TYPES:
            _defer_exit(grads, t, queue, loop_state)
        else:
            queue.append(t.op)


def _defer_exit(grads, x, queue, loop_state):
    """A loop's Exits are processed together, once all have their gradients: an Exit
    with none gets zeros when another has one (TF's deferred exits)."""
    state = loop_state.grad_state(x.op, before=False)
    state.deferred_exits.append(x)
    state.pending_exits_count -= 1
    if state.pending_exits_count != 0:
        return
    has_not_none_grad = False
    for y in state.deferred_exits:
        if _has_any_not_none_grads(grads, y.op):
            has_not_none_grad = True
            queue.append(y.op)
        else:
            state.unused_exits.append(y)
    for y in state.unused_exits:
        if has_not_none_grad and _is_trainable(y):
            _set_grad(grads, y, loop_state.zeros_like_for_exit(y))
        queue.append(y.op)


def _has_any_not_none_grads(grads, op):
    out_grads = grads.get(op)
    if not out_grads:
        return False
    return any(g is not None and (not isinstance(g, list) or g) for g in out_grads)


@contextlib.contextmanager
def _in_grad_loop(graph, loop_state, op, before):
    """Build inside ``op``'s backward loop (the graph's context while it is open)."""
    ctx = loop_state.grad_context_for(op, before) if loop_state is not None else None
    if ctx is None:
        yield
        return
    saved, graph._control_flow_context = graph._control_flow_context, ctx
    try:
        yield
    finally:
        graph._control_flow_context = saved


# -- collecting and summing gradients ----------------------------------------------------
def _set_grad(grads, t, grad):
    op_grads = grads.get(t.op)
    if not op_grads:
        op_grads = grads[t.op] = [[] for _ in t.op.outputs]
    if isinstance(op_grads[t.value_index], list):
        op_grads[t.value_index].append(grad)
    else:  # a loop Switch's second visit: its body side's gradient
        op_grads[t.value_index] = grad


def _aggregated_grads(graph, grads, op, aggregation_method, loop_state=None):
    """Replace each output's list of received gradients by their sum (None if empty)."""
    if aggregation_method is None:
        aggregation_method = AggregationMethod.DEFAULT
    valid = [
        AggregationMethod.ADD_N,
        AggregationMethod.EXPERIMENTAL_TREE,
        AggregationMethod.EXPERIMENTAL_ACCUMULATE_N,
    ]
    if aggregation_method not in valid:
        raise ValueError(
            f"Invalid `aggregation_method` specified {aggregation_method}. "
            f"Accepted values are {valid}."
        )
    out_grads = grads.get(op)
    if out_grads is None:
        out_grads = grads[op] = [[] for _ in op.outputs]
    for i, received in enumerate(out_grads):
        if loop_state is not None and isinstance(received, Tensor):
            continue  # a loop Switch's gradient from its first visit
        if not received:
            out_grads[i] = None
        elif len(received) == 1:
            out_grads[i] = received[0]
        elif not all(isinstance(g, Tensor) for g in received if g is not None):
            # IndexedSlices (gather gradients) are summed by concatenating their rows.
            out_grads[i] = indexed_slices_ops.aggregate_indexed_slices(received)
        elif aggregation_method == AggregationMethod.ADD_N:
            out_grads[i] = _multi_device_add_n(graph, received)
        else:
            with graph.name_scope(op.name + "_gradient_sum"):
                running_sum = received[0]
                for g in received[1:]:
                    running_sum = math_ops.add_n([running_sum, g])
                out_grads[i] = running_sum
    return list(out_grads)


def _multi_device_add_n(graph, tensors):
    """Sum on each device first (next to the first summand), then across devices."""
    by_device = collections.defaultdict(list)
    for t in tensors:
        by_device[t.device].append(t)
    summands = []
    for device in sorted(by_device):
        group = by_device[device]
        # Next to the first summand only, whatever colocation surrounds this call.
        with graph.colocate_with(None, ignore_existing=True), graph.colocate_with(group[0].op):
            summands.append(math_ops.add_n(group))
    return math_ops.add_n(summands)


def _get_grad(grads, t, unconnected_gradients):
    op_grads = grads.get(t.op)
    t_grad = op_grads[t.value_index] if op_grads else None
    if t_grad is None and unconnected_gradients is UnconnectedGradients.ZERO:
        return array_ops.zeros_like(t)
    return t_grad


# -- calling one op's gradient function --------------------------------------------------
def _gradient_function(op):
    """The registered gradient of ``op`` (None when it has none by design).

    ``tf.Graph.gradient_override_map`` records the replacement type in the op's
    ``_gradient_op_type`` attribute, which wins over the op's own type.
    """
    if not op.inputs:
        return None
    op_type = op._attrs.get("_gradient_op_type", op.type)
    if isinstance(op_type, bytes):
        op_type = op_type.decode()
    try:
        op_def = registry.get(op_type)
    except KeyError:
        op_def = None
    if op_def is not None and op_def.not_differentiable:
        return None
    if op_def is None or op_def.grad is None:
        raise LookupError(
            f"No gradient defined for operation '{op.name}' (op type: {op.type}). "
            "In general every operation must have an associated `@tf.RegisterGradient` "
            "for correct autodiff, which this op is lacking. If you want to pretend this "
            "operation is a constant in your program, you may insert `tf.stop_gradient`."
        )
    return op_def.grad


def _call_grad_fn(graph, op, grad_fn, out_grads, gate_gradients, loop_state=None):
    # An output nobody differentiated has gradient zero; a gradient function of a
    # multi-output op may rely on getting a tensor for every float output. TF builds a
    # ZerosLike op here even for a known shape (optimize=False).
    for i, g in enumerate(out_grads):
        if g is None and _is_trainable(op.outputs[i]):
            # (a cond's Switch gets zeros that are live only when its other branch runs)
            if loop_state is not None:
                out_grads[i] = loop_state.zeros_like(op, i)
            else:
                out_grads[i] = control_flow_grad.zeros_like_output(op, i)
    with graph.name_scope(op.name + "_grad"):
        in_grads = _as_list(grad_fn(op, *out_grads))
        if len(in_grads) != len(op.inputs):
            raise ValueError(
                f"Num gradients {len(in_grads)} generated for op {op.node_def} do not match "
                f"num inputs {len(op.inputs)}"
            )
        if gate_gradients and sum(g is not None for g in in_grads) > 1:
            # Gating: no gradient of this op is usable before all of them are computed.
            with graph.device(None), graph.colocate_with(None, ignore_existing=True):
                in_grads = control_flow_ops.tuple(in_grads)
    return in_grads


def _set_static_shape(op, index, t_in, in_grad):
    if not isinstance(in_grad, Tensor):
        return
    try:
        in_grad.set_shape(t_in.get_shape())
    except ValueError:
        raise ValueError(
            "Incompatible shapes between op input and calculated input gradient. "
            f"Forward operation: {op.name}. Input index: {index}. Original input shape: "
            f"{t_in.shape}. Calculated input gradient shape: {in_grad.shape}"
        ) from None


# -- small helpers -----------------------------------------------------------------------
def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


@contextlib.contextmanager
def _maybe_colocate_with(graph, op, colocate):
    if colocate:
        with graph.colocate_with(op):
            yield
    else:
        yield
