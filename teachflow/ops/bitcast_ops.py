"""``tf.bitcast``: the same bytes read as another dtype (TensorFlow's ``Bitcast`` op).

Nothing is converted: a float32 1.0 is the int32 1065353216. When the new type is
narrower, a last dimension of (old size / new size) is added; when it is wider, the last
dimension must be exactly (new size / old size) and is removed.

    >>> import teachflow as tf
    >>> b = tf.bitcast(tf.constant([1.0, 2.0]), tf.int32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(b))
    [1065353216 1073741824]
    >>> tf.bitcast(tf.constant([1, 2], tf.int64), tf.uint8).shape
    TensorShape([Dimension(2), Dimension(8)])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops.op_builder import apply_op

__all__ = ["bitcast"]


def _sizes(op):
    old = np.dtype(op.inputs[0].dtype.base_dtype.as_numpy_dtype).itemsize
    new = np.dtype(op._attrs["type"].as_numpy_dtype).itemsize
    return old, new


def _infer_bitcast(op):
    x = op.inputs[0]
    old, new = _sizes(op)
    out = op._attrs["type"]
    if x.shape.ndims is None:
        return [(out, TensorShape(None))]
    dims = x.shape.as_list()
    if old > new:
        return [(out, TensorShape([*dims, old // new]))]
    if old < new:
        # TF's shape function: "Cannot bitcast from <in> to <out>: shape [...]".
        if not dims or (dims[-1] is not None and dims[-1] != new // old):
            raise ValueError(
                f"Cannot bitcast from {x.dtype.base_dtype.name} to {out.name}: shape {x.shape}"
            )
        return [(out, TensorShape(dims[:-1]))]
    return [(out, x.shape)]


def _bitcast_kernel(op, device):
    xp = device.xp
    out = op._attrs["type"].as_numpy_dtype
    old, new = _sizes(op)

    def cast_bits(x):
        # (ascontiguousarray would make a scalar a vector)
        x = xp.ascontiguousarray(x).reshape(xp.shape(x))
        if old > new:
            return x.reshape(*x.shape, 1).view(out)
        if old < new:
            return x.view(out).reshape(x.shape[:-1])
        return x.view(out)

    return cast_bits


registry.register("Bitcast", _infer_bitcast, _bitcast_kernel, not_differentiable=True)


def bitcast(input, type, name=None):  # noqa: A002 - TensorFlow's names
    """``input``'s bytes as ``type`` (see the module docstring for the shapes)."""
    x = convert_to_tensor(input, name="input")
    attrs = {"T": x.dtype.base_dtype, "type": dtypes.as_dtype(type).base_dtype}
    return apply_op("Bitcast", name, [(x, "input", None)], attrs).outputs[0]
