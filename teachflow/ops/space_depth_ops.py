"""Moving pixels between space, depth and batch: ``tf.space_to_depth``,
``tf.depth_to_space``, ``tf.space_to_batch_nd`` and ``tf.batch_to_space_nd``.

Each is a reshape, a transpose and a reshape, so each is exactly undone by its partner —
and each one's gradient is its partner applied to the incoming gradient.

* ``SpaceToDepth``: every ``b x b`` block of an NHWC image becomes one pixel with
  ``b * b * c`` channels (row of the block, column, channel — in that order).
* ``SpaceToBatchND``: the spatial dimensions are zero-padded, then every ``b``-th pixel
  from each offset goes to its own image of the batch (atrous convolution as a plain one).

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> d = tf.space_to_depth(x, 2)
    >>> with tf.Session() as sess:
    ...     print(sess.run(d)[0, 0, 0], sess.run(tf.depth_to_space(d, 2)).ravel()[:4])
    [0. 1. 4. 5.] [0. 1. 2. 3.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.op_builder import apply_op, int_list, invalid
from teachflow.ops.sliding_windows import text
from teachflow.ops.static_value import constant_value

__all__ = [
    "batch_to_space",
    "batch_to_space_nd",
    "depth_to_space",
    "space_to_batch",
    "space_to_batch_nd",
    "space_to_depth",
]


def _divide(n, by):
    if n is None:
        return None
    if n % by:
        raise ValueError(f"Dimension size must be evenly divisible by {by} but is {n}")
    return n // by


def _check_block_size(op_type, block_size):
    if block_size < 2:
        raise ValueError(
            f"Attr 'block_size' of '{op_type}' Op passed {block_size} less than minimum 2."
        )


def _check_nhwc(op):
    # TF's CPU kernels only run NHWC; NCHW (and NCHW_VECT_C) are GPU layouts.
    fmt = text(op._attrs["data_format"])
    if fmt != "NHWC":
        raise invalid(f"Only NHWC data_format supported on CPU. Got {fmt}")


# -- SpaceToDepth / DepthToSpace ---------------------------------------------------------------
def _infer_space_to_depth(op):
    x, b = op.inputs[0], op._attrs["block_size"]
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape([None] * 4))]
    if x.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.ndims}")
    n, h, w, c = x.shape.as_list()
    if text(op._attrs["data_format"]) == "NCHW":
        c, h, w = h, w, c
    depth = None if c is None else c * b * b
    dims = [n, _divide(h, b), _divide(w, b), depth]
    if text(op._attrs["data_format"]) == "NCHW":
        dims = [dims[0], dims[3], dims[1], dims[2]]
    return [(x.dtype.base_dtype, TensorShape(dims))]


def _space_to_depth_kernel(op, device):
    xp, b = device.xp, op._attrs["block_size"]

    def space_to_depth(x):
        _check_nhwc(op)
        n, h, w, c = x.shape
        if h % b or w % b:
            raise invalid(f"Image width {w} and height {h} should be divisible by block_size: {b}")
        blocks = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return xp.ascontiguousarray(blocks).reshape(n, h // b, w // b, b * b * c)

    return space_to_depth


def _infer_depth_to_space(op):
    x, b = op.inputs[0], op._attrs["block_size"]
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape([None] * 4))]
    if x.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.ndims}")
    n, h, w, c = x.shape.as_list()
    nchw = text(op._attrs["data_format"]) == "NCHW"
    if nchw:
        c, h, w = h, w, c
    dims = [n, None if h is None else h * b, None if w is None else w * b, _divide(c, b * b)]
    if nchw:
        dims = [dims[0], dims[3], dims[1], dims[2]]
    return [(x.dtype.base_dtype, TensorShape(dims))]


def _depth_to_space_kernel(op, device):
    xp, b = device.xp, op._attrs["block_size"]

    def depth_to_space(x):
        _check_nhwc(op)
        n, h, w, c = x.shape
        if c % (b * b):
            raise invalid(f"Input depth dimension {c} should be divisible by: {b * b}")
        blocks = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return xp.ascontiguousarray(blocks).reshape(n, h * b, w * b, c // (b * b))

    return depth_to_space


def _space_to_depth_grad(op, grad):
    return [depth_to_space(grad, op._attrs["block_size"], data_format=op._attrs["data_format"])]


def _depth_to_space_grad(op, grad):
    return [space_to_depth(grad, op._attrs["block_size"], data_format=op._attrs["data_format"])]


registry.register(
    "SpaceToDepth", _infer_space_to_depth, _space_to_depth_kernel, grad=_space_to_depth_grad
)
registry.register(
    "DepthToSpace", _infer_depth_to_space, _depth_to_space_kernel, grad=_depth_to_space_grad
)


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Each ``block_size x block_size`` block of an NHWC image as one pixel of
    ``block_size**2`` times the channels. ValueError when the height or width is not a
    multiple of ``block_size``."""
    _check_block_size("SpaceToDepth", block_size)
    x = convert_to_tensor(input, name="input")
    attrs = {"T": x.dtype.base_dtype, "block_size": int(block_size), "data_format": data_format}
    return apply_op("SpaceToDepth", name, [(x, "input", None)], attrs).outputs[0]


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """The inverse of `space_to_depth`: each pixel's channels spread over a
    ``block_size x block_size`` block."""
    _check_block_size("DepthToSpace", block_size)
    x = convert_to_tensor(input, name="input")
    attrs = {"T": x.dtype.base_dtype, "block_size": int(block_size), "data_format": data_format}
    return apply_op("DepthToSpace", name, [(x, "input", None)], attrs).outputs[0]


