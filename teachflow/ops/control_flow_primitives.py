"""TF1's control-flow primitives: ``Switch``, ``Merge``, ``ControlTrigger`` and dead tensors.

TensorFlow 1.x builds ``tf.cond`` (and ``tf.while_loop``) from a few ops that route values
instead of computing them. ``Switch(data, pred)`` forwards ``data`` to output 1 when
``pred`` is true and to output 0 when it is false; the other output is *dead*: it has no
value, and every op that reads a dead tensor (or waits on a dead op through a control
edge) is itself skipped and its outputs are dead too. ``Merge(inputs)`` is the exception:
it forwards its first live input (``output``) and says which one (``value_index``), and it
is dead only when all its inputs are. ``ControlTrigger`` is never dead: it lets a control
edge continue whatever its inputs were. The executor's side of these rules lives in
`teachflow.runtime.control_flow`; here are the ops and their kernels, which see a dead
input as the `DEAD` marker.

    >>> import teachflow as tf
    >>> from teachflow.ops.control_flow_primitives import switch, merge
    >>> p = tf.placeholder(tf.bool, [])
    >>> f, t = switch(tf.constant(3.0), p)
    >>> out = merge([f * 10.0, t + 1.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(out.output, {p: True}), sess.run(out.output, {p: False}))
    4.0 30.0
"""

from __future__ import annotations

import collections

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import no_outputs
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import colocate_with, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["DEAD", "switch", "ref_switch", "merge", "ref_merge", "control_trigger"]


class _DeadTensor:
    """The value of a dead tensor: there is none (TF's ``Entry`` with ``has_value`` false)."""

    __slots__ = ()

    def __repr__(self):
        return "<dead tensor>"

    def __reduce__(self):  # one marker per process, even through copy/pickle
        return "DEAD"


DEAD = _DeadTensor()

# Op types whose routing the executor's deadness rules single out.
SWITCH_TYPES = frozenset({"Switch", "RefSwitch"})
MERGE_TYPES = frozenset({"Merge", "RefMerge"})


# -- Switch ----------------------------------------------------------------------------
def _infer_switch(op):
    data, pred = op.inputs
    if pred.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {pred.shape.ndims}")
    dt = data.dtype if op.type == "RefSwitch" else data.dtype.base_dtype
    return [(dt, data.shape), (dt, data.shape)]


def _switch_kernel(op, device):
    def switch_kernel(data, pred):
        if np.ndim(pred) != 0:
            raise errors.InvalidArgumentError(
                None,
                None,
                "The second input must be a scalar, but it has shape "
                f"[{','.join(str(d) for d in np.shape(pred))}]",
            )
        return (DEAD, data) if bool(pred) else (data, DEAD)

    return switch_kernel


def _switch_grad(op, grad_false, grad_true):
    from teachflow.ops.control_flow_grad import switch_grad

    return switch_grad(op, grad_false, grad_true)


registry.register("Switch", _infer_switch, _switch_kernel, grad=_switch_grad)
registry.register("RefSwitch", _infer_switch, _switch_kernel, grad=_switch_grad, ref_inputs=(0,))


# -- Merge -----------------------------------------------------------------------------
def _merged_shape(inputs) -> TensorShape:
    """The shape every input could have: dimensions that differ become unknown (TF's
    Merge shape function)."""
    shapes = [t.shape for t in inputs]
    first = shapes[0]
    if first.ndims is None or any(s.ndims != first.ndims for s in shapes):
        return TensorShape(None)
    dims = []
    for i in range(first.ndims):
        values = {s.as_list()[i] for s in shapes}
        dims.append(values.pop() if len(values) == 1 else None)
    return TensorShape(dims)


def _infer_merge(op):
    base = op.inputs[0].dtype
    for i, t in enumerate(op.inputs):
        if t.dtype.base_dtype is not base.base_dtype:
            raise TypeError(
                f"Input {i} of '{op.type}' Op has type {t.dtype.base_dtype.name} that does not "
                f"match type {base.base_dtype.name} of argument 'inputs'."
            )
    dt = base if op.type == "RefMerge" else base.base_dtype
    return [(dt, _merged_shape(op.inputs)), (dtypes.int32, TensorShape([]))]


def _merge_kernel(op, device):
    def merge_kernel(*inputs):
        # The executor calls a Merge only once some input is live; the first one wins.
        for i, x in enumerate(inputs):
            if x is not DEAD:
                return x, np.int32(i)
        return DEAD, DEAD

    return merge_kernel


def _merge_grad(op, grad, _grad_index):
    from teachflow.ops.control_flow_grad import merge_grad

    return merge_grad(op, grad)


registry.register("Merge", _infer_merge, _merge_kernel, grad=_merge_grad)
registry.register(
    "RefMerge", _infer_merge, _merge_kernel, grad=_merge_grad, ref_inputs=tuple(range(64))
)


# -- ControlTrigger --------------------------------------------------------------------
registry.register("ControlTrigger", no_outputs, lambda op, device: lambda *args: None)


# -- building them -------------------------------------------------------------------------
MergeOutput = collections.namedtuple("Merge", ["output", "value_index"])


