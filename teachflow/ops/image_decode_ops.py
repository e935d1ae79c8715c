"""TF 2.21's image decoding: one kernel behind ``DecodeJpeg``, ``DecodeGif``, ``DecodeBmp``
and ``DecodeImage`` that tells the file's format from its first bytes (`image_format`) and
decodes what the op accepts (`decode_any`); and ``tf.image.decode_gif`` and
``tf.image.decode_bmp``, GIF animations and BMP files to pixels through Pillow.

A GIF decodes to all of its frames, ``[frames, height, width, 3]`` uint8, each frame drawn
over the previous one as the file says (TF's giflib reader composes them the same way);
a BMP file to ``[height, width, channels]``: 3 for 24-bit files, 4 for 32-bit ones (with
their alpha), 1 for 8-bit ones (the raw sample, as TensorFlow reads it).

    >>> import io
    >>> import numpy as np
    >>> from PIL import Image
    >>> import teachflow as tf
    >>> file = io.BytesIO()
    >>> Image.fromarray(np.full((2, 3, 3), 7, np.uint8)).save(file, "BMP")
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.decode_bmp(file.getvalue(), channels=4))[0, 0])
    [  7   7   7 255]
"""

from __future__ import annotations

import io

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.reader_resources import as_bytes

__all__ = ["decode_any", "decode_bmp", "decode_gif", "image_format"]

# The first bytes of each file format TF's image decoders tell apart.
_MAGIC = (
    ("JPEG", b"\xff\xd8\xff"),
    ("PNG", b"\x89PNG\r\n\x1a\n"),
    ("GIF", b"GIF8"),
    ("BMP", b"BM"),
)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def image_format(data: bytes) -> str | None:
    """ "JPEG", "PNG", "GIF" or "BMP" from a file's first bytes; None for anything else.

    >>> image_format(b"GIF89a...")
    'GIF'
    """
    return next((name for name, magic in _MAGIC if data.startswith(magic)), None)


def wrong_op(found: str, op_type: str):
    """TF's error for a file another decoder should read."""
    return _invalid(
        f"Trying to decode {found} format using a wrong op. Use `decode_{found.lower()}` or "
        f"`decode_image` instead. Op used: {op_type}"
    )


def decode_gif_frames(data: bytes) -> np.ndarray:
    """``[frames, h, w, 3]`` uint8: every frame of GIF file ``data``, composed."""
    from PIL import Image, ImageSequence

    try:
        im = Image.open(io.BytesIO(data), formats=["GIF"])
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _invalid(f"Invalid GIF data (size {len(data)}), failed to open gif file") from None
    return np.stack(frames)


def decode_bmp_pixels(data: bytes, channels: int) -> np.ndarray:
    """``[h, w, c]`` uint8 pixels of BMP file ``data`` (``channels`` 0, 3 or 4)."""
    from PIL import Image

    if channels not in (0, 3, 4):
        raise _invalid(f"`channels` must be 0, 3 or 4 for BMP, but got {channels}")
    try:
        im = Image.open(io.BytesIO(data), formats=["BMP"])
        tile = im.tile[0] if len(im.tile) == 1 else None
        if tile is not None and tile.args and tile.args[0] == "BGRX":
            # A 32-bit file: Pillow skips the fourth byte, TF reads it as alpha.
            im.tile = [tile._replace(args=("BGRA", *tile.args[1:]))]
            im._mode = "RGBA"
        im.load()
    except (OSError, SyntaxError, ValueError):
        raise _invalid(f"Invalid BMP data, size {len(data)}") from None
    if im.mode == "P":
        pixels = np.asarray(im)[:, :, None]  # the raw 8-bit sample, palette not applied
        if channels:
            pixels = np.repeat(pixels, 3, axis=2)
    else:
        pixels = np.asarray(im).reshape(im.size[1], im.size[0], -1)
    have = pixels.shape[2]
    if channels == 0 or channels == have:
        return pixels
    if have == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    if channels == 3:
        return np.ascontiguousarray(pixels[:, :, :3])
    opaque = np.full(pixels.shape[:2] + (1,), 255, np.uint8)
    return np.concatenate([pixels[:, :, :3], opaque], axis=2)


def _widened(pixels: np.ndarray, dtype) -> np.ndarray:
    # 8-bit samples: TF shifts them up for uint16 (x * 256, not x * 257 as libpng does
    # for a PNG) and scales them by the float32 1/255 for float32.
    if dtype == np.uint16:
        return pixels.astype(np.uint16) << 8
    if dtype == np.float32:
        return pixels.astype(np.float32) * np.float32(1 / 255)
    return pixels


