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
from teachflow.framework.shapes import dimension_value
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


# -- colour spaces: RGBToHSV, HSVToRGB, AdjustSaturation, AdjustHue -----------------------------
# Each kernel follows TensorFlow's CPU kernel formula by formula (float32), so values agree
# to rounding: RGBToHSV / HSVToRGB as Eigen expressions, AdjustSaturation through its own
# HSV round trip, AdjustHue through (hue in [0, 6), min, max) without a saturation.
def _rgb_to_hsv(xp, rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(axis=-1)
    rng = v - rgb.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.where(v > 0, rng / v, 0)
        norm = (1 / rng) * np.float32(1 / 6)
        h = xp.where(
            r == v,
            norm * (g - b),
            xp.where(
                g == v, norm * (b - r) + np.float32(2 / 6), norm * (r - g) + np.float32(4 / 6)
            ),
        )
    h = xp.where(rng > 0, h, 0)
    h = xp.where(h < 0, h + 1, h)
    return xp.stack([h, s, v], axis=-1).astype(rgb.dtype, copy=False)


def _hsv_to_rgb(xp, hsv):
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    dh = h * 6
    dr = xp.clip(xp.abs(dh - 3) - 1, 0, 1)
    dg = xp.clip(-xp.abs(dh - 2) + 2, 0, 1)
    db = xp.clip(-xp.abs(dh - 4) + 2, 0, 1)
    one_minus_s = 1 - s
    rgb = [(one_minus_s + s * d) * v for d in (dr, dg, db)]
    return xp.stack(rgb, axis=-1).astype(hsv.dtype, copy=False)


def _saturation_round_trip(xp, rgb, scale):
    """AdjustSaturation's kernel: HSV with hue in sixths, S scaled and clamped to [0, 1]."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    vv = xp.maximum(r, xp.maximum(g, b))
    rng = vv - xp.minimum(r, xp.minimum(g, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.where(vv > 0, rng / vv, 0)
        norm = 1 / (6 * rng)
        hh = xp.where(
            r == vv,
            norm * (g - b),
            xp.where(
                g == vv, norm * (b - r) + np.float32(2 / 6), norm * (r - g) + np.float32(4 / 6)
            ),
        )
    hh = xp.where(rng <= 0, 0, hh)
    hh = xp.where(hh < 0, hh + 1, hh)
    s = xp.minimum(np.float32(1), xp.maximum(np.float32(0), s * np.float32(scale)))
    c = s * vv
    m = vv - c
    dh = hh * 6
    category = dh.astype(np.int32)
    x = c * (1 - xp.abs(xp.fmod(dh, 2) - 1))
    zero = xp.zeros_like(c)
    table = [(c, x, zero), (x, c, zero), (zero, c, x), (zero, x, c), (x, zero, c), (c, zero, x)]
    out = []
    for channel in range(3):
        choices = [row[channel] for row in table]
        out.append(xp.select([category == k for k in range(6)], choices, 0) + m)
    return xp.stack(out, axis=-1)


def _hue_round_trip(xp, rgb, delta):
    """AdjustHue's kernel: hue as a position in [0, 6) between the min and max channel."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    r_lt_g = r < g
    # Which channel is max, mid and min, and the sixth of the hue circle (TF's table).
    cat = xp.where(
        r_lt_g,
        xp.where(b < r, 1, xp.where(b > g, 3, 2)),
        xp.where(b < g, 0, xp.where(b > r, 4, 5)),
    )
    v_max = xp.select([cat == 0, cat == 1, cat == 2, cat == 3, cat == 4], [r, g, g, b, b], r)
    v_mid = xp.select([cat == 0, cat == 1, cat == 2, cat == 3, cat == 4], [g, r, b, g, r], b)
    v_min = xp.select([cat == 0, cat == 1, cat == 2, cat == 3, cat == 4], [b, b, r, r, g], g)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (v_mid - v_min) / (v_max - v_min)
    increase = (cat % 2) == 0
    h = xp.where(v_max == v_min, 0, cat + xp.where(increase, ratio, 1 - ratio)).astype(np.float32)
    h = h + np.float32(delta) * np.float32(6)
    h = xp.where(h < 0, h + 6, h)  # one turn is enough: |delta| <= 1
    h = xp.where(h >= 6, h - 6, h)
    cat = h.astype(np.int32)
    ratio = h - cat
    ratio = xp.where((cat % 2) == 0, ratio, 1 - ratio)
    v_mid = v_min + ratio * (v_max - v_min)
    picks = [
        (v_max, v_mid, v_min), (v_mid, v_max, v_min), (v_min, v_max, v_mid),
        (v_min, v_mid, v_max), (v_mid, v_min, v_max),
    ]  # fmt: skip
    out = []
    for channel in range(3):
        choices = [row[channel] for row in picks]
        default = (v_max, v_min, v_mid)[channel]
        out.append(xp.select([cat == k for k in range(5)], choices, default))
    return xp.stack(out, axis=-1)


def _infer_rgb(op):
    images = op.inputs[0]
    dt = check_allowed(images, _FLOAT_IMAGES + (dtypes.float64,), "images")
    if images.shape.ndims is not None and dimension_value(images.shape[-1]) not in (None, 3):
        raise ValueError(
            f"Dimension must be 3 but is {dimension_value(images.shape[-1])} for '{op.name}' (op: '{op.type}')"
        )
    return [(dt, images.shape)]


def _elementwise_kernel(fn):
    def make(op, device):
        xp = device.xp

        def kernel(images, *scalars):
            x = images.astype(np.float32, copy=False)
            return fn(xp, x, *scalars).astype(images.dtype, copy=False)

        return kernel

    return make


registry.register("RGBToHSV", _infer_rgb, _elementwise_kernel(_rgb_to_hsv))
registry.register("HSVToRGB", _infer_rgb, _elementwise_kernel(_hsv_to_rgb))
registry.register("AdjustSaturation", _infer_rgb, _elementwise_kernel(_saturation_round_trip))
registry.register("AdjustHue", _infer_rgb, _elementwise_kernel(_hue_round_trip))


# -- the Python API -------------------------------------------------------------------------------
def adjust_brightness(image, delta):
    """``image + delta`` on the float image (``delta`` in [0, 1] units), saturated back to
    the image's dtype.

    >>> import teachflow as tf
    >>> tf.image.adjust_brightness(tf.zeros([4, 4, 3]), 0.2).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
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
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    return adjust_brightness(image, _random_delta(max_delta, seed))


def random_contrast(image, lower, upper, seed=None):
    """`adjust_contrast` by a factor drawn uniformly from ``[lower, upper)``.

    >>> import teachflow as tf
    >>> tf.image.random_contrast(tf.zeros([4, 4, 3]), 0.5, 1.5, seed=1).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    return adjust_contrast(image, _random_factor(lower, upper, seed))


def _random_delta(max_delta, seed):
    """The random_* adjustments' uniform draw from ``[-max_delta, max_delta)``, checked as TF
    checks it."""
    from teachflow.ops import random_ops

    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return random_ops.random_uniform([], -max_delta, max_delta, seed=seed)


def _random_factor(lower, upper, seed):
    """The random_* adjustments' uniform draw from ``[lower, upper)``, checked as TF checks it."""
    from teachflow.ops import random_ops

    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return random_ops.random_uniform([], lower, upper, seed=seed)


def _colour_op(op_type, images, name):
    with name_scope(name, op_type, [images]) as scope:
        images = convert_to_tensor(images, name="images")
        attrs = {"T": images.dtype.base_dtype}
        return images.graph.create_op(op_type, [images], attrs, name=scope).outputs[0]


def rgb_to_hsv(images, name=None):
    """RGB images (floats in [0, 1]) to hue, saturation, value, each in [0, 1].

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.rgb_to_hsv([[[1.0, 0.0, 0.0]]])).ravel())
    [0. 1. 1.]
    """
    return _colour_op("RGBToHSV", images, name)


def hsv_to_rgb(images, name=None):
    """Hue, saturation, value images back to RGB (the inverse of `rgb_to_hsv`).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.hsv_to_rgb([[[0.0, 1.0, 1.0]]])).ravel())
    [1. 0. 0.]
    """
    return _colour_op("HSVToRGB", images, name)


def _adjust_colour(op_type, arg, image, value, default_name, name):
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(name, default_name, [image]):
        image = convert_to_tensor(image, name="image")
        orig = image.dtype.base_dtype
        flt = _as_float(image)
        with name_scope(None, op_type) as scope:
            scalar = convert_to_tensor(value, dtype=dtypes.float32, name=arg)
            adjusted = flt.graph.create_op(
                op_type, [flt, scalar], {"T": flt.dtype.base_dtype}, name=scope
            ).outputs[0]
        return convert_image_dtype(adjusted, orig)


def adjust_saturation(image, saturation_factor, name=None):
    """Scale each pixel's saturation by ``saturation_factor`` (clamped to [0, 1]).

    >>> import teachflow as tf
    >>> tf.image.adjust_saturation(tf.zeros([4, 4, 3]), 0.5).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    return _adjust_colour(
        "AdjustSaturation", "scale", image, saturation_factor, "adjust_saturation", name
    )


def adjust_hue(image, delta, name=None):
    """Rotate each pixel's hue by ``delta`` turns (``delta`` in [-1, 1]).

    >>> import teachflow as tf
    >>> tf.image.adjust_hue(tf.zeros([2, 4, 4, 3]), 0.2).shape
    TensorShape([Dimension(2), Dimension(4), Dimension(4), Dimension(3)])
    """
    return _adjust_colour("AdjustHue", "delta", image, delta, "adjust_hue", name)


def random_hue(image, max_delta, seed=None):
    """`adjust_hue` by a delta drawn uniformly from ``[-max_delta, max_delta)``
    (``max_delta`` in [0, 0.5]).

    >>> import teachflow as tf
    >>> tf.image.random_hue(tf.zeros([4, 4, 3]), 0.1, seed=1).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    return adjust_hue(image, _random_delta(max_delta, seed))


def random_saturation(image, lower, upper, seed=None):
    """`adjust_saturation` by a factor drawn uniformly from ``[lower, upper)``.

    >>> import teachflow as tf
    >>> tf.image.random_saturation(tf.zeros([4, 4, 3]), 0.5, 1.5, seed=1).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    return adjust_saturation(image, _random_factor(lower, upper, seed))
