"""TF1's stacks: ``StackV2``, ``StackPushV2``, ``StackPopV2``, ``StackCloseV2``.

A stack is a resource made by ``StackV2`` once per step: a list that ``StackPushV2`` appends
to and ``StackPopV2`` takes the last element from. TF1 differentiates a ``tf.while_loop``
with them (`teachflow.ops.control_flow_state`): each forward iteration pushes the values its
gradient will need (``f_acc``), and the backward loop, running the iterations in reverse,
pops them.

    >>> import teachflow as tf
    >>> from teachflow.ops import stack_ops
    >>> s = stack_ops.stack_v2(-1, tf.float32, stack_name="demo")
    >>> push = stack_ops.stack_push_v2(s, tf.constant(2.0))
    >>> with tf.control_dependencies([push]):
    ...     pop = stack_ops.stack_pop_v2(s, tf.float32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(pop))
    2.0
"""

from __future__ import annotations

import itertools

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.shapes import TensorShape

__all__ = ["stack_v2", "stack_push_v2", "stack_pop_v2", "stack_close_v2"]


class StackState:
    """One stack of one step: its name, element type, maximum size (-1: none) and values."""

    __slots__ = ("name", "elem_type", "max_size", "values", "closed")

    def __init__(self, name, elem_type, max_size):
        self.name = name
        self.elem_type = elem_type
        self.max_size = max_size
        self.values = []
        self.closed = False

    def push(self, value):
        if self.closed:
            raise errors.InvalidArgumentError(None, None, f"Stack[{self.name}] has been closed.")
        if 0 <= self.max_size <= len(self.values):
            raise errors.InvalidArgumentError(
                None, None, f"Stack[{self.name}] has reached its maximum size: {self.max_size}"
            )
        self.values.append(value)
        return value

    def pop(self):
        if self.closed:
            raise errors.InvalidArgumentError(None, None, f"Stack[{self.name}] has been closed.")
        if not self.values:
            raise errors.InvalidArgumentError(
                None, None, f"Stack[{self.name}] is empty when calling Pop()."
            )
        return self.values.pop()


# TF names each stack it makes ``<stack_name>_<n>``, n counting the stacks of the process.
_stack_ids = itertools.count()


def _stack_kernel(op, device):
    name = op._attrs.get("stack_name") or b""
    name = name.decode() if isinstance(name, bytes) else name  # TF's may be empty
    elem_type = dtypes.as_dtype(op._attrs["elem_type"])

    def make(max_size):
        return StackState(f"{name}_{next(_stack_ids)}", elem_type, int(max_size))

    return make


def _push_kernel(op, device):
    return lambda handle, elem: handle.push(elem)


def _pop_kernel(op, device):
    return lambda handle: handle.pop()


def _close_kernel(op, device):
    def close(handle):
        handle.closed = True

    return close


registry.register(
    "StackV2",
    lambda op: [(dtypes.resource, TensorShape([]))],
    _stack_kernel,
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "StackPushV2",
    lambda op: [(op.inputs[1].dtype.base_dtype, op.inputs[1].shape)],
    _push_kernel,
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "StackPopV2",
    lambda op: [(dtypes.as_dtype(op._attrs["elem_type"]), TensorShape(None))],
    _pop_kernel,
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "StackCloseV2", lambda op: [], _close_kernel, stateful=True, not_differentiable=True
)


def stack_v2(max_size, elem_type, stack_name="", name=None):
    """A new stack of ``elem_type`` values (at most ``max_size``; -1: no limit)."""
    max_size = convert_to_tensor(max_size, dtype=dtypes.int32)
    attrs = {"elem_type": dtypes.as_dtype(elem_type), "stack_name": stack_name.encode()}
    op = get_default_graph().create_op("StackV2", [max_size], attrs, name=name or "StackV2")
    return op.outputs[0]


def stack_push_v2(handle, elem, swap_memory=False, name=None):
    """Push ``elem`` on the stack ``handle``; the pushed value (``swap_memory`` is accepted:
    TF may move it to host memory, here all memory is the host's)."""
    elem = convert_to_tensor(elem)
    attrs = {"T": elem.dtype.base_dtype, "swap_memory": bool(swap_memory)}
    op = get_default_graph().create_op(
        "StackPushV2", [handle, elem], attrs, name=name or "StackPushV2"
    )
    return op.outputs[0]


def stack_pop_v2(handle, elem_type, name=None):
    """The last value pushed on the stack ``handle``, removed from it.

    Raises InvalidArgumentError when the stack is empty."""
    attrs = {"elem_type": dtypes.as_dtype(elem_type)}
    op = get_default_graph().create_op("StackPopV2", [handle], attrs, name=name or "StackPopV2")
    return op.outputs[0]


def stack_close_v2(handle, name=None):
    """Close the stack ``handle``."""
    return get_default_graph().create_op("StackCloseV2", [handle], {}, name=name or "StackCloseV2")