def decode_any(
    data: bytes, op_type: str, channels=0, dtype=np.uint8, expand_animations=False, **jpeg
) -> np.ndarray:
    """The pixels ``op_type`` gives for file ``data``, with TF's errors for a file it does
    not take: ``DecodeJpeg`` and ``DecodePng`` read JPEG, PNG and one-frame GIF files
    (``DecodePng`` can widen them to uint16); ``DecodeGif`` JPEG,
    PNG and GIF files, as frames; ``DecodeBmp`` BMP files only; ``DecodeImage`` all four.
    ``jpeg`` holds `DecodeJpeg`'s options."""
    from teachflow.ops.image_codec_ops import decode_png_pixels
    from teachflow.ops.jpeg_codec_ops import decode_jpeg_pixels

    found = image_format(data)
    if found is None:
        raise _invalid(
            "Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required."
        )
    if op_type == "DecodeBmp" and found != "BMP":
        raise _invalid(
            f"Trying to decode {found} format using DecodeBmp op. Use "
            f"`decode_{found.lower()}` or `decode_image` instead."
        )
    if found == "BMP" and op_type not in ("DecodeBmp", "DecodeImage"):
        # TF's BMP reader checks the channels before it sees which op called it.
        if channels not in (0, 3, 4):
            raise _invalid(f"`channels` must be 0, 3 or 4 for BMP, but got {channels}")
        raise wrong_op(found, op_type)
    if op_type == "DecodeGif":
        channels, expand_animations = 3, True
    if found == "GIF":
        if channels not in (0, 3):
            raise _invalid(f"channels must be 0 or 3 for GIF, got {channels}")
        frames = decode_gif_frames(data)
        if op_type in ("DecodeJpeg", "DecodePng") and len(frames) > 1:
            raise _invalid(
                f"Got {len(frames)} frames, but animated gifs can only be decoded by "
                "tf.io.decode_gif or tf.io.decode_image"
            )
        return _widened(frames if expand_animations else frames[0], dtype)
    if channels not in (0, 1, 3, 4):
        raise _invalid(f"`channels` must be 0, 1, 3 or 4 but got {channels}")
    if found == "BMP":
        return _widened(decode_bmp_pixels(data, channels), dtype)
    if found == "PNG":
        if dtype == np.float32:
            # A PNG is read at 16 bits, then scaled by 1/65535 (a float32 product).
            wide = decode_png_pixels(data, channels, np.uint16)
            pixels = wide.astype(np.float32) * np.float32(1 / 65535)
        else:
            pixels = decode_png_pixels(data, channels, dtype)
    else:
        if channels == 4:  # libjpeg has no alpha to give, whichever op asks
            raise _invalid("JPEG does not support 4 channels")
        pixels = _widened(decode_jpeg_pixels(data, channels, **jpeg), dtype)
    return pixels[None] if op_type == "DecodeGif" else pixels


def _gif_kernel(op, device):
    def decode_gif(contents):
        return decode_any(as_bytes(contents), "DecodeGif")

    return decode_gif


def _bmp_kernel(op, device):
    channels = op._attrs["channels"]

    def decode_bmp(contents):
        return decode_any(as_bytes(contents), "DecodeBmp", channels)

    return decode_bmp


registry.register(
    "DecodeGif",
    lambda op: [(dtypes.uint8, TensorShape([None, None, None, 3]))],
    kernels={"CPU": _gif_kernel},
    not_differentiable=True,
)
registry.register(
    "DecodeBmp",
    lambda op: [(dtypes.uint8, TensorShape([None, None, op._attrs["channels"] or None]))],
    kernels={"CPU": _bmp_kernel},
    not_differentiable=True,
)


def decode_gif(contents, name=None):
    """All frames of GIF file ``contents``: ``[frames, height, width, 3]`` uint8."""
    with name_scope(name, "DecodeGif") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        return get_default_graph().create_op("DecodeGif", [contents], {}, name=scope).outputs[0]


def decode_bmp(contents, channels=0, name=None):
    """The pixels of BMP file ``contents``: ``[height, width, channels]`` uint8."""
    with name_scope(name, "DecodeBmp") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        attrs = {"channels": int(channels)}
        return get_default_graph().create_op("DecodeBmp", [contents], attrs, name=scope).outputs[0]
