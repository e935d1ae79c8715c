"""``tf.ensure_shape``: an ``EnsureShape`` op that passes its input through unchanged, tells
shape inference the (partly) known ``shape``, and fails at run time when the value's shape
is not compatible with it. Its gradient passes straight through, as TF's.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, None])
    >>> tf.ensure_shape(x, [None, 3]).shape
    TensorShape([Dimension(None), Dimension(3)])
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops.op_builder import invalid, shape_text

__all__ = ["ensure_shape"]


def _infer_ensure_shape(op):
    x = op.inputs[0]
    want = as_shape(op._attrs["shape"])
    got = x.shape
    # TF's words: the wanted shape merged with the input's, in that order.
    if want.ndims is not None and got.ndims is not None:
        if want.ndims != got.ndims:
            raise ValueError(f"Shape must be rank {want.ndims} but is rank {got.ndims}")
        for i, (a, b) in enumerate(zip(want.as_list(), got.as_list())):
            if a is not None and b is not None and a != b:
                raise ValueError(
                    f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                    f"Shapes are {shape_text(want.as_list())} and {shape_text(got.as_list())}."
                )
    return [(x.dtype.base_dtype, got.merge_with(want))]


def _ensure_shape_kernel(op, device):
    want = as_shape(op._attrs["shape"])
    source = op.inputs[0].op.name

    def ensure_shape_value(x):
        got = TensorShape(list(getattr(x, "shape", ())))
        if not got.is_compatible_with(want):
            raise invalid(
                f"Shape of tensor {source} {shape_text(got.as_list())} is not compatible with "
                f"expected shape {shape_text(want.as_list()) if want.ndims is not None else '<unknown>'}."
            )
        return x

    return ensure_shape_value


registry.register(
    "EnsureShape", _infer_ensure_shape, _ensure_shape_kernel, grad=lambda op, grad: [grad]
)


def ensure_shape(x, shape, name=None):
    """``x``, with ``shape`` (``None`` for an unknown dimension) checked when it runs
    (InvalidArgumentError if the value's shape is not compatible) and known while building."""
    shape = as_shape(shape)
    with name_scope(name, "EnsureShape", [x]) as scope:
        x = convert_to_tensor(x, name="input")
        attrs = {"shape": shape, "T": x.dtype.base_dtype}
        return x.graph.create_op("EnsureShape", [x], attrs, name=scope).outputs[0]
