"""Values known while the graph is built: TensorFlow's ``constant_value`` and
``constant_value_as_shape``.

Shape inference for ``Reshape``, ``Fill``, ``Tile`` ... needs the *value* of a shape
input. TensorFlow's shape refiner evaluates small constant subgraphs to find it
(``tf.shape(x)[1] * 2`` is known when dimension 1 of ``x`` is), and for a shape vector it
also accepts partial knowledge: ``[tf.shape(x)[0], 3]`` is the shape ``[?, 3]``.

    >>> import teachflow as tf
    >>> from teachflow.ops.static_value import constant_value, constant_value_as_shape
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> int(constant_value(tf.shape(x)[1] * 2))
    6
    >>> constant_value_as_shape(tf.stack([tf.shape(x)[0], 3]))
    TensorShape([Dimension(None), Dimension(3)])
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from teachflow.framework import registry
from teachflow.framework.shapes import TensorShape, dimension_value

# Ops cheap and side-effect free enough to run while the graph is built, when every
# input is known. Stateful ops, placeholders and random ops are never folded.
FOLDABLE = frozenset(
    """Identity Cast Pack Unpack ConcatV2 StridedSlice Slice Range Fill Reshape ExpandDims
    Squeeze Transpose GatherV2 Tile ZerosLike OnesLike AddV2 Add Sub Mul FloorDiv FloorMod
    RealDiv Neg Maximum Minimum Max Min Prod Sum Equal NotEqual Less LessEqual Greater GreaterEqual
    InvertPermutation BroadcastTo BroadcastArgs""".split()
)
# Larger inputs are left to the runtime: folding them would slow graph construction.
MAX_FOLD_ELEMENTS = 1000

_HOST = SimpleNamespace(xp=np, name="/device:CPU:0", device_type="CPU", resources=None)


def constant_value(tensor):
    """The value of ``tensor`` as a numpy array if it is known now, else None."""
    op = tensor.op
    kind = op.type
    if kind == "Const":
        return op._attrs["value"]
    if kind in ("Shape", "Size", "Rank"):
        return _shape_query_value(op)
    if kind == "StridedSlice" and op.inputs[0].op.type == "Shape":
        # tf.shape(x)[i]: known when dimension i of x is, even if others are not.
        value = _fold(op, [_shape_vector(op.inputs[0])] + list(op.inputs[1:]), 0)
        if value is not None:
            return value
    if kind in FOLDABLE:
        return _fold(op, op.inputs, tensor.value_index)
    return None


def _shape_query_value(op):
    shape = op.inputs[0].shape
    dtype = op._attrs.get("out_type")
    np_dtype = dtype.as_numpy_dtype if dtype is not None else np.int32
    if op.type == "Rank":
        return None if shape.ndims is None else np.array(shape.ndims, np.int32)
    if not shape.is_fully_defined():
        return None
    if op.type == "Size":
        return np.array(shape.num_elements(), np_dtype)
    return np.array(shape.as_list(), np_dtype)


def _shape_vector(shape_tensor):
    """``tf.shape(x)`` with unknown dimensions as -1 (only sliced, never used whole)."""
    shape = shape_tensor.op.inputs[0].shape
    if shape.ndims is None:
        return None
    return np.array([-1 if d is None else d for d in shape.as_list()], np.int64)


def _fold(op, inputs, index):
    values = []
    for t in inputs:
        v = t if isinstance(t, np.ndarray) or t is None else constant_value(t)
        if v is None or np.size(v) > MAX_FOLD_ELEMENTS:
            return None
        values.append(v)
    if op.type == "StridedSlice" and isinstance(inputs[0], np.ndarray):
        # Only the dimensions actually sliced out of a partial shape may be used.
        picked = _run(op, [np.arange(len(values[0]))] + values[1:], 0)
        if picked is None:
            return None
        result = values[0][np.asarray(picked, np.int64)]
        if np.any(result < 0):
            return None
        return np.asarray(result, op.outputs[0].dtype.as_numpy_dtype)
    return _run(op, values, index)


def _run(op, values, index):
    try:
        kernel = registry.get(op.type).kernels["CPU"](op, _HOST)
        with np.errstate(all="ignore"):
            result = kernel(*values)
    except Exception:  # noqa: BLE001 - a failing fold is left for the runtime to report
        return None
    if isinstance(result, tuple):
        result = result[index]
    return np.asarray(result)


def constant_value_as_shape(tensor) -> TensorShape:
    """What a 1-D shape tensor says about a shape: known entries, -1 or unknown -> None."""
    shape = tensor.shape
    if shape.ndims == 0:
        value = constant_value(tensor)
        if value is not None and int(value) == -1:
            return TensorShape(None)
        raise ValueError("Shape must be rank 1 but is rank 0")
    op = tensor.op
    if op.type == "Shape":
        return op.inputs[0].shape
    if op.type == "Pack":
        dims = []
        for t in op.inputs:
            v = constant_value(t)
            dims.append(None if v is None or int(v) < 0 else int(v))
        return TensorShape(dims)
    if op.type == "ConcatV2":
        result = TensorShape([])
        for t in op.inputs[:-1]:
            result = result.concatenate(constant_value_as_shape(t))
        return result
    if op.type == "StridedSlice":
        sliced = _sliced_partial_shape(op)
        if sliced is not None:
            return sliced
    value = constant_value(tensor)
    if value is not None:
        return TensorShape([None if int(d) < 0 else int(d) for d in np.reshape(value, [-1])])
    if shape.ndims is None or dimension_value(shape[0]) is None:
        return TensorShape(None)
    return TensorShape([None] * dimension_value(shape[0]))


def _sliced_partial_shape(op):
    """``tf.shape(x)[1:]``-style slices of a partial shape (no masks but begin/end)."""
    attrs = op._attrs
    if attrs.get("ellipsis_mask") or attrs.get("new_axis_mask") or attrs.get("shrink_axis_mask"):
        return None
    begin, end, strides = (constant_value(t) for t in op.inputs[1:])
    if begin is None or end is None or strides is None or np.size(begin) != 1:
        return None
    partial = constant_value_as_shape(op.inputs[0])
    if partial.ndims is None:
        return None
    b = None if attrs.get("begin_mask", 0) & 1 else int(np.reshape(begin, [-1])[0])
    e = None if attrs.get("end_mask", 0) & 1 else int(np.reshape(end, [-1])[0])
    s = int(np.reshape(strides, [-1])[0])
    if s == 0:
        return None
    return TensorShape(partial.as_list()[b:e:s])
