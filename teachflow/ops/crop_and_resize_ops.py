"""``tf.image.crop_and_resize``: boxes cut out of a batch of images, each resampled to one
size (``CropAndResize``), with the gradients for the images and for the boxes.

A box is ``[y1, x1, y2, x2]`` in normalised coordinates (0 is the first pixel's centre, 1
the last's), taken from the image ``box_ind[i]`` of the batch. The crop's row ``y`` samples
the image at ``y1 * (height - 1) + y * (y2 - y1) * (height - 1) / (crop_height - 1)`` (the
middle of the box when ``crop_height`` is 1); a sample outside the image is
``extrapolation_value``. Boxes may be flipped (``y1 > y2``) or reach outside ``[0, 1]``.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> image = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> crops = tf.image.crop_and_resize(image, [[0, 0, 0.5, 0.5]], [0], [2, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(crops)[0, :, :, 0])
    [[0. 1.]
     [3. 4.]]

Every sample is computed in float32, in the order of TensorFlow's CPU kernel
(``crop_and_resize_op.cc``), so the crops are TensorFlow's up to its compiler's rounding.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import check_allowed

__all__ = ["crop_and_resize"]

_IMAGE_TYPES = (
    dtypes.uint8,
    dtypes.uint16,
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.float16,
    dtypes.float32,
    dtypes.float64,
)
_METHODS = ("bilinear", "nearest")
_F32 = np.float32


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


# -- where each crop pixel samples the image ---------------------------------------------------
def sample_positions(lo, hi, crop: int, size: int) -> np.ndarray:
    """The float32 image coordinates of a crop's rows (or columns) for a box side
    ``[lo, hi]``, as the kernel computes them."""
    lo, hi = _F32(lo), _F32(hi)
    if crop > 1:
        scale = (hi - lo) * _F32(size - 1) / _F32(crop - 1)
        return lo * _F32(size - 1) + np.arange(crop, dtype=_F32) * scale
    # The kernel's 0.5 is a double: the middle is computed in double, then stored as float.
    return np.array([0.5 * float(lo + hi) * (size - 1)], _F32)


def _inside(pos, size):
    return (pos >= 0) & (pos <= size - 1)


def _lerp_axis(pos, size):
    """Floor and ceiling indices and the fraction between them, for positions clipped into
    the image (those outside are masked by the caller)."""
    pos = np.clip(pos, 0, size - 1).astype(_F32)
    low = np.floor(pos)
    return low.astype(np.int64), np.ceil(pos).astype(np.int64), (pos - low).astype(_F32)


def _nearest(pos, size):
    pos = np.clip(pos, 0, size - 1).astype(_F32)
    low = np.floor(pos)
    return (low + (pos - low >= 0.5)).astype(np.int64)  # roundf: halves away from zero


def _check_box_index(box_ind, batch):
    if box_ind.size and (box_ind.min() < 0 or box_ind.max() >= batch):
        raise _invalid("box_index has values outside [0, batch_size)")


def _check_inputs(image_shape, boxes, box_ind):
    if len(image_shape) != 4:
        raise _invalid(f"input image must be 4-D{list(image_shape)}")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise _invalid(f"boxes must be 2-D[{boxes.shape[0] if boxes.ndim else 0},4]")
    if box_ind.ndim != 1 or box_ind.shape[0] != boxes.shape[0]:
        raise _invalid("box_index has incompatible shape")


# -- CropAndResize -----------------------------------------------------------------------------
def crop_boxes(image, boxes, box_ind, crop_h, crop_w, method, extrapolation_value):
    """The ``[num_boxes, crop_h, crop_w, depth]`` float32 crops (the kernel, in numpy)."""
    _, height, width, depth = image.shape
    out = np.empty((len(boxes), crop_h, crop_w, depth), _F32)
    for b, (y1, x1, y2, x2) in enumerate(boxes):
        src = image[box_ind[b]]
        in_y = sample_positions(y1, y2, crop_h, height)
        in_x = sample_positions(x1, x2, crop_w, width)
        if method == "bilinear":
            top, bottom, y_lerp = _lerp_axis(in_y, height)
            left, right, x_lerp = _lerp_axis(in_x, width)
            x_lerp, y_lerp = x_lerp[None, :, None], y_lerp[:, None, None]
            tl, tr = src[top][:, left].astype(_F32), src[top][:, right].astype(_F32)
            bl, br = src[bottom][:, left].astype(_F32), src[bottom][:, right].astype(_F32)
            upper = tl + (tr - tl) * x_lerp
            lower = bl + (br - bl) * x_lerp
            crop = upper + (lower - upper) * y_lerp
        else:
            crop = src[_nearest(in_y, height)][:, _nearest(in_x, width)].astype(_F32)
        inside = _inside(in_y, height)[:, None] & _inside(in_x, width)[None, :]
        out[b] = np.where(inside[:, :, None], crop, _F32(extrapolation_value))
    return out


def _crop_and_resize_kernel(op, device):
    method = op._attrs["method"]
    extrapolation_value = op._attrs["extrapolation_value"]

    def crop_and_resize(image, boxes, box_ind, crop_size):
        image, boxes = np.asarray(image), np.asarray(boxes, _F32)
        box_ind, crop_size = np.asarray(box_ind), np.asarray(crop_size)
        _check_inputs(image.shape, boxes, box_ind)
        if crop_size.shape != (2,):
            raise _invalid(f"crop_size must be a 1-D tensor of length 2, got: {crop_size.shape}")
        crop_h, crop_w = (int(v) for v in crop_size)
        if crop_h <= 0 or crop_w <= 0:
            raise _invalid("crop dimensions must be positive")
        if image.shape[1] <= 0 or image.shape[2] <= 0:
            raise _invalid("image dimensions must be positive")
        _check_box_index(box_ind, image.shape[0])
        return crop_boxes(image, boxes, box_ind, crop_h, crop_w, method, extrapolation_value)

    return crop_and_resize


def _crop_and_resize_infer(op):
    from teachflow.ops.static_value import constant_value

    image, boxes, box_ind, crop_size = op.inputs
    image.shape.with_rank(4)
    boxes.shape.with_rank(2)
    box_ind.shape.with_rank(1)
    size = constant_value(crop_size)
    crop = [int(v) for v in size] if size is not None else [None, None]
    num_boxes = dimension_value(boxes.shape[0]) if boxes.shape.ndims == 2 else None
    depth = dimension_value(image.shape[3]) if image.shape.ndims == 4 else None
    return [(dtypes.float32, TensorShape([num_boxes, *crop, depth]))]


def _crop_and_resize_grad(op, grad):
    """TensorFlow's ``_CropAndResizeGrad``: the image's gradient for float images only;
    the boxes' gradient always, and always bilinear (the op's default)."""
    image, boxes, box_ind, _ = op.inputs
    graph = grad.graph
    grad_image = None
    if image.dtype.base_dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
        with name_scope(None, "CropAndResizeGradImage") as scope:
            if image.shape.is_fully_defined():
                size = convert_to_tensor(
                    np.array(image.shape.as_list(), np.int32), name="image_size"
                )
            else:
                from teachflow.ops.shape_ops import shape

                size = shape(image)
            attrs = {"T": image.dtype.base_dtype, "method": op._attrs["method"]}
            grad_image = graph.create_op(
                "CropAndResizeGradImage", [grad, boxes, box_ind, size], attrs, name=scope
            ).outputs[0]
    attrs = {"T": image.dtype.base_dtype, "method": "bilinear"}
    grad_boxes = graph.create_op(
        "CropAndResizeGradBoxes",
        [grad, image, boxes, box_ind],
        attrs,
        name="CropAndResizeGradBoxes",
    ).outputs[0]
    return [grad_image, grad_boxes, None, None]


registry.register(
    "CropAndResize", _crop_and_resize_infer, _crop_and_resize_kernel, grad=_crop_and_resize_grad
)


# -- CropAndResizeGradImage --------------------------------------------------------------------
def grad_image(grads, boxes, box_ind, image_size, method, out_type):
    """The gradient of the crops with respect to the image: each crop pixel's gradient
    spread over the pixels it was interpolated from, accumulated in ``out_type`` in the
    kernel's order (box, row, column, corner)."""
    batch, height, width, depth = image_size
    out = np.zeros((batch, height, width, depth), out_type)
    _, crop_h, crop_w, _ = grads.shape
    for b, (y1, x1, y2, x2) in enumerate(boxes):
        in_y = sample_positions(y1, y2, crop_h, height)
        in_x = sample_positions(x1, x2, crop_w, width)
        rows, cols = np.nonzero(_inside(in_y, height)[:, None] & _inside(in_x, width)[None, :])
        g = grads[b, rows, cols].astype(_F32)  # [pixels, depth]
        if method == "bilinear":
            top, bottom, y_lerp = (a[rows] for a in _lerp_axis(in_y, height))
            left, right, x_lerp = (a[cols] for a in _lerp_axis(in_x, width))
            y_lerp, x_lerp = y_lerp[:, None], x_lerp[:, None]
            dtop, dbottom = (1 - y_lerp) * g, y_lerp * g
            ys = np.stack([top, top, bottom, bottom], axis=1)
            xs = np.stack([left, right, left, right], axis=1)
            parts = [(1 - x_lerp) * dtop, x_lerp * dtop, (1 - x_lerp) * dbottom, x_lerp * dbottom]
            values = np.stack(parts, axis=1).astype(out_type)  # [pixels, corner, depth]
        else:
            ys = _nearest(in_y, height)[rows][:, None]
            xs = _nearest(in_x, width)[cols][:, None]
            values = g.astype(out_type)[:, None]
        channels = np.arange(depth)
        np.add.at(
            out,
            (box_ind[b], ys[:, :, None], xs[:, :, None], channels[None, None, :]),
            values,
        )
    return out


