"""``tf.image.extract_glimpse``: a fixed-size window cut from each image of a batch at an
offset of its own, as an attention model looks at a part of its input (``ExtractGlimpse``).

An offset is ``(y, x)``: with ``normalized`` a fraction of the image's size, with
``centered`` measured from the image's centre (so -1..1 spans it), and it places the
window's centre. The corner is the centre minus half the window, truncated toward zero
(TF's kernel, Eigen's ``ExtractGlimpses`` in its version 1). Where the window reaches
outside the image, its pixels are noise drawn uniformly between the image's minimum and
maximum — fresh on every run, as in TensorFlow (whose Eigen generator is not seeded by the
graph), so only the pixels inside the image are TensorFlow's.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> images = np.arange(30, dtype=np.float32).reshape(1, 5, 6, 1)
    >>> glimpse = tf.image.extract_glimpse(images, [3, 4], [[0.0, 0.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(glimpse)[0, :, :, 0])
    [[ 7.  8.  9. 10.]
     [13. 14. 15. 16.]
     [19. 20. 21. 22.]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value

__all__ = ["extract_glimpse"]

_F32 = np.float32


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def window_corner(offset, size: int, window: int, normalized: bool, centered: bool) -> int:
    """The window's first row (or column) along an image side of ``size``, in float32 as
    the kernel computes it, truncated toward zero."""
    pos = _F32(offset)
    if normalized:
        pos = _F32(pos * _F32(size))
    if centered:
        pos = _F32(_F32(pos / _F32(2)) + _F32(size) / _F32(2))
    pos = _F32(pos - _F32(window) / _F32(2))
    return int(pos)


def _axis(corner: int, window: int, size: int):
    """(source start, length, destination start, partial) of the part of the window
    inside the image along one axis, by the kernel's rule (which calls a window that
    ends exactly at the image's edge partial too)."""
    if corner < 0:
        inside = max(0, window + corner)
        return 0, min(size, inside), window - inside, True
    if corner + window >= size:
        return corner, min(size, max(0, size - corner)), 0, True
    return corner, window, 0, False


def glimpses(images, window_hw, offsets, normalized, centered, rng) -> np.ndarray:
    """``[batch, h, w, channels]`` glimpses (the kernel, in numpy)."""
    batch, height, width, channels = images.shape
    win_h, win_w = window_hw
    out = np.empty((batch, win_h, win_w, channels), images.dtype)
    for i in range(batch):
        top = window_corner(offsets[i, 0], height, win_h, normalized, centered)
        left = window_corner(offsets[i, 1], width, win_w, normalized, centered)
        sy, ny, dy, partial_y = _axis(top, win_h, height)
        sx, nx, dx, partial_x = _axis(left, win_w, width)
        if partial_y or partial_x:
            low = images[i].min()
            spread = _F32(images[i].max() - low)
            noise = rng.random((win_h, win_w, channels), dtype=_F32) * spread
            out[i] = low + noise.astype(images.dtype)
            if ny == 0 or nx == 0:
                continue
        out[i, dy : dy + ny, dx : dx + nx] = images[i, sy : sy + ny, sx : sx + nx]
    return out


def _kernel(op, device):
    normalized, centered = op._attrs["normalized"], op._attrs["centered"]
    rng = np.random.default_rng()  # unseeded, as TF's noise is

    def extract_glimpse(images, size, offsets):
        images, size, offsets = np.asarray(images), np.asarray(size), np.asarray(offsets)
        if images.ndim != 4:
            raise _invalid(f"input must be 4-dimensional{list(images.shape)}")
        if size.shape != (2,):
            raise _invalid(
                "input must be a vector of size 2 (height, width), got: "
                f"[{','.join(str(d) for d in size.shape)}]"
            )
        shape = "[" + ",".join(str(d) for d in offsets.shape) + "]"
        if offsets.ndim != 2 or offsets.shape[0] != images.shape[0]:
            raise _invalid(f"first dimension should be batch{shape}")
        if offsets.shape[1] != 2:
            raise _invalid(f"second dimension should be of size 2{shape}")
        window = (int(size[0]), int(size[1]))
        return glimpses(images, window, offsets.astype(_F32), normalized, centered, rng)

    return extract_glimpse


def _infer(op):
    from teachflow.ops.static_value import constant_value

    images, size, _ = op.inputs
    images.shape.with_rank(4)
    value = constant_value(size)
    hw = [int(v) for v in value] if value is not None else [None, None]
    batch, channels = dimension_value(images.shape[0]), dimension_value(images.shape[3])
    return [(dtypes.float32, TensorShape([batch, *hw, channels]))]


registry.register("ExtractGlimpse", _infer, _kernel, stateful=True, not_differentiable=True)


def extract_glimpse(
    input,  # noqa: A002 - TensorFlow's argument name
    size,
    offsets,
    centered=True,
    normalized=True,
    uniform_noise=True,
    name=None,
):
    """Windows of ``size`` (``[h, w]``) from ``input`` (``[batch, height, width,
    channels]`` float32) at ``offsets`` (``[batch, 2]``, ``(y, x)``)."""
    with name_scope(name, "ExtractGlimpse") as scope:
        images = convert_to_tensor(input, dtype=dtypes.float32, name="input")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        offsets = convert_to_tensor(offsets, dtype=dtypes.float32, name="offsets")
        attrs = {
            "centered": bool(centered),
            "normalized": bool(normalized),
            "uniform_noise": bool(uniform_noise),
            "noise": "uniform",
        }
        return (
            get_default_graph()
            .create_op("ExtractGlimpse", [images, size, offsets], attrs, name=scope)
            .outputs[0]
        )
