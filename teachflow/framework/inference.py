"""Reusable shape/dtype inference functions for op definitions.

Each takes the `Operation` being built and returns ``[(dtype, TensorShape), ...]``; a
ValueError here becomes TensorFlow's graph-construction error naming the op.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.shapes import TensorShape, broadcast_shapes


def same_as_input(index=0):
    def infer(op):
        t = op.inputs[index]
        return [(t.dtype.base_dtype, t.shape)]

    return infer


unary = same_as_input(0)


def check_same_dtype(op, dt=None):
    """All inputs of an elementwise op share one dtype (TF does not promote)."""
    base = dt or op.inputs[0].dtype.base_dtype
    for i, t in enumerate(op.inputs):
        if t.dtype.base_dtype is not base:
            raise TypeError(
                f"Input {i} of '{op.type}' Op has type {t.dtype.base_dtype.name} that does not "
                f"match type {base.name} of argument 'x'."
            )
    return base


def broadcast(op):
    base = check_same_dtype(op)
    return [(base, broadcast_all(op))]


def broadcast_all(op) -> TensorShape:
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        shape = broadcast_shapes(shape, t.shape)
    return shape


def fixed(*specs):
    """Outputs of a fixed dtype and shape: ``fixed((tf.bool, []))``."""
    out = [(dtypes.as_dtype(d), TensorShape(s)) for d, s in specs]
    return lambda op: out


def no_outputs(op):
    return []
