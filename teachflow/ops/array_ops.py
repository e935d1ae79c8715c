"""Array ops: placeholders, identity, and packing lists of tensors.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    >>> x.shape, tf.identity(x).op.type
    (TensorShape([None, 3]), 'Identity')
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import unary
from teachflow.framework.shapes import TensorShape, as_shape

__all__ = ["placeholder", "placeholder_with_default", "identity", "stop_gradient", "stack"]

# TensorFlow's own short names for dtypes in messages ("float", "double").
TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def type_name(dtype) -> str:
    return TF_TYPE_NAMES.get(dtype.base_dtype.name, dtype.base_dtype.name)


def _shape_text(shape: TensorShape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


def _placeholder_kernel(op, device):
    shape = op._attrs["shape"]
    message = f"You must feed a value for placeholder tensor '{op.name}' with dtype " + type_name(
        op._attrs["dtype"]
    )
    if shape.ndims is not None:
        message += f" and shape {_shape_text(shape)}"

    def placeholder():
        raise errors.InvalidArgumentError(None, None, message)

    return placeholder


registry.register(
    "Placeholder",
    lambda op: [(op._attrs["dtype"], op._attrs["shape"])],
    _placeholder_kernel,
    not_differentiable=True,
)


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed on every run that needs it."""
    dtype = dtypes.as_dtype(dtype)
    op = get_default_graph().create_op(
        "Placeholder",
        [],
        {"dtype": dtype, "shape": as_shape(shape)},
        name=name or "Placeholder",
    )
    return op.outputs[0]


def _identity_kernel(op, device):
    return lambda x: x


registry.register("Identity", unary, _identity_kernel, grad=lambda op, grad: [grad])
registry.register(
    "PlaceholderWithDefault",
    lambda op: [(op.inputs[0].dtype.base_dtype, op._attrs["shape"])],
    _identity_kernel,
    grad=lambda op, grad: [grad],
)
registry.register("StopGradient", unary, _identity_kernel, not_differentiable=True)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """``input`` unless a value is fed for the result."""
    t = convert_to_tensor(input)
    shape = as_shape(shape)
    if not shape.is_compatible_with(t.shape):
        raise ValueError(f"Shapes {t.shape} and {shape} are incompatible")
    op = get_default_graph().create_op(
        "PlaceholderWithDefault", [t], {"shape": shape}, name=name or "PlaceholderWithDefault"
    )
    return op.outputs[0]


def identity(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op("Identity", [t], {"T": t.dtype.base_dtype}, name=name or "Identity").outputs[0]


def stop_gradient(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op("StopGradient", [t], {}, name=name or "StopGradient").outputs[0]


def _infer_pack(op):
    axis = op._attrs["axis"]
    base = op.inputs[0].dtype.base_dtype
    shape = op.inputs[0].shape
    for i, t in enumerate(op.inputs):
        if t.dtype.base_dtype is not base:
            raise TypeError(
                f"Tensors in list passed to 'values' of 'Pack' Op have types "
                f"[{', '.join(x.dtype.base_dtype.name for x in op.inputs)}] that don't all match."
            )
        shape = shape.merge_with(t.shape)
    if shape.ndims is None:
        return [(base, TensorShape(None))]
    dims = shape.as_list()
    rank = len(dims) + 1
    if not -rank <= axis < rank:
        raise ValueError(f"axis = {axis} not in [{-rank}, {rank})")
    if axis < 0:
        axis += rank
    dims.insert(axis, len(op.inputs))
    return [(base, TensorShape(dims))]


def _pack_kernel(op, device):
    axis = op._attrs["axis"]
    xp = device.xp
    return lambda *values: xp.stack(values, axis=axis)


def _pack_grad(op, grad):
    return unstack(  # noqa: F821 - defined with the other shape ops below
        grad, num=len(op.inputs), axis=op._attrs["axis"])


registry.register("Pack", _infer_pack, _pack_kernel, grad=_pack_grad)


def stack(values, axis=0, name="stack"):
    """Stack rank-R tensors into one rank-(R+1) tensor along ``axis``."""
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        raise ValueError("stack requires at least one value")
    # Python numbers in the list take the dtype of the first tensor, as TF does.
    g = tensors[0].graph
    return g.create_op("Pack", tensors, {"axis": axis, "N": len(tensors)}, name=name).outputs[0]


def _autopack(value, dtype=None, name=None):
    """``convert_to_tensor([t1, 2.0, [t3, t4]])``: pack nested lists holding tensors."""
    first = None
    for v in value:
        if not isinstance(v, (list, tuple)) and hasattr(v, "dtype"):
            first = v.dtype.base_dtype
            break
    dtype = dtype or first
    parts = [
        _autopack(v, dtype) if isinstance(v, (list, tuple)) else convert_to_tensor(v, dtype=dtype)
        for v in value
    ]
    return stack(parts, name=name or "packed")