def _grad_image_kernel(op, device):
    method = op._attrs["method"]
    out_type = op._attrs["T"].as_numpy_dtype

    def crop_and_resize_grad_image(grads, boxes, box_ind, image_size):
        grads, boxes = np.asarray(grads, _F32), np.asarray(boxes, _F32)
        box_ind, image_size = np.asarray(box_ind), [int(v) for v in np.asarray(image_size)]
        if len(image_size) != 4:
            raise _invalid(f"image_size must be 1-D with 4 elements, got {len(image_size)}")
        if grads.ndim != 4:
            raise _invalid(f"grads image must be 4-D{list(grads.shape)}")
        _check_inputs(image_size, boxes, box_ind)
        if image_size[3] != grads.shape[3]:
            raise _invalid("image_size and grads are incompatible")
        _check_box_index(box_ind, image_size[0])
        return grad_image(grads, boxes, box_ind, image_size, method, out_type)

    return crop_and_resize_grad_image


def _grad_image_infer(op):
    from teachflow.ops.static_value import constant_value

    size = constant_value(op.inputs[3])
    shape = TensorShape([int(v) for v in size]) if size is not None else TensorShape([None] * 4)
    return [(op._attrs["T"], shape)]


registry.register(
    "CropAndResizeGradImage", _grad_image_infer, _grad_image_kernel, not_differentiable=True
)


