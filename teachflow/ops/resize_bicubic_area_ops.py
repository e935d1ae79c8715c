"""Bicubic and area resizing: ``ResizeBicubic`` (with its gradient ``ResizeBicubicGrad``) and
``ResizeArea``; ``tf.image.resize_bicubic`` and ``tf.image.resize_area``.

Both are separable, so each is a pair of weight matrices, one per axis: the output is
``Wy @ image @ Wx.T`` for every image and channel, and bicubic's gradient is the transposed
product ``Wy.T @ grad @ Wx``.

*Bicubic* reads the four inputs around ``(y * s)`` (``s = in / out``, or ``(in - 1) / (out - 1)``
with ``align_corners``), weighted by TF's cubic convolution kernel looked up in a 1024-entry
table: Keys' kernel with ``a = -0.5`` and out-of-image taps dropped (weights renormalized)
under ``half_pixel_centers``, the legacy ``a = -0.75`` with edge pixels repeated otherwise.
*Area* averages the input cells output pixel ``(y, x)`` covers, ``[y * s, (y + 1) * s)``,
each by the fraction of it covered. Both give float32 (TF has no gradient for ResizeArea).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.resize_area([[[[1.0], [3.0], [5.0], [7.0]]]], [1, 2])).ravel())
    [2. 6.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.ops.resize_ops import _flags, _infer_resize, _resize_op, _scale, _sizes

__all__ = ["resize_area", "resize_bicubic"]

_TABLE_SIZE = 1024


def _coefficients(a: float) -> np.ndarray:
    # TF's InitCoeffsTable: [i, 0] the kernel at i / 1024, [i, 1] at 1 + i / 1024, in float.
    x = np.arange(_TABLE_SIZE + 1, dtype=np.float64) / _TABLE_SIZE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return np.stack([near, far], axis=1).astype(np.float32)


_KEYS, _LEGACY = _coefficients(-0.5), _coefficients(-0.75)


def bicubic_weights(in_size, out_size, align_corners, half_pixel_centers) -> np.ndarray:
    """``[out, in]`` float32: the weight of each input on each output along one axis."""
    scale = _scale(in_size, out_size, align_corners)
    table = _KEYS if half_pixel_centers else _LEGACY
    w = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        where = (
            (np.float32(o) + np.float32(0.5)) * scale - np.float32(0.5)
            if half_pixel_centers
            else np.float32(o) * scale
        )
        base = int(np.floor(where))
        offset = int(np.rint(np.float32(where - base) * _TABLE_SIZE))
        taps = (
            table[offset, 1],
            table[offset, 0],
            table[_TABLE_SIZE - offset, 0],
            table[_TABLE_SIZE - offset, 1],
        )
        index = [min(in_size - 1, max(0, base + k)) for k in (-1, 0, 1, 2)]
        if half_pixel_centers:
            # Keys: a tap outside the image weighs nothing, the others share its weight.
            taps = [
                t if i == base + k else np.float32(0) for t, i, k in zip(taps, index, (-1, 0, 1, 2))
            ]
            total = np.float32(sum(taps, np.float32(0)))
            if abs(total) >= 1000 * np.finfo(np.float32).tiny:
                taps = [t * (np.float32(1) / total) for t in taps]
        for i, t in zip(index, taps):
            w[o, i] += t
    return w


def area_weights(in_size, out_size, align_corners) -> np.ndarray:
    """``[out, in]`` float32: the covered fraction of each input cell, over the scale."""
    scale = float(_scale(in_size, out_size, align_corners))
    w = np.zeros((out_size, in_size), np.float64)
    for o in range(out_size):
        lo, hi = o * scale, (o + 1) * scale
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            if i < lo:
                part = scale if i + 1 > hi else i + 1 - lo
            else:
                part = hi - i if i + 1 > hi else 1.0
            w[o, min(in_size - 1, max(0, i))] += part
    return (w / scale).astype(np.float32)


def _separable(images, wy, wx):
    x = np.asarray(images).astype(np.float32, copy=False)
    return np.einsum("oh,nhwc,pw->nopc", wy, x, wx).astype(np.float32)


def _resize_bicubic_kernel(op, device):
    align, half = _flags(op)

    def resize_bicubic(images, size):
        out_h, out_w = _sizes(op, images, size)
        wy = bicubic_weights(images.shape[1], out_h, align, half)
        wx = bicubic_weights(images.shape[2], out_w, align, half)
        return _separable(images, wy, wx)

    return resize_bicubic


def _resize_bicubic_grad_kernel(op, device):
    align, half = _flags(op)

    def resize_bicubic_grad(grads, original):
        wy = bicubic_weights(original.shape[1], grads.shape[1], align, half)
        wx = bicubic_weights(original.shape[2], grads.shape[2], align, half)
        return _separable(grads, wy.T, wx.T).astype(original.dtype)

    return resize_bicubic_grad


def _resize_area_kernel(op, device):
    align = bool(op._attrs.get("align_corners", False))

    def resize_area(images, size):
        out_h, out_w = _sizes(op, images, size)
        wy = area_weights(images.shape[1], out_h, align)
        wx = area_weights(images.shape[2], out_w, align)
        return _separable(images, wy, wx)

    return resize_area


def _resize_bicubic_grad(op, grad):
    images = op.inputs[0]
    if images.dtype.base_dtype not in (dtypes.float32, dtypes.float64):
        return [None, None]  # TF's gradient exists for float and double images only
    attrs = {
        "T": images.dtype.base_dtype,
        "align_corners": op._attrs["align_corners"],
        "half_pixel_centers": op._attrs["half_pixel_centers"],
    }
    dx = grad.graph.create_op(
        "ResizeBicubicGrad", [grad, images], attrs, name="ResizeBicubicGrad"
    ).outputs[0]
    return [dx, None]


registry.register(
    "ResizeBicubic", _infer_resize(True), _resize_bicubic_kernel, grad=_resize_bicubic_grad
)
registry.register(
    "ResizeBicubicGrad",
    lambda op: [(op.inputs[1].dtype.base_dtype, op.inputs[1].shape)],
    _resize_bicubic_grad_kernel,
)
registry.register("ResizeArea", _infer_resize(True), _resize_area_kernel)


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bicubic resize of 4-D ``images`` to ``size`` ([height, width]); float32 out."""
    return _resize_op("ResizeBicubic", images, size, align_corners, half_pixel_centers, name)


def resize_area(images, size, align_corners=False, name=None):
    """Area-averaging resize of 4-D ``images`` to ``size``; float32 out (no gradient)."""
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.scopes import name_scope

    with name_scope(name, "ResizeArea", [images, size]) as scope:
        images = convert_to_tensor(images, name="images")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        attrs = {"T": images.dtype.base_dtype, "align_corners": bool(align_corners)}
        return images.graph.create_op("ResizeArea", [images, size], attrs, name=scope).outputs[0]
