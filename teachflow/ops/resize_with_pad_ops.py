"""``tf.image.resize_image_with_pad``: letterboxing. The image is scaled by one ratio (so
it is not distorted) until it fits ``target_height x target_width``, then centred on a zero
canvas of that size.

The arithmetic is TensorFlow's graph, in float32: ``ratio = max(w / tw, h / th)``, the
resized size is ``floor(h / ratio) x floor(w / ratio)`` and the top/left padding
``floor((target - h / ratio) / 2)`` — so the sizes are only known when the graph runs, and
the padding is TF's run-time ``pad_to_bounding_box`` (Asserts on the offsets, a ``Pad``
whose paddings are a stacked tensor). When the image's size is only known at run time,
TensorFlow's Grappler rewrites ``width / target_width`` into ``width * (1 / target_width)``
(constant folding's division by a constant), which can round a resized size down by one
pixel (5 / (5 / 3) floors to 2 there); teachflow divides as the graph says, as TF does
with constant folding turned off.

    >>> import teachflow as tf
    >>> y = tf.image.resize_image_with_pad(tf.ones([2, 4, 1]), 4, 4)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y)[..., 0])
    [[0. 0. 0. 0.]
     [1. 1. 1. 1.]
     [1. 1. 1. 1.]
     [0. 0. 0. 0.]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.resize_ops import ResizeMethod

__all__ = ["resize_image_with_pad"]


def _assert(cond, message):
    """TF's ``image_ops_impl._assert``: a run-time Assert for a tensor condition, a
    ValueError now for a False Python one."""
    from teachflow.ops.check_ops import Assert

    if isinstance(cond, Tensor):
        return [Assert(cond, [message])]
    if not cond:
        raise ValueError(message)
    return []


def _check_at_least_3d_image(image):
    """TF's ``_CheckAtLeast3DImage(image, require_static=False)``: run-time Asserts that
    the inner three dimensions are positive and the rank at least 3, where the static
    shape does not tell."""
    from teachflow.ops import array_ops, check_ops

    shape = image.shape
    try:
        shape = shape.with_rank(3) if shape.ndims is None else shape.with_rank_at_least(3)
    except ValueError:
        raise ValueError(
            f"'image' (shape {image.shape}) must be at least three-dimensional."
        ) from None
    if any(d == 0 for d in shape.as_list()[-3:]):
        raise ValueError(f"inner 3 dims of 'image.shape' must be > 0: {shape}")
    if None not in shape.as_list()[-3:]:
        return []
    return [
        check_ops.assert_positive(
            array_ops.shape(image)[-3:], ["inner 3 dims of 'image.shape' must be > 0."]
        ),
        check_ops.assert_greater_equal(
            array_ops.rank(image), 3, message="'image' must be at least three-dimensional."
        ),
    ]


def _image_dimensions(image):
    """TF's ``_ImageDimensions(image, rank=4)``: static sizes where known, else the
    unstacked run-time shape."""
    from teachflow.ops import array_ops

    shape = image.shape.with_rank(4)
    if shape.is_fully_defined():
        return shape.as_list()
    dynamic = array_ops.unstack(array_ops.shape(image), 4)
    return [s if s is not None else d for s, d in zip(shape.as_list(), dynamic)]


def _pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """TF's ``pad_to_bounding_box`` for a 4-D ``image`` whose offsets may be tensors (the
    static teachflow.image one wants Python ints)."""
    from teachflow.ops import array_ops
    from teachflow.ops.control_flow_cond import with_dependencies

    with name_scope(None, "pad_to_bounding_box", [image]):
        batch, height, width, depth = _image_dimensions(image)
        after_width = target_width - offset_width - width
        after_height = target_height - offset_height - height
        checks = _check_at_least_3d_image(image)
        checks += _assert(offset_height >= 0, "offset_height must be >= 0")
        checks += _assert(offset_width >= 0, "offset_width must be >= 0")
        checks += _assert(after_width >= 0, "width must be <= target - offset")
        checks += _assert(after_height >= 0, "height must be <= target - offset")
        image = with_dependencies(checks, image)
        paddings = array_ops.reshape(
            array_ops.stack([0, 0, offset_height, after_height, offset_width, after_width, 0, 0]),
            [4, 2],
        )
        padded = array_ops.pad(image, paddings)
        dims = [batch, target_height, target_width, depth]
        padded.set_shape([None if isinstance(d, Tensor) else d for d in dims])
        return padded


def _max(x, y):
    from teachflow.ops import math_ops

    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return math_ops.maximum(x, y)
    return max(x, y)


def _static_resized_shape(image, target_height, target_width):
    """The resized image's shape as TensorFlow's C++ shape inference finds it: it evaluates
    the small constant graph of the size (Python's ``constant_value`` stops at ``Floor``,
    so ``resize_images`` still builds its resize op even when the size does not change)."""
    batch, height, width, depth = image.shape.as_list()
    if None in (height, width) or not all(
        isinstance(t, int) for t in (target_height, target_width)
    ):
        return [batch, None, None, depth]
    f32 = np.float32
    ratio = max(f32(width) / f32(target_width), f32(height) / f32(target_height))
    return [batch, int(np.floor(f32(height) / ratio)), int(np.floor(f32(width) / ratio)), depth]


def resize_image_with_pad(
    image, target_height, target_width, method=ResizeMethod.BILINEAR, align_corners=False
):
    """``image`` (``[h, w, c]`` or ``[n, h, w, c]``) resized by `tf.image.resize_images`
    (``method``, ``align_corners``) to fit ``target_height x target_width`` without
    changing its aspect ratio, then zero-padded, centred, to exactly that size.

    Raises ValueError for an image of another rank and for a target size that is not
    positive."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.control_flow_cond import with_dependencies
    from teachflow.ops.resize_ops import resize_images

    with name_scope(None, "resize_image_with_pad", [image]):
        image = convert_to_tensor(image, name="image")
        shape = image.shape
        is_batch = shape.ndims == 4
        if shape.ndims in (3, None):
            image = array_ops.expand_dims(image, 0)
            if shape.ndims is None:
                image.set_shape([None] * 4)
        elif shape.ndims != 4:
            raise ValueError(f"'image' (shape {shape}) must have either 3 or 4 dimensions.")
        checks = _check_at_least_3d_image(image)
        checks += _assert(target_width > 0, "target_width must be > 0.")
        checks += _assert(target_height > 0, "target_height must be > 0.")
        image = with_dependencies(checks, image)
        _, height, width, _ = _image_dimensions(image)

        def as_float(v):
            return math_ops.cast(v, dtype=dtypes.float32)

        f_height, f_width = as_float(height), as_float(width)
        f_target_height, f_target_width = as_float(target_height), as_float(target_width)
        ratio = _max(f_width / f_target_width, f_height / f_target_height)
        resized_height_float = f_height / ratio
        resized_width_float = f_width / ratio
        resized_height = math_ops.cast(math_ops.floor(resized_height_float), dtype=dtypes.int32)
        resized_width = math_ops.cast(math_ops.floor(resized_width_float), dtype=dtypes.int32)
        padding_height = (f_target_height - resized_height_float) / 2
        padding_width = (f_target_width - resized_width_float) / 2
        f_padding_height = math_ops.floor(padding_height)
        f_padding_width = math_ops.floor(padding_width)
        p_height = _max(0, math_ops.cast(f_padding_height, dtype=dtypes.int32))
        p_width = _max(0, math_ops.cast(f_padding_width, dtype=dtypes.int32))

        resized = resize_images(
            image, [resized_height, resized_width], method, align_corners=align_corners
        )
        resized.set_shape(_static_resized_shape(image, target_height, target_width))
        padded = _pad_to_bounding_box(resized, p_height, p_width, target_height, target_width)
        if padded.shape.ndims is None:
            raise ValueError("padded contains no shape.")
        _image_dimensions(padded)
        if not is_batch:
            padded = array_ops.squeeze(padded, axis=[0])
        return padded