# -- CropAndResizeGradBoxes --------------------------------------------------------------------
def grad_boxes(grads, image, boxes, box_ind):
    """The gradient of bilinear crops with respect to their boxes' four coordinates: how
    each sample moves as a corner moves, times the slope of the image there."""
    _, height, width, _ = image.shape
    _, crop_h, crop_w, _ = grads.shape
    out = np.zeros((len(boxes), 4), _F32)
    h_ratio = _F32(height - 1) / _F32(crop_h - 1) if crop_h > 1 else _F32(0)
    w_ratio = _F32(width - 1) / _F32(crop_w - 1) if crop_w > 1 else _F32(0)
    for b, (y1, x1, y2, x2) in enumerate(boxes):
        src = image[box_ind[b]]
        in_y = sample_positions(y1, y2, crop_h, height)
        in_x = sample_positions(x1, x2, crop_w, width)
        rows, cols = np.nonzero(_inside(in_y, height)[:, None] & _inside(in_x, width)[None, :])
        top, bottom, y_lerp = (a[rows] for a in _lerp_axis(in_y, height))
        left, right, x_lerp = (a[cols] for a in _lerp_axis(in_x, width))
        y_lerp, x_lerp = y_lerp[:, None], x_lerp[:, None]
        tl, tr = src[top, left].astype(_F32), src[top, right].astype(_F32)
        bl, br = src[bottom, left].astype(_F32), src[bottom, right].astype(_F32)
        slope_y = (1 - x_lerp) * (bl - tl) + x_lerp * (br - tr)
        slope_x = (1 - y_lerp) * (tr - tl) + y_lerp * (br - bl)
        g = grads[b, rows, cols]
        dy, dx = g * slope_y, g * slope_x  # [pixels, depth]
        ys, xs = rows.astype(_F32)[:, None], cols.astype(_F32)[:, None]
        if crop_h > 1:
            d_y1, d_y2 = dy * (_F32(height - 1) - ys * h_ratio), dy * (ys * h_ratio)
        else:
            d_y1 = d_y2 = dy * _F32(0.5 * (height - 1))
        if crop_w > 1:
            d_x1, d_x2 = dx * (_F32(width - 1) - xs * w_ratio), dx * (xs * w_ratio)
        else:
            d_x1 = d_x2 = dx * _F32(0.5 * (width - 1))
        # One float32 running sum per coordinate, in the kernel's (row, column, channel)
        # order: np.add.at adds one term at a time.
        terms = np.stack([d_y1, d_x1, d_y2, d_x2], axis=-1).reshape(-1, 4)
        for k in range(4):
            np.add.at(out[b], np.full(len(terms), k), terms[:, k])
    return out


