"""Image resizing: ``ResizeBilinear`` (and its gradient ``ResizeBilinearGrad``) and
``ResizeNearestNeighbor``; ``tf.image.resize_images``, ``resize_bilinear`` and
``resize_nearest_neighbor``.

Each output pixel ``(y, x)`` reads the input at ``(y * sy, x * sx)``, with the scale
``in / out`` — or ``(in - 1) / (out - 1)`` with ``align_corners`` — and, with
``half_pixel_centers``, at pixel centres (``(y + 0.5) * sy - 0.5``). Bilinear interpolation
mixes the four neighbours in TensorFlow's order (first along x, then y, in float32);
nearest neighbour takes one. The sampling is separable, so the kernels gather whole rows
and columns: no loop over pixels.

    >>> import teachflow as tf
    >>> y = tf.image.resize_images(tf.ones([2, 4, 4, 3]), [8, 8])
    >>> y.op.name, y.shape
    ('resize/ResizeBilinear', TensorShape([Dimension(2), Dimension(8), Dimension(8), Dimension(3)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import check_allowed

__all__: list = []

RESIZE_DTYPES = (
    dtypes.int8,
    dtypes.uint8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.float16,
    dtypes.float32,
    dtypes.float64,
)


class ResizeMethod:
    """The ``method`` argument of `resize_images` (TF1's numbering)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


# -- sampling coordinates --------------------------------------------------------------------
def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return np.float32((in_size - 1) / (out_size - 1))
    return np.float32(in_size / out_size)


def bilinear_axis(in_size, out_size, align_corners, half_pixel_centers):
    """(lower index, upper index, float32 weight of the upper) for each output position."""
    scale = _scale(in_size, out_size, align_corners)
    pos = np.arange(out_size, dtype=np.float32)
    if half_pixel_centers:
        where = (pos + np.float32(0.5)) * scale - np.float32(0.5)
        lower = np.maximum(np.floor(where), 0).astype(np.int64)
    else:
        where = pos * scale
        lower = np.floor(where).astype(np.int64)
    upper = np.minimum(np.ceil(where).astype(np.int64), in_size - 1)
    lower = np.minimum(lower, in_size - 1)
    return lower, upper, (where - np.floor(where)).astype(np.float32)


def nearest_axis(in_size, out_size, align_corners, half_pixel_centers):
    """The input index each output position copies."""
    scale = _scale(in_size, out_size, align_corners)
    pos = np.arange(out_size, dtype=np.float32)
    if half_pixel_centers:
        index = np.floor((pos + np.float32(0.5)) * scale)
    elif align_corners:
        # C's roundf: halves away from zero (numpy's round goes to even).
        index = np.floor(pos * scale + np.float32(0.5))
    else:
        index = np.floor(pos * scale)
    return np.clip(index.astype(np.int64), 0, in_size - 1)


# -- ops --------------------------------------------------------------------------------------
def _check_images(op, images, size):
    if images.shape.ndims not in (None, 4):
        raise ValueError(
            f"Shape must be rank 4 but is rank {images.shape.ndims} for '{op.name}' "
            f"(op: '{op.type}')"
        )
    if size.shape.ndims not in (None, 1) or (
        size.shape.ndims == 1 and dimension_value(size.shape[0]) not in (None, 2)
    ):
        raise ValueError(f"Shape must be [2] for the size of '{op.name}', got {size.shape}")


def _infer_resize(float_output):
    def infer(op):
        from teachflow.ops.static_value import constant_value

        images, size = op.inputs
        dt = check_allowed(images, RESIZE_DTYPES, "images")
        _check_images(op, images, size)
        value = constant_value(size)
        hw = [int(v) for v in value] if value is not None else [None, None]
        batch, channels = (
            (dimension_value(images.shape[0]), dimension_value(images.shape[3]))
            if images.shape.ndims == 4
            else (None, None)
        )
        return [(dtypes.float32 if float_output else dt, TensorShape([batch, *hw, channels]))]

    return infer


def _sizes(op, images, size):
    size = np.asarray(size)
    if images.ndim != 4:
        raise errors.InvalidArgumentError(
            None, None, f"input must be 4-dimensional{list(images.shape)}"
        )
    if size.shape != (2,) or (size <= 0).any():
        raise errors.InvalidArgumentError(
            None, None, f"output dimensions must be positive, got {size.tolist()}"
        )
    return int(size[0]), int(size[1])


def _flags(op):
    return bool(op._attrs.get("align_corners", False)), bool(
        op._attrs.get("half_pixel_centers", False)
    )


def _resize_bilinear_kernel(op, device):
    xp = device.xp
    align, half = _flags(op)

    def resize_bilinear(images, size):
        out_h, out_w = _sizes(op, images, size)
        y0, y1, yl = bilinear_axis(images.shape[1], out_h, align, half)
        x0, x1, xl = bilinear_axis(images.shape[2], out_w, align, half)
        x = images.astype(np.float32, copy=False)
        xl = xp.asarray(xl)[None, None, :, None]
        yl = xp.asarray(yl)[None, :, None, None]
        top, bottom = x[:, y0], x[:, y1]
        # TensorFlow's order: interpolate along x on both rows, then along y.
        top = top[:, :, x0] + (top[:, :, x1] - top[:, :, x0]) * xl
        bottom = bottom[:, :, x0] + (bottom[:, :, x1] - bottom[:, :, x0]) * xl
        return top + (bottom - top) * yl

    return resize_bilinear


def _resize_bilinear_grad_kernel(op, device):
    xp = device.xp
    align, half = _flags(op)

    def resize_bilinear_grad(grads, original):
        in_h, in_w = original.shape[1:3]
        out_h, out_w = grads.shape[1:3]

        def weights(in_size, out_size):
            lower, upper, frac = bilinear_axis(in_size, out_size, align, half)
            m = np.zeros((out_size, in_size), np.float32)
            np.add.at(m, (np.arange(out_size), lower), 1 - frac)
            np.add.at(m, (np.arange(out_size), upper), frac)
            return xp.asarray(m)

        wy, wx = weights(in_h, out_h), weights(in_w, out_w)
        dx = xp.einsum("Hh,nHWc,Ww->nhwc", wy, grads.astype(np.float32), wx, optimize=True)
        return dx.astype(original.dtype, copy=False)

    return resize_bilinear_grad


def _resize_nearest_grad_kernel(op, device):
    xp = device.xp
    align, half = _flags(op)

    def resize_nearest_neighbor_grad(grads, size):
        in_h, in_w = (int(v) for v in size)
        out_h, out_w = grads.shape[1:3]

        def picks(in_size, out_size):
            # One-hot rows: output position -> the input pixel it copied.
            m = np.zeros((out_size, in_size), np.float32)
            m[np.arange(out_size), nearest_axis(in_size, out_size, align, half)] = 1
            return xp.asarray(m)

        wy, wx = picks(in_h, out_h), picks(in_w, out_w)
        dx = xp.einsum("Hh,nHWc,Ww->nhwc", wy, grads.astype(np.float32), wx, optimize=True)
        return dx.astype(grads.dtype, copy=False)

    return resize_nearest_neighbor_grad


def _resize_nearest_kernel(op, device):
    align, half = _flags(op)

    def resize_nearest_neighbor(images, size):
        out_h, out_w = _sizes(op, images, size)
        ys = nearest_axis(images.shape[1], out_h, align, half)
        xs = nearest_axis(images.shape[2], out_w, align, half)
        return images[:, ys][:, :, xs]

    return resize_nearest_neighbor


def _resize_bilinear_grad(op, grad):
    attrs = {
        "T": op.inputs[0].dtype.base_dtype,
        "align_corners": op._attrs["align_corners"],
        "half_pixel_centers": op._attrs["half_pixel_centers"],
    }
    if not op.inputs[0].dtype.is_floating:
        return [None, None]
    dx = grad.graph.create_op(
        "ResizeBilinearGrad", [grad, op.inputs[0]], attrs, name="ResizeBilinearGrad"
    ).outputs[0]
    return [dx, None]


registry.register(
    "ResizeBilinear", _infer_resize(True), _resize_bilinear_kernel, grad=_resize_bilinear_grad
)
registry.register(
    "ResizeBilinearGrad",
    lambda op: [(op.inputs[1].dtype.base_dtype, op.inputs[1].shape)],
    _resize_bilinear_grad_kernel,
)


def _resize_nearest_grad(op, grad):
    from teachflow.ops import array_ops

    images = op.inputs[0]
    if not images.dtype.is_floating:
        return [None, None]
    attrs = {
        "T": images.dtype.base_dtype,
        "align_corners": op._attrs["align_corners"],
        "half_pixel_centers": op._attrs["half_pixel_centers"],
    }
    with name_scope(None, "ResizeNearestNeighborGrad") as scope:
        if images.shape[1:3].is_fully_defined():
            size = convert_to_tensor(np.array(images.shape[1:3].as_list(), np.int32), name="size")
        else:
            size = array_ops.shape(images)[1:3]
        dx = grad.graph.create_op("ResizeNearestNeighborGrad", [grad, size], attrs, name=scope)
    return [dx.outputs[0], None]


def _infer_nearest_grad(op):
    from teachflow.ops.static_value import constant_value

    grads, size = op.inputs
    value = constant_value(size)
    hw = [int(v) for v in value] if value is not None else [None, None]
    batch, channels = (
        (dimension_value(grads.shape[0]), dimension_value(grads.shape[3]))
        if grads.shape.ndims == 4
        else (None, None)
    )
    return [(grads.dtype.base_dtype, TensorShape([batch, *hw, channels]))]


registry.register(
    "ResizeNearestNeighbor", _infer_resize(False), _resize_nearest_kernel, grad=_resize_nearest_grad
)
registry.register("ResizeNearestNeighborGrad", _infer_nearest_grad, _resize_nearest_grad_kernel)


# -- the Python API ----------------------------------------------------------------------------
def _resize_op(op_type, images, size, align_corners, half_pixel_centers, name):
    with name_scope(name, op_type, [images, size]) as scope:
        images = convert_to_tensor(images, name="images")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        attrs = {
            "T": images.dtype.base_dtype,
            "align_corners": bool(align_corners),
            "half_pixel_centers": bool(half_pixel_centers),
        }
        return images.graph.create_op(op_type, [images, size], attrs, name=scope).outputs[0]


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bilinear resize of 4-D ``images`` to ``size`` ([height, width]); float32 out.

    >>> import teachflow as tf
    >>> tf.image.resize_bilinear(tf.ones([1, 2, 2, 1]), [4, 4]).dtype
    tf.float32
    """
    return _resize_op("ResizeBilinear", images, size, align_corners, half_pixel_centers, name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Nearest-neighbour resize of 4-D ``images`` to ``size``; the dtype is kept.

    >>> import teachflow as tf
    >>> tf.image.resize_nearest_neighbor(tf.ones([1, 2, 2, 1], tf.int32), [4, 4]).dtype
    tf.int32
    """
    return _resize_op(
        "ResizeNearestNeighbor", images, size, align_corners, half_pixel_centers, name
    )


def resize_images(
    images,
    size,
    method=ResizeMethod.BILINEAR,
    align_corners=False,
    preserve_aspect_ratio=False,
    name=None,
):
    """Resize 3-D ``[h, w, c]`` or 4-D ``[n, h, w, c]`` images to ``size`` (TF1's
    ``tf.image.resize_images``): bilinear, bicubic or area (float32 out) or nearest neighbour
    (dtype kept).

    An image already of that size is returned as it is. Raises ValueError for another
    rank, a malformed size or an unknown method.

        >>> import teachflow as tf
        >>> tf.image.resize_images(tf.zeros([5, 6, 3], tf.uint8), [3, 4], method=1).shape
        TensorShape([Dimension(3), Dimension(4), Dimension(3)])
    """
    from teachflow.ops import array_ops
    from teachflow.ops.static_value import constant_value

    with name_scope(name, "resize", [images, size]):
        images = convert_to_tensor(images, name="images")
        rank = images.shape.ndims
        if rank is None or rank not in (3, 4):
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        single = rank == 3
        if single:
            images = array_ops.expand_dims(images, 0)
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        if size.shape.ndims != 1 or dimension_value(size.shape[0]) != 2:
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        value = constant_value(size)
        if preserve_aspect_ratio and value is not None and images.shape[1:3].is_fully_defined():
            h, w = images.shape[1], images.shape[2]
            factor = min(value[0] / h, value[1] / w)
            value = np.array([int(h * factor), int(w * factor)], np.int32)
            size = convert_to_tensor(value, name="size")
        if value is not None and images.shape[1:3].as_list() == [int(v) for v in value]:
            return array_ops.squeeze(images, [0]) if single else images
        if method == ResizeMethod.BILINEAR:
            out = resize_bilinear(images, size, align_corners=align_corners)
        elif method == ResizeMethod.NEAREST_NEIGHBOR:
            out = resize_nearest_neighbor(images, size, align_corners=align_corners)
        elif method == ResizeMethod.BICUBIC:
            from teachflow.ops.resize_bicubic_area_ops import resize_bicubic

            out = resize_bicubic(images, size, align_corners=align_corners)
        elif method == ResizeMethod.AREA:
            from teachflow.ops.resize_bicubic_area_ops import resize_area

            out = resize_area(images, size, align_corners=align_corners)
        else:
            raise ValueError(f"Resize method {method} is not implemented in teachflow")
        return array_ops.squeeze(out, [0]) if single else out
