"""``tf.image.encode_png`` and ``tf.image.decode_png``: images to PNG bytes and back.

``EncodePng`` turns a ``[height, width, channels]`` uint8 (or uint16) image into the bytes
of a PNG file — TensorFlow's bytes exactly (see `teachflow.ops.png_format`), so a file a
program writes is the file TensorFlow would have written. ``DecodePng`` reads them back,
with ``channels`` asking for grey (1), RGB (3) or RGBA (4) whatever the file holds (0: as
stored); the grey of a colour file is libpng's weighted sum, ``0.299 R + 0.587 G +
0.114 B`` in 15-bit fixed point (`rgb_to_grey`). Both run on CPUs only, as in TensorFlow.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> image = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    >>> png = tf.image.encode_png(image)
    >>> rgba = tf.image.decode_png(png, channels=4)
    >>> rgba.shape
    TensorShape([Dimension(None), Dimension(None), Dimension(4)])
    >>> with tf.Session() as sess:
    ...     print(sess.run(rgba)[0])
    [[  0   1   2 255]
     [  3   4   5 255]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import png_format
from teachflow.ops.image_decode_ops import decode_any
from teachflow.ops.reader_resources import as_bytes

__all__ = ["decode_png", "decode_png_pixels", "encode_png"]

_IMAGE_TYPES = (dtypes.uint8, dtypes.uint16)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _check_type(dtype, what):
    if dtype not in _IMAGE_TYPES:
        raise TypeError(
            f"Value passed to parameter '{what}' has DataType {dtype.name} not in list of "
            "allowed values: uint8, uint16"
        )


# -- EncodePng -------------------------------------------------------------------------------
def _encode_kernel(op, device):
    def encode(image):
        image = np.asarray(image)
        if image.ndim != 3:
            raise _invalid(f"image must be 3-dimensional{list(image.shape)}")
        if not 1 <= image.shape[2] <= 4:
            raise _invalid(f"image must have 1, 2, 3, or 4 channels, got {image.shape[2]}")
        return png_format.encode_png(image)

    return encode


def _encode_infer(op):
    op.inputs[0].shape.with_rank(3)
    return [(dtypes.string, [])]


registry.register(
    "EncodePng", _encode_infer, kernels={"CPU": _encode_kernel}, not_differentiable=True
)


def encode_png(image, compression=-1, name=None):
    """The PNG file of ``image`` (``[height, width, channels]``, uint8 or uint16, 1-4
    channels) as a string scalar. ``compression`` other than -1 (zlib's default) is not
    written here."""
    with name_scope(name, "EncodePng") as scope:
        image = convert_to_tensor(image, name="image")
        _check_type(image.dtype.base_dtype, "T")
        if compression != -1:
            raise ValueError("encode_png writes TensorFlow's default compression (-1) only")
        attrs = {"compression": -1, "T": image.dtype.base_dtype}
        return get_default_graph().create_op("EncodePng", [image], attrs, name=scope).outputs[0]


# -- DecodePng -------------------------------------------------------------------------------
def _with_channels(pixels, channels, opaque):
    """``pixels`` as grey, RGB or RGBA, as libpng's transforms give them."""
    have = pixels.shape[2]
    if channels == 0 or channels == have:
        return pixels
    color = pixels[:, :, :3] if have >= 3 else np.repeat(pixels[:, :, :1], 3, axis=2)
    alpha = pixels[:, :, -1:] if have in (2, 4) else np.full_like(pixels[:, :, :1], opaque)
    if channels == 3:
        return color
    if channels == 4:
        return np.concatenate([color, alpha], axis=2)
    return pixels[:, :, :1]  # grey + alpha: the alpha dropped


# libpng's fixed-point weights for TF's png_set_rgb_to_gray(0.299, 0.587): each coefficient
# in 1/100000 times 32768, truncated; blue takes the rest of 32768.
_RED, _GREEN = 29900 * 32768 // 100000, 58700 * 32768 // 100000
_BLUE = 32768 - _RED - _GREEN


def rgb_to_grey(pixels: np.ndarray) -> np.ndarray:
    """``[h, w, 1]`` grey of RGB(A) pixels at the file's depth, as libpng's
    ``png_do_rgb_to_gray`` computes it without gamma: 8-bit sums are truncated (a pixel
    with equal channels keeps its value), 16-bit ones rounded. Alpha is dropped.

        >>> rgb_to_grey(np.array([[[255, 0, 0], [100, 150, 200]]], np.uint8)).ravel().tolist()
        [76, 140]
    """
    r, g, b = (pixels[:, :, i].astype(np.int64) for i in range(3))
    weighted = _RED * r + _GREEN * g + _BLUE * b
    if pixels.dtype == np.uint16:
        grey = (weighted + 16384) >> 15
    else:
        grey = np.where((r == g) & (r == b), r, weighted >> 15)
    return grey.astype(pixels.dtype)[:, :, None]


def decode_png_pixels(data: bytes, channels: int, out_type) -> np.ndarray:
    """The pixels of PNG file ``data`` as ``[h, w, channels]`` of ``out_type`` (uint8 or
    uint16), as libpng's transforms give them; InvalidArgumentError for bytes that are not
    a PNG. (Also what ``DecodeJpeg`` and ``DecodeImage`` give for a PNG.)"""
    try:
        pixels = png_format.decode_png(data)
    except png_format.PngError:
        raise _invalid(f"Invalid PNG data, size {len(data)}") from None
    if channels == 1 and pixels.shape[2] >= 3:
        # libpng converts at the file's depth, before narrowing or widening.
        pixels = rgb_to_grey(pixels)
    if out_type == np.uint16 and pixels.dtype == np.uint8:
        pixels = pixels.astype(np.uint16) * 257  # libpng widens 8-bit samples so
    elif out_type == np.uint8 and pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)  # libpng's png_set_strip_16
    opaque = np.iinfo(out_type).max
    return np.ascontiguousarray(_with_channels(pixels, channels, opaque), dtype=out_type)


def _decode_kernel(op, device):
    channels = op._attrs["channels"]
    out_type = op._attrs["dtype"].as_numpy_dtype

    def decode(contents):
        if channels not in (0, 1, 3, 4):  # TF checks it when the op runs, not when built
            raise _invalid(f"`channels` must be 0, 1, 3 or 4 but got {channels}")
        # TF 2.21's DecodePng is DecodeImageV2's kernel: a JPEG or a one-frame GIF decodes
        # too (widened to uint16 by 256), a BMP or an animation is refused.
        return decode_any(as_bytes(contents), "DecodePng", channels, out_type)

    return decode


def _decode_infer(op):
    op.inputs[0].shape.with_rank(0)
    channels = op._attrs["channels"]
    return [(op._attrs["dtype"], TensorShape([None, None, channels or None]))]


registry.register(
    "DecodePng", _decode_infer, kernels={"CPU": _decode_kernel}, not_differentiable=True
)


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """The pixels of the PNG file ``contents`` (a string scalar): ``[height, width,
    channels]`` of ``dtype`` (uint8 or uint16). InvalidArgumentError "Invalid PNG data"
    when the bytes are not a PNG."""
    dtype = dtypes.as_dtype(dtype)
    _check_type(dtype, "dtype")
    with name_scope(name, "DecodePng") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        attrs = {"channels": int(channels), "dtype": dtype}
        return get_default_graph().create_op("DecodePng", [contents], attrs, name=scope).outputs[0]
