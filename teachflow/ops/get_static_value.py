"""``tf.get_static_value``: a tensor's value when the graph alone decides it.

TensorFlow's public ``get_static_value`` (``tensor_util.constant_value``) folds a short,
fixed list of ops: ``Const``, the shape queries of a fully known shape, ``Range``,
``Cast``, ``Concat``/``ConcatV2``, ``Pack``/``Unpack``/``Split`` on axis 0, ``Fill``,
``Equal``/``NotEqual`` and the identities. Arithmetic is *not* folded (``c + 1`` is None),
although teachflow's shape inference (`teachflow.ops.static_value`) folds more. A tensor
whose value it returns can no longer be fed, as in TensorFlow: the graph now depends on it.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> tf.get_static_value(tf.stack([4, 3]))
    array([4, 3], dtype=int32)
    >>> tf.get_static_value(tf.shape(x)) is None, tf.get_static_value(tf.constant(2) + 1)
    (True, None)
    >>> tf.get_static_value(tf.stack([tf.shape(x)[0], 3]), partial=True)
    array([None, array(3, dtype=int32)], dtype=object)
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import is_tensor
from teachflow.framework.operation import Tensor

__all__ = ["get_static_value"]


def _all_known(tensors):
    values = [_value(t, False) for t in tensors]
    return None if any(v is None for v in values) else values


def _shape_query(tensor):
    shape = tensor.op.inputs[0].get_shape()
    kind = tensor.op.type
    if kind == "Rank":
        return None if shape.ndims is None else np.array(shape.ndims, dtype=np.int32)
    if not shape.is_fully_defined():
        return None
    if kind == "Size":
        return np.prod(shape.as_list(), dtype=np.int32)
    return np.array(shape.as_list(), dtype=tensor.dtype.as_numpy_dtype)


def _pack(op, partial):
    if not op.inputs or op.get_attr("axis") != 0:
        return None
    values = [_value(t, partial) for t in op.inputs]
    if not partial and any(v is None for v in values):
        return None
    try:
        return np.array(values)
    except ValueError:
        return np.array(values, dtype=object)


def _concat(inputs, axis):
    dim = _value(axis, False)
    values = _all_known(inputs)
    return None if dim is None or values is None else np.concatenate(values, axis=dim)


def _value(tensor, partial):
    op = tensor.op
    kind = op.type
    if kind == "Const":
        return np.array(op._attrs["value"])
    if kind in ("Shape", "Size", "Rank"):
        return _shape_query(tensor)
    if kind in ("StopGradient", "Identity", "CheckNumericsV2", "DebugIdentityV2"):
        return _value(op.inputs[0], partial)
    if kind == "Pack":
        return _pack(op, partial)
    if kind == "Unpack":
        value = _value(op.inputs[0], partial) if op.get_attr("axis") == 0 else None
        return None if value is None else value[tensor.value_index]
    if kind == "Split":
        dim, value = _value(op.inputs[0], False), _value(op.inputs[1], partial)
        if dim is None or value is None:
            return None
        return np.split(value, op.get_attr("num_split"), dim)[tensor.value_index]
    if kind == "ConcatV2":
        return _concat(op.inputs[:-1], op.inputs[-1])
    if kind == "Concat":
        return _concat(op.inputs[1:], op.inputs[0])
    if kind == "Fill":
        fill = _value(op.inputs[1], False)
        if fill is None or not tensor.shape.is_fully_defined():
            return None
        return np.full(tensor.shape.as_list(), fill, dtype=fill.dtype)
    return _folded(tensor, kind, op)


def _folded(tensor, kind, op):
    """The ops computed from all-known inputs: Range, Cast, Equal, NotEqual."""
    if kind not in ("Range", "Cast", "Equal", "NotEqual"):
        return None
    values = _all_known(op.inputs)
    if values is None:
        return None
    if kind == "Range":
        return np.arange(*values, dtype=tensor.dtype.as_numpy_dtype)
    if kind == "Cast":
        return values[0].astype(dtypes.as_dtype(op.get_attr("DstT")).as_numpy_dtype)
    return (np.equal if kind == "Equal" else np.not_equal)(*values)


def get_static_value(tensor, partial=False):
    """The value of ``tensor`` as a numpy array if the graph alone decides it, else None.

    A value that is not a tensor comes back as it is. With ``partial``, a ``Pack`` of some
    known and some unknown values is an object array with None where a value is unknown.
    """
    if not is_tensor(tensor):
        return tensor
    if not isinstance(tensor, Tensor):
        return None
    value = _value(tensor, partial)
    if value is not None:
        tensor.graph.prevent_feeding(tensor)
    return value