def switch(data, pred, dtype=None, name=None):
    """``(output_false, output_true)``: ``data`` forwarded to one of them by ``pred``.

    >>> import teachflow as tf
    >>> from teachflow.ops.control_flow_primitives import switch
    >>> f, t = switch(tf.constant(1.0), tf.constant(True), name="sw")
    >>> f.name, t.name
    ('sw:0', 'sw:1')
    """
    from teachflow.framework.conversion import convert_to_tensor

    with name_scope(name, "Switch", [data, pred]) as scope:
        data = convert_to_tensor(data, dtype=dtype, name="data", as_ref=True)
        pred = convert_to_tensor(pred, name="pred")
        op_type = "RefSwitch" if data.dtype.is_ref_dtype else "Switch"
        op = get_default_graph().create_op(
            op_type, [data, pred], {"T": data.dtype.base_dtype}, name=scope
        )
        return tuple(op.outputs)


def ref_switch(data, pred, name=None):
    """``switch`` of a variable's reference: both outputs are references."""
    return switch(data, pred, name=name or "RefSwitch")


def switch_ref_or_tensor(data, pred, name="Switch"):
    """TF's ``_SwitchRefOrTensor``: a Switch colocated with ``data``, a RefSwitch for a
    reference (so that the branch may still assign through it)."""
    with colocate_with(data.op, ignore_existing=True):
        return switch(data, pred, name=name)


def merge(inputs, name=None):
    """``(output, value_index)``: the first live tensor of ``inputs`` and its position."""
    from teachflow.framework.conversion import convert_to_tensor

    inputs = [convert_to_tensor(x, as_ref=True) for x in inputs]
    if not inputs:
        raise ValueError("At least one input is required for merge()")
    with name_scope(name, "Merge", inputs) as scope:
        refs = all(t.dtype.is_ref_dtype for t in inputs)
        op_type = "RefMerge" if refs else "Merge"
        if not refs:
            inputs = [t if not t.dtype.is_ref_dtype else _read(t) for t in inputs]
        attrs = {"T": inputs[0].dtype.base_dtype, "N": len(inputs)}
        op = get_default_graph().create_op(op_type, inputs, attrs, name=scope)
        return MergeOutput(*op.outputs)


def ref_merge(inputs, name=None):
    return merge(inputs, name=name or "RefMerge")


def _read(t: Tensor) -> Tensor:
    from teachflow.ops.identity_ops import identity

    return identity(t)


def control_trigger(name=None):
    """An op that runs once all its control inputs are done, dead or not."""
    return get_default_graph().create_op("ControlTrigger", [], {}, name=name or "ControlTrigger")


# -- loops: Enter, Exit, NextIteration, LoopCond -----------------------------------------
# A while loop's ops live in a *frame* (``frame_name``): ``Enter`` brings a value into it
# (every iteration sees an ``is_constant`` one; a loop variable's only starts iteration 0),
# ``NextIteration`` hands a value to the next iteration's ``Merge``, ``LoopCond`` is the
# predicate the loop's Switches read, and ``Exit`` takes a value out once the loop ends.
# Their kernels forward the value: the iterations are the executor's business
# (`teachflow.runtime.control_flow_frames`).
LOOP_TYPES = frozenset(
    {"Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration", "LoopCond"}
)


def _infer_forward(op):
    t = op.inputs[0]
    dt = t.dtype if op.type.startswith("Ref") else t.dtype.base_dtype
    return [(dt, t.shape)]


def _infer_loop_cond(op):
    if op.inputs[0].shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.ndims}")
    return [(dtypes.bool_, TensorShape([]))]


def _forward_kernel(op, device):
    return lambda x: x


def _loop_grad(name):
    """The gradient of a frame op: TF1's backward loop (`teachflow.ops.control_flow_grad`)."""

    def grad(op, grad):
        from teachflow.ops import control_flow_grad

        return getattr(control_flow_grad, name)(op, grad)

    return grad


for _type, _grad in (
    ("Enter", "enter_grad"),
    ("Exit", "exit_grad"),
    ("NextIteration", "next_iteration_grad"),
):
    registry.register(_type, _infer_forward, _forward_kernel, grad=_loop_grad(_grad))
    registry.register(
        "Ref" + _type,
        _infer_forward,
        _forward_kernel,
        grad=_loop_grad(_grad),
        ref_inputs=(0,),
    )
registry.register("LoopCond", _infer_loop_cond, _forward_kernel, not_differentiable=True)


def _loop_op(op_type, data, name, attrs=None):
    from teachflow.framework.conversion import convert_to_tensor

    data = convert_to_tensor(data, as_ref=True)
    if data.dtype.is_ref_dtype and op_type != "LoopCond":
        op_type = "Ref" + op_type
    all_attrs = {"T": data.dtype.base_dtype} if op_type != "LoopCond" else {}
    all_attrs.update(attrs or {})
    op = get_default_graph().create_op(op_type, [data], all_attrs, name=name or op_type)
    return op.outputs[0]


def enter(data, frame_name, is_constant=False, parallel_iterations=10, name=None):
    """``data`` made available inside the loop frame ``frame_name`` (TF's ``_Enter``)."""
    attrs = {
        "frame_name": frame_name.encode() if isinstance(frame_name, str) else frame_name,
        "is_constant": bool(is_constant),
        "parallel_iterations": int(parallel_iterations),
    }
    return _loop_op("Enter", data, name or "Enter", attrs)


def exit(data, name=None):  # noqa: A001 - TF's name
    """``data`` of the loop's last iteration, out of its frame."""
    return _loop_op("Exit", data, name or "Exit")


def next_iteration(data, name=None):
    """``data`` handed to the next iteration (the Merge's back edge)."""
    return _loop_op("NextIteration", data, name or "NextIteration")


def loop_cond(pred, name=None):
    """The loop's predicate: the loop's Switches route on it."""
    return _loop_op("LoopCond", pred, name or "LoopCond")
