"""Grouping and ordering: ``no_op``, ``group``, ``tuple`` and (re-exported) control deps.

``tf.group(a, b)`` is a ``NoOp`` whose control inputs are ``a`` and ``b``: running it runs
them. ``tf.tuple(ts)`` returns tensors with the same values that are only available once
*all* of ``ts`` are computed.

    >>> import teachflow as tf
    >>> a = tf.constant(1); b = tf.constant(2)
    >>> g = tf.group(a, b, name="both")
    >>> [c.name for c in g.control_inputs]
    ['Const', 'Const_1']
"""

from __future__ import annotations

import builtins
import contextlib

from teachflow.framework import registry
from teachflow.framework.graph import _as_op, get_default_graph
from teachflow.framework.inference import no_outputs
from teachflow.framework.operation import Operation
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops.indexed_slices import IndexedSlices

__all__ = ["no_op", "group", "tuple"]

_nullcontext = contextlib.nullcontext


def _no_op_kernel(op, device):
    return lambda *args: None


registry.register("NoOp", no_outputs, _no_op_kernel)


def no_op(name=None):
    return get_default_graph().create_op("NoOp", [], {}, name=name or "NoOp")


def group(*inputs, name=None):
    """An op that runs all of ``inputs`` (ops or tensors); it outputs nothing."""
    ops = {}  # an ordered set: grouping 10k ops must not compare each with all the others
    for x in inputs:
        for y in x if isinstance(x, (list, builtins.tuple)) and not hasattr(x, "_fields") else [x]:
            if y is None:
                continue
            ops[_as_op(y)] = None
    ops = list(ops)
    if not ops:
        return no_op(name=name)
    graph = ops[0].graph
    # TensorFlow groups by device first: one NoOp per device, then one that depends on them.
    by_device = {}
    for op in ops:
        by_device.setdefault(op.device, []).append(op)
    with graph.as_default(), name_scope(name, "group_deps") as scope:
        if len(by_device) == 1:
            ((dev, deps),) = by_device.items()
            with graph.device(dev or None) if dev else _nullcontext(), control_dependencies(deps):
                return no_op(name=scope)
        per_device = []
        for dev in sorted(by_device):
            with graph.device(dev or None), control_dependencies(by_device[dev]):
                per_device.append(no_op())
        with control_dependencies(per_device):
            return no_op(name=scope)


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF's name
    """Tensors with the values of ``tensors`` that wait until all of them are computed."""
    from teachflow.ops.array_ops import identity

    tensors = list(tensors)
    live = [t for t in tensors if t is not None]
    if not live:
        return tensors
    with name_scope(name, "tuple", live) as scope:
        gating = [t if isinstance(t, Operation) else t.op for t in live]
        for c in control_inputs or ():
            gating.append(c if isinstance(c, Operation) else c.op)
        gate = group(*gating, name=None)
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            # TF's with_dependencies: each output lives with the tensor it passes on.
            with t.graph.colocate_with(t.op), control_dependencies([gate]):
                if isinstance(t, IndexedSlices):  # only its values wait (TF's with_dependencies)
                    gated = identity(t.values, name="control_dependency")
                    out.append(IndexedSlices(gated, t.indices, t.dense_shape))
                else:
                    out.append(identity(t, name="control_dependency"))
        del scope
        return out
