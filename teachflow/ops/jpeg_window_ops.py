"""Looking at a JPEG file without decoding all of it: ``tf.image.is_jpeg`` (its first three
bytes), ``extract_jpeg_shape`` (op ``ExtractJpegShape``: height, width and components from
the frame header) and ``decode_and_crop_jpeg`` (op ``DecodeAndCropJpeg``: the pixels of one
window). All three are in ``tf.io`` too.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> jpeg = tf.image.encode_jpeg(np.zeros([6, 8, 3], np.uint8))
    >>> with tf.Session() as sess:
    ...     found, shape = sess.run([tf.image.is_jpeg(jpeg), tf.image.extract_jpeg_shape(jpeg)])
    >>> bool(found), shape.tolist()
    (True, [6, 8, 3])

TensorFlow's libjpeg decodes only the iMCU columns and rows a crop window touches; teachflow
decodes the file with Pillow (see `teachflow.ops.jpeg_codec_ops`) and then cuts the window.
The pixels are the same wherever libjpeg does not upsample chroma (4:4:4 colour, grey, or
``fancy_upscaling=False``). For subsampled colour with fancy upsampling TensorFlow's crop
treats the window's iMCU-aligned left edge and its first row as image edges, so pixels next
to those edges differ from a full decode's (by up to 16 levels in
tests/fixtures/tensorflow/record_image_names.py's file); teachflow gives the full decode's.
"""

from __future__ import annotations

import io

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.image_decode_ops import decode_any, image_format
from teachflow.ops.reader_resources import as_bytes

__all__ = ["decode_and_crop_jpeg", "extract_jpeg_shape", "is_jpeg"]

_UNCOMPRESS_FAILED = "jpeg::Uncompress failed. Invalid JPEG data or crop window."


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def is_jpeg(contents, name=None):
    """Whether each string of ``contents`` starts with JPEG's ``FF D8 FF`` (a quick
    sniff: other files may start so too)."""
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.string_ops import substr

    with name_scope(name, "is_jpeg"):
        prefix = substr(contents, 0, 3)
        return equal(prefix, b"\xff\xd8\xff", name=name)


# -- ExtractJpegShape -----------------------------------------------------------------------
def jpeg_shape(data: bytes) -> tuple[int, int, int]:
    """``(height, width, components)`` from a JPEG file's frame header."""
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(data), formats=["JPEG"])
        return im.size[1], im.size[0], len(im.layer)
    except (OSError, SyntaxError, ValueError, IndexError):
        raise _invalid(f"Invalid JPEG data, size {len(data)}") from None


def _extract_jpeg_shape_kernel(op, device):
    out_type = op._attrs["output_type"].as_numpy_dtype

    def extract_jpeg_shape(contents):
        return np.array(jpeg_shape(as_bytes(contents)), out_type)

    return extract_jpeg_shape


def _extract_jpeg_shape_infer(op):
    op.inputs[0].shape.with_rank(0)
    return [(op._attrs["output_type"], TensorShape([3]))]


registry.register(
    "ExtractJpegShape",
    _extract_jpeg_shape_infer,
    kernels={"CPU": _extract_jpeg_shape_kernel},
    not_differentiable=True,
)


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    """``[height, width, channels]`` (``output_type``: int32 or int64) of JPEG file
    ``contents``, read from its header. InvalidArgumentError for a file that is not a
    JPEG."""
    output_type = dtypes.as_dtype(output_type)
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(
            f"Value passed to parameter 'output_type' has DataType {output_type.name} not in "
            "list of allowed values: int32, int64"
        )
    with name_scope(name, "ExtractJpegShape") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        attrs = {"output_type": output_type}
        graph = get_default_graph()
        return graph.create_op("ExtractJpegShape", [contents], attrs, name=scope).outputs[0]


# -- DecodeAndCropJpeg -----------------------------------------------------------------------
def crop(pixels: np.ndarray, window) -> np.ndarray:
    """``pixels[y:y+h, x:x+w]`` for ``window = [y, x, h, w]``; TensorFlow's error for a
    window that is empty or reaches outside the image."""
    y, x, h, w = (int(v) for v in np.asarray(window).reshape(-1))
    height, width = pixels.shape[:2]
    if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > height or x + w > width:
        raise _invalid(_UNCOMPRESS_FAILED)
    return pixels[y : y + h, x : x + w]


def _decode_and_crop_kernel(op, device):
    attrs = op._attrs
    options = {k: attrs[k] for k in ("ratio", "fancy_upscaling", "dct_method")}

    def decode_and_crop_jpeg(contents, crop_window):
        data = as_bytes(contents)
        if attrs["channels"] not in (0, 1, 3, 4):
            raise _invalid(f"`channels` must be 0, 1, 3 or 4 but got {attrs['channels']}")
        if options["ratio"] not in (1, 2, 4, 8):
            raise _invalid(f"ratio must be 1, 2, 4, or 8, got {options['ratio']}")
        found = image_format(data)
        if found not in (None, "JPEG"):
            raise _invalid(
                f"DecodeAndCropJpeg operation can run on JPEG only, but detected {found}."
            )
        pixels = decode_any(data, "DecodeJpeg", attrs["channels"], **options)
        return np.ascontiguousarray(crop(pixels, crop_window))

    return decode_and_crop_jpeg


def _decode_and_crop_infer(op):
    from teachflow.ops.static_value import constant_value

    contents, window = op.inputs
    contents.shape.with_rank(0)
    window_shape = window.shape.with_rank(1)
    if dimension_value(window_shape[0]) is not None and dimension_value(window_shape[0]) != 4:
        raise ValueError(f"Dimension must be 4 but is {dimension_value(window_shape[0])}")
    size = constant_value(window)
    h, w = (None, None) if size is None else (int(size[2]), int(size[3]))
    return [(dtypes.uint8, TensorShape([h, w, op._attrs["channels"] or None]))]


registry.register(
    "DecodeAndCropJpeg",
    _decode_and_crop_infer,
    kernels={"CPU": _decode_and_crop_kernel},
    not_differentiable=True,
)


def decode_and_crop_jpeg(
    contents,
    crop_window,
    channels=0,
    ratio=1,
    fancy_upscaling=True,
    try_recover_truncated=False,
    acceptable_fraction=1,
    dct_method="",
    name=None,
):
    """The uint8 pixels ``[h, w, channels]`` of window ``crop_window = [y, x, h, w]``
    (int32) of JPEG file ``contents`` — with ``ratio`` > 1, a window of the scaled-down
    image. The options are `tf.image.decode_jpeg`'s. InvalidArgumentError "jpeg::Uncompress
    failed" for a damaged file or a window outside the image."""
    with name_scope(name, "DecodeAndCropJpeg") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        window = convert_to_tensor(crop_window, dtype=dtypes.int32, name="crop_window")
        attrs = {
            "channels": int(channels),
            "ratio": int(ratio),
            "fancy_upscaling": bool(fancy_upscaling),
            "try_recover_truncated": bool(try_recover_truncated),
            "acceptable_fraction": float(acceptable_fraction),
            "dct_method": str(dct_method),
        }
        graph = get_default_graph()
        return graph.create_op("DecodeAndCropJpeg", [contents, window], attrs, name=scope).outputs[
            0
        ]