# -- SpaceToBatchND / BatchToSpaceND -----------------------------------------------------------
def _static_block(op):
    block = constant_value(op.inputs[1])
    pads = constant_value(op.inputs[2])
    return (
        None if block is None else [int(v) for v in np.ravel(block)],
        None if pads is None else np.asarray(pads, np.int64).reshape(-1, 2),
    )


def _infer_space_to_batch(op):
    x = op.inputs[0]
    block, pads = _static_block(op)
    if x.shape.ndims is None or block is None or pads is None:
        return [
            (
                x.dtype.base_dtype,
                TensorShape(None if x.shape.ndims is None else [None] * x.shape.ndims),
            )
        ]
    dims = x.shape.as_list()
    m = len(block)
    batch = None if dims[0] is None else dims[0] * int(np.prod(block))
    spatial = [
        None if d is None else _divide(d + int(p[0]) + int(p[1]), b)
        for d, b, p in zip(dims[1 : 1 + m], block, pads)
    ]
    return [(x.dtype.base_dtype, TensorShape([batch, *spatial, *dims[1 + m :]]))]


def _infer_batch_to_space(op):
    x = op.inputs[0]
    block, crops = _static_block(op)
    if x.shape.ndims is None or block is None or crops is None:
        return [
            (
                x.dtype.base_dtype,
                TensorShape(None if x.shape.ndims is None else [None] * x.shape.ndims),
            )
        ]
    dims = x.shape.as_list()
    m = len(block)
    batch = _divide(dims[0], int(np.prod(block)))
    spatial = [
        None if d is None else d * b - int(c[0]) - int(c[1])
        for d, b, c in zip(dims[1 : 1 + m], block, crops)
    ]
    return [(x.dtype.base_dtype, TensorShape([batch, *spatial, *dims[1 + m :]]))]


