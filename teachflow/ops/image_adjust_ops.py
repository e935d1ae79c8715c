"""Colour adjustments for data augmentation: ``tf.image.adjust_brightness``,
``adjust_contrast`` (the ``AdjustContrastv2`` op) and their random forms.

An adjustment works on float images: an integer image is converted to float32 in [0, 1]
first and converted back — saturating — at the end, so brightening a white uint8 pixel
leaves it at 255. The random forms draw one factor per call with ``random_uniform``; under
a graph seed and an op seed the draws are TensorFlow's.

    >>> import teachflow as tf
    >>> y = tf.image.adjust_brightness(tf.constant([[[250, 10, 0]]], tf.uint8), 0.1)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).ravel())
    [255  35  25]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.elementwise import check_allowed

__all__: list = []

_FLOAT_IMAGES = (dtypes.float16, dtypes.float32)


def _as_float(image):
    from teachflow.ops.image_ops import convert_image_dtype

    if image.dtype.base_dtype in _FLOAT_IMAGES:
        return image
    return convert_image_dtype(image, dtypes.float32)


# -- AdjustContrastv2 ----------------------------------------------------------------------------
def _infer_adjust_contrast(op):
    images, factor = op.inputs
    dt = check_allowed(images, _FLOAT_IMAGES, "images")
    if images.shape.ndims is not None and images.shape.ndims < 3:
        raise ValueError(
            f"Shape must be at least rank 3 but is rank {images.shape.ndims} for '{op.name}' "
            "(op: 'AdjustContrastv2')"
        )
    if factor.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {factor.shape.ndims}")
    return [(dt, images.shape)]


def _adjust_contrast_kernel(op, device):
    def adjust_contrastv2(images, factor):
        x = images.astype(np.float32, copy=False)
        # Each channel of each image keeps its mean; deviations are scaled by the factor.
        mean = x.mean(axis=(-3, -2), keepdims=True)
        return ((x - mean) * np.float32(factor) + mean).astype(images.dtype, copy=False)

    return adjust_contrastv2


registry.register("AdjustContrastv2", _infer_adjust_contrast, _adjust_contrast_kernel)


# -- the Python API -------------------------------------------------------------------------------
def adjust_brightness(image, delta):
    """``image + delta`` on the float image (``delta`` in [0, 1] units), saturated back to
    the image's dtype.

    >>> import teachflow as tf
    >>> tf.image.adjust_brightness(tf.zeros([4, 4, 3]), 0.2).shape
    TensorShape([4, 4, 3])
    """
    from teachflow.ops import math_ops
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(None, "adjust_brightness", [image, delta]) as scope:
        image = convert_to_tensor(image, name="image")
        orig = image.dtype.base_dtype
        flt = _as_float(image)
        adjusted = math_ops.add(flt, math_ops.cast(delta, flt.dtype), name=scope)
        return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` for each channel of each image (the mean over
    its pixels), saturated back to the image's dtype.

    >>> import teachflow as tf
    >>> tf.image.adjust_contrast(tf.zeros([2, 4, 4, 3]), 1.5).op.type
    'Identity'
    """
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(None, "adjust_contrast", [images, contrast_factor]) as scope:
        images = convert_to_tensor(images, name="images")
        orig = images.dtype.base_dtype
        flt = _as_float(images)
        with name_scope(scope):
            factor = convert_to_tensor(
                contrast_factor, dtype=dtypes.float32, name="contrast_factor"
            )
        attrs = {"T": flt.dtype.base_dtype}
        adjusted = flt.graph.create_op(
            "AdjustContrastv2", [flt, factor], attrs, name=scope
        ).outputs[0]
        return convert_image_dtype(adjusted, orig, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """`adjust_brightness` by a delta drawn uniformly from ``[-max_delta, max_delta)``.

    >>> import teachflow as tf
    >>> tf.image.random_brightness(tf.zeros([4, 4, 3]), 0.2, seed=1).shape
    TensorShape([4, 4, 3])
    """
    from teachflow.ops import random_ops

    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` by a factor drawn uniformly from ``[lower, upper)``.

    >>> import teachflow as tf
    >>> tf.image.random_contrast(tf.zeros([4, 4, 3]), 0.5, 1.5, seed=1).shape
    TensorShape([4, 4, 3])
    """
    from teachflow.ops import random_ops

    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)