def _grad_boxes_kernel(op, device):
    if op._attrs["method"] != "bilinear":
        raise _invalid(f"method must be 'bilinear', got {op._attrs['method']}")

    def crop_and_resize_grad_boxes(grads, image, boxes, box_ind):
        grads, image = np.asarray(grads, _F32), np.asarray(image)
        boxes, box_ind = np.asarray(boxes, _F32), np.asarray(box_ind)
        if grads.ndim != 4:
            raise _invalid(f"grads image must be 4-D{list(grads.shape)}")
        _check_inputs(image.shape, boxes, box_ind)
        if image.shape[3] != grads.shape[3]:
            raise _invalid("image, grads depth differ")
        _check_box_index(box_ind, image.shape[0])
        return grad_boxes(grads, image, boxes, box_ind)

    return crop_and_resize_grad_boxes


def _grad_boxes_infer(op):
    boxes = op.inputs[2]
    return [
        (
            dtypes.float32,
            TensorShape([dimension_value(boxes.shape[0]) if boxes.shape.ndims == 2 else None, 4]),
        )
    ]


registry.register(
    "CropAndResizeGradBoxes", _grad_boxes_infer, _grad_boxes_kernel, not_differentiable=True
)


# -- the public function -----------------------------------------------------------------------
def crop_and_resize(
    image,
    boxes,
    box_ind=None,
    crop_size=None,
    method="bilinear",
    extrapolation_value=0,
    name=None,
    box_indices=None,
):
    """Crops of ``image`` (``[batch, height, width, depth]``) at ``boxes``
    (``[num_boxes, 4]`` floats) from the images ``box_ind`` (``[num_boxes]`` int32), each
    resized to ``crop_size`` (``[crop_height, crop_width]``) by ``method`` ("bilinear" or
    "nearest"): a ``[num_boxes, crop_height, crop_width, depth]`` float32 tensor.
    InvalidArgumentError when a box index is outside the batch."""
    if box_ind is None:
        box_ind = box_indices
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}")
    with name_scope(name, "CropAndResize") as scope:
        image = convert_to_tensor(image, name="image")
        check_allowed(image, _IMAGE_TYPES, "image")
        boxes = convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes")
        box_ind = convert_to_tensor(box_ind, dtype=dtypes.int32, name="box_ind")
        crop_size = convert_to_tensor(crop_size, dtype=dtypes.int32, name="crop_size")
        attrs = {
            "T": image.dtype.base_dtype,
            "method": method,
            "extrapolation_value": float(extrapolation_value),
        }
        return (
            get_default_graph()
            .create_op("CropAndResize", [image, boxes, box_ind, crop_size], attrs, name=scope)
            .outputs[0]
        )