def _space_to_batch_kernel(op, device):
    xp = device.xp

    def space_to_batch(x, block_shape, paddings):
        block = int_list(block_shape)
        pads = np.asarray(int_list(paddings), np.int64).reshape(-1, 2)
        m, n = len(block), x.shape[0]
        if (pads < 0).any():
            raise invalid("Paddings must be non-negative")
        widths = [(0, 0)] + [tuple(int(v) for v in p) for p in pads]
        padded = xp.pad(x, widths + [(0, 0)] * (x.ndim - 1 - m))
        shape = [n]
        for i, b in enumerate(block):
            size = padded.shape[1 + i]
            if size % b:
                raise invalid(f"padded_shape[{i}]={size} is not divisible by block_shape[{i}]={b}")
            shape += [size // b, b]
        rest = list(padded.shape[1 + m :])
        split = padded.reshape(shape + rest)
        # [n, s1, b1, s2, b2, ..., rest] -> [b1, b2, ..., n, s1, s2, ..., rest]
        perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
        perm += list(range(1 + 2 * m, split.ndim))
        moved = xp.ascontiguousarray(split.transpose(perm))
        return moved.reshape([n * int(np.prod(block))] + shape[1::2] + rest)

    return space_to_batch


def _batch_to_space_kernel(op, device):
    xp = device.xp

    def batch_to_space(x, block_shape, crops):
        block = int_list(block_shape)
        crop = np.asarray(int_list(crops), np.int64).reshape(-1, 2)
        m, product = len(block), int(np.prod(block))
        if (crop < 0).any():
            raise invalid("Crops must be non-negative")
        if x.shape[0] % product:
            raise invalid(
                f"Input batch dimension {x.shape[0]} is not divisible by product of block "
                f"sizes {product}"
            )
        n, spatial, rest = x.shape[0] // product, list(x.shape[1 : 1 + m]), list(x.shape[1 + m :])
        split = x.reshape(block + [n] + spatial + rest)
        # [b1, ..., bm, n, s1, ..., sm, rest] -> [n, s1, b1, s2, b2, ..., rest]
        perm = [m]
        for i in range(m):
            perm += [m + 1 + i, i]
        perm += list(range(1 + 2 * m, split.ndim))
        joined = xp.ascontiguousarray(split.transpose(perm))
        full = joined.reshape([n] + [s * b for s, b in zip(spatial, block)] + rest)
        index = [slice(None)]
        for i, (size, (before, after)) in enumerate(zip(full.shape[1 : 1 + m], crop)):
            if before + after > size:
                raise invalid(f"crops must be non-negative and not exceed the block size {i}")
            index.append(slice(int(before), size - int(after)))
        return full[tuple(index)]

    return batch_to_space


def _space_to_batch_grad(op, grad):
    return [batch_to_space_nd(grad, op.inputs[1], op.inputs[2]), None, None]


def _batch_to_space_grad(op, grad):
    return [space_to_batch_nd(grad, op.inputs[1], op.inputs[2]), None, None]


registry.register(
    "SpaceToBatchND", _infer_space_to_batch, _space_to_batch_kernel, grad=_space_to_batch_grad
)
registry.register(
    "BatchToSpaceND", _infer_batch_to_space, _batch_to_space_kernel, grad=_batch_to_space_grad
)


def _index_tensor(value, name):
    # A numpy array keeps its dtype (TF1's space_to_batch passes an int64 block); Python
    # lists become int32, as the op definition's defaults make TensorFlow do.
    preferred = None if isinstance(value, np.ndarray) else np.int32
    return convert_to_tensor(value, name=name, preferred_dtype=preferred)


def _nd(op_type, third, input, block_shape, other, name):  # noqa: A002
    with name_scope(name, op_type, [input, block_shape, other]) as scope:
        x = convert_to_tensor(input, name="input")
        block = _index_tensor(block_shape, "block_shape")
        pads = _index_tensor(other, third)
        attrs = {
            "T": x.dtype.base_dtype,
            "Tblock_shape": block.dtype.base_dtype,
            f"T{third}": pads.dtype.base_dtype,
        }
        return x.graph.create_op(op_type, [x, block, pads], attrs, name=scope).outputs[0]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pad the ``len(block_shape)`` spatial dimensions by ``paddings`` (``[m, 2]``)
    and move each block offset into its own batch entry."""
    return _nd("SpaceToBatchND", "paddings", input, block_shape, paddings, name)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of `space_to_batch_nd`: batch entries woven back into space, then
    ``crops`` (``[m, 2]``) cut off."""
    return _nd("BatchToSpaceND", "crops", input, block_shape, crops, name)


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """TF1's 2-D `space_to_batch_nd` with a square block (an int64 ``block_shape``
    constant, as TensorFlow builds it)."""
    block_size = block_shape if block_size is None else block_size
    block = np.array([block_size, block_size], dtype=np.int64)
    return space_to_batch_nd(input, block, paddings, name=name)


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    """TF1's 2-D `batch_to_space_nd` with a square block (an int64 ``block_shape``)."""
    block_size = block_shape if block_size is None else block_size
    block = np.array([block_size, block_size], dtype=np.int64)
    return batch_to_space_nd(input, block, crops, name=name)
