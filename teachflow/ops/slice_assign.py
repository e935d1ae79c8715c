"""``v[1:3].assign(x)``: assigning to a slice of a TF1 variable (op ``StridedSliceAssign``).

Indexing a `tf.Variable` gives the same ``StridedSlice`` of its value as indexing a tensor,
but the result also has ``assign``: it builds a ``StridedSliceAssign`` on the variable's ref
with the slice's own begin, end, strides and masks, writing in place. The value is broadcast
to the slice's shape, as TF 2 does.

    >>> import teachflow as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0])
    >>> update = v[1:].assign([20.0, 30.0])
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(update))
    [ 1. 20. 30.]
"""

from __future__ import annotations

import weakref

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import slicing
from teachflow.ops.array_ops import to_host
from teachflow.ops.op_builder import shape_text

__all__: list = []

# A slice tensor -> the variable it was cut from.
_SLICED_FROM: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class VariableSlice(Tensor):
    """The tensor ``v[...]`` gives for a variable ``v``: a `Tensor`, plus ``assign``."""

    __slots__ = ()

    def assign(self, value, name=None):
        variable = _SLICED_FROM[self]
        op = self.op
        begin, end, strides = op.inputs[1:]
        # TF names it after the slice: strided_slice/_assign (its value .../_assign/value).
        with name_scope(name or f"{op.name}/_assign/") as scope:
            value = convert_to_tensor(value, dtype=variable.dtype.base_dtype, name="value")
            attrs = {m: op._attrs[m] for m in slicing._MASKS}
            attrs.update(T=variable.dtype.base_dtype, Index=begin.dtype.base_dtype)
            ref = variable._ref()
            return ref.graph.create_op(
                "StridedSliceAssign", [ref, begin, end, strides, value], attrs, name=scope
            ).outputs[0]


def variable_getitem(variable, slice_spec):
    """``variable[slice_spec]``: the slice of its value, assignable (see the module)."""
    tensor = slicing._slice_helper(variable.value(), slice_spec)
    tensor.__class__ = VariableSlice
    _SLICED_FROM[tensor] = variable
    return tensor


def _infer(op):
    ref = op.inputs[0]
    return [(ref.dtype, ref.shape)]


def _kernel(op, device):
    def assign(ref, begin, end, strides, value):
        with ref.lock:
            current = np.asarray(to_host(ref.read()))
            index = slicing._numpy_index(
                op, *(slicing.int_list(t) for t in (begin, end, strides)), current.shape
            )
            target = current[index]
            value = np.asarray(to_host(value))
            try:
                value = np.broadcast_to(value, target.shape)
            except ValueError:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Cannot broadcast input shape {shape_text(value.shape)} into final shape "
                    f"{shape_text(target.shape)}",
                ) from None
            new = current.copy()
            new[index] = value
            ref.write(device.xp.asarray(new))
        return ref

    return assign


registry.register(
    "StridedSliceAssign",
    _infer,
    _kernel,
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)
