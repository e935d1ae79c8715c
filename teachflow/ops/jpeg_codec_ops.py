"""``tf.image.decode_jpeg``, ``encode_jpeg`` and ``decode_image``: JPEG files to pixels and
back, through Pillow's libjpeg-turbo (TensorFlow links libjpeg-turbo too).

``DecodeJpeg`` asks libjpeg for what TensorFlow asks: ``channels`` (1: the luma plane
only; 3: RGB; 0: as stored), ``ratio`` (1, 2, 4 or 8: libjpeg's scaled inverse DCT, so a
smaller image costs less to decode), ``dct_method`` ("" and "INTEGER_FAST": libjpeg's fast
integer IDCT; "INTEGER_ACCURATE": the slow one) and ``fancy_upscaling`` (the triangle
filter that upsamples subsampled chroma). TF 2.21's ``DecodeJpeg`` reads a PNG file too,
and ``DecodeImage`` GIF and BMP files as well (the format is sniffed from the first bytes).

    >>> import numpy as np
    >>> import teachflow as tf
    >>> image = np.full((8, 8, 3), 200, np.uint8)
    >>> jpeg = tf.image.encode_jpeg(image)
    >>> pixels = tf.image.decode_jpeg(jpeg)
    >>> pixels.shape
    TensorShape([Dimension(None), Dimension(None), Dimension(None)])
    >>> with tf.Session() as sess:
    ...     print(sess.run(pixels)[0, 0])
    [200 200 200]

Pillow exposes the fast IDCT only together with plain (not fancy) upsampling. The two
matter together only for a colour file whose chroma libjpeg upsamples (subsampled chroma at
``ratio`` 1; 4:2:2 chroma below ``ratio`` 8); there ``fancy_upscaling`` is honoured and the IDCT is the other one, so TensorFlow's default
(fast IDCT, fancy upsampling) of a 4:2:0 colour JPEG differs from TF's pixels by a few
levels (at most 8 in tests/fixtures/tensorflow/record_jpeg.py's files); every other
combination is TF's pixels exactly. ``EncodeJpeg`` gives TensorFlow's bytes.
"""

from __future__ import annotations

import io

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.image_decode_ops import decode_any
from teachflow.ops.reader_resources import as_bytes

__all__ = ["decode_image", "decode_jpeg", "encode_jpeg"]

_DCT_METHODS = ("", "INTEGER_FAST", "INTEGER_ACCURATE")
_UNCOMPRESS_FAILED = "jpeg::Uncompress failed. Invalid JPEG data or crop window."


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


# -- JPEG files to pixels ----------------------------------------------------------------------
def _chroma_upsampled(im, ratio: int) -> bool:
    """Whether libjpeg upsamples the chroma planes for this scale (so that fancy
    upsampling changes the pixels), as measured against TF: at full size whenever the
    chroma is subsampled; scaled down, only when it is subsampled in one direction (4:2:2)
    and the scale is not 1/8 (libjpeg scales a 2x2-subsampled plane in its IDCT instead)."""
    # Pillow keeps each component's (id, h, v, table) from the frame header in ``layer``.
    factors = {(h, v) for _, h, v, _ in getattr(im, "layer", ())}
    if len(factors) < 2:
        return False
    max_h, max_v = max(h for h, _ in factors), max(v for _, v in factors)
    return ratio == 1 or (ratio < 8 and max_h != max_v)


def decode_jpeg_pixels(
    data: bytes, channels: int = 0, ratio: int = 1, fancy_upscaling=True, dct_method=""
) -> np.ndarray:
    """``[h, w, c]`` uint8 pixels of JPEG file ``data``, decoded by libjpeg-turbo with the
    options `DecodeJpeg` passes (see the module's note on the one inexact combination)."""
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(data), formats=["JPEG"])
        mode = "L" if channels == 1 or (channels == 0 and im.mode == "L") else "RGB"
        if mode == "L" and im.mode != "L":
            im.draft("L", None)  # libjpeg's own grey output: the luma plane
        fast_dct = dct_method != "INTEGER_ACCURATE"
        fancy_matters = mode == "RGB" and _chroma_upsampled(im, ratio)
        # Pillow's decoder option "draft" is libjpeg's fast IDCT with plain upsampling.
        draft = (not fancy_upscaling) if fancy_matters else fast_dct
        width, height = im.size
        size = (-(-width // ratio), -(-height // ratio))  # libjpeg rounds scaled sizes up
        im.tile = [im.tile[0]._replace(extents=(0, 0, *size))]
        im._size = size
        im.decoderconfig = (ratio, int(draft))
        im.load()
        pixels = np.asarray(im if im.mode == mode else im.convert(mode))
    except (OSError, SyntaxError, ValueError, IndexError):
        raise _invalid(_UNCOMPRESS_FAILED) from None
    return pixels.reshape(pixels.shape[0], pixels.shape[1], -1)


def _decode_jpeg_kernel(op, device):
    attrs = op._attrs
    options = {
        "ratio": attrs["ratio"],
        "fancy_upscaling": attrs["fancy_upscaling"],
        "dct_method": attrs["dct_method"],
    }
    channels = attrs["channels"]

    def decode_jpeg(contents):
        if options["ratio"] not in (1, 2, 4, 8):
            raise _invalid(f"ratio must be 1, 2, 4, or 8, got {options['ratio']}")
        if options["dct_method"] not in _DCT_METHODS:
            raise _invalid("dct_method must be one of {'', 'INTEGER_FAST', 'INTEGER_ACCURATE'}")
        return decode_any(as_bytes(contents), "DecodeJpeg", channels, **options)

    return decode_jpeg


def _decode_image_kernel(op, device):
    channels = op._attrs["channels"]
    dtype = op._attrs["dtype"].as_numpy_dtype
    expand = op._attrs["expand_animations"]

    def decode_image(contents):
        return decode_any(as_bytes(contents), "DecodeImage", channels, dtype, expand)

    return decode_image


def _decode_jpeg_infer(op):
    op.inputs[0].shape.with_rank(0)
    return [(dtypes.uint8, TensorShape([None, None, op._attrs["channels"] or None]))]


def _decode_image_infer(op):
    op.inputs[0].shape.with_rank(0)
    if op._attrs["expand_animations"]:
        return [(op._attrs["dtype"], TensorShape(None))]  # a GIF would be 4-D
    return [(op._attrs["dtype"], TensorShape([None, None, op._attrs["channels"] or None]))]


registry.register(
    "DecodeJpeg", _decode_jpeg_infer, kernels={"CPU": _decode_jpeg_kernel}, not_differentiable=True
)
registry.register(
    "DecodeImage",
    _decode_image_infer,
    kernels={"CPU": _decode_image_kernel},
    not_differentiable=True,
)


# -- pixels to JPEG files ----------------------------------------------------------------------
_JFIF_UNITS_OFFSET = 13  # SOI, APP0 marker and length, "JFIF\0", version: then the units byte


def encode_jpeg_bytes(image: np.ndarray, attrs: dict) -> bytes:
    """The JPEG file TensorFlow's ``EncodeJpeg`` writes for ``image`` with ``attrs``."""
    from PIL import Image

    shape = "[" + ",".join(str(d) for d in image.shape) + "]"  # TF's TensorShape words
    if image.ndim != 3:
        raise _invalid(f"image must be 3-dimensional{shape}")
    channels = image.shape[2]
    wanted = {"grayscale": 1, "rgb": 3}.get(attrs["format"])
    if wanted is None and channels not in (1, 3):
        raise _invalid(f"image must have 1 or 3 channels, got {shape}")
    if wanted is not None and channels != wanted:
        raise _invalid(f"format {attrs['format']} expects {wanted} channels, got {shape}")
    if not 0 <= attrs["quality"] <= 100:
        raise _invalid(f"quality must be in [0,100], got {attrs['quality']}")
    im = Image.fromarray(np.ascontiguousarray(image[:, :, 0] if channels == 1 else image))
    options = {
        "quality": attrs["quality"],
        "progressive": attrs["progressive"],
        "optimize": attrs["optimize_size"],
        # 4:2:0 or 4:4:4; a grey file's one plane is 1x1 (Pillow would write 2x2).
        "subsampling": 2 if attrs["chroma_downsampling"] and channels == 3 else 0,
        "dpi": (attrs["x_density"], attrs["y_density"]),
    }
    if attrs["xmp_metadata"]:
        options["xmp"] = attrs["xmp_metadata"].encode()
    out = io.BytesIO()
    im.save(out, "JPEG", **options)
    data = bytearray(out.getvalue())
    # Pillow writes densities per inch; TF's density_unit "cm" is JFIF unit 2.
    data[_JFIF_UNITS_OFFSET] = 2 if attrs["density_unit"] == "cm" else 1
    return bytes(data)


def _encode_jpeg_kernel(op, device):
    attrs = dict(op._attrs)

    def encode_jpeg(image):
        return encode_jpeg_bytes(np.asarray(image), attrs)

    return encode_jpeg


def _encode_jpeg_infer(op):
    op.inputs[0].shape.with_rank(3)
    return [(dtypes.string, TensorShape([]))]


registry.register(
    "EncodeJpeg", _encode_jpeg_infer, kernels={"CPU": _encode_jpeg_kernel}, not_differentiable=True
)


# -- the public functions ----------------------------------------------------------------------
def decode_jpeg(
    contents,
    channels=0,
    ratio=1,
    fancy_upscaling=True,
    try_recover_truncated=False,
    acceptable_fraction=1,
    dct_method="",
    name=None,
):
    """The uint8 pixels ``[height, width, channels]`` of JPEG file ``contents`` (a string
    scalar). InvalidArgumentError "jpeg::Uncompress failed" for a damaged file (also when
    ``try_recover_truncated`` is set: teachflow does not rebuild a truncated file's rows)."""
    with name_scope(name, "DecodeJpeg") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        attrs = {
            "channels": int(channels),
            "ratio": int(ratio),
            "fancy_upscaling": bool(fancy_upscaling),
            "try_recover_truncated": bool(try_recover_truncated),
            "acceptable_fraction": float(acceptable_fraction),
            "dct_method": str(dct_method),
        }
        return get_default_graph().create_op("DecodeJpeg", [contents], attrs, name=scope).outputs[0]


def encode_jpeg(
    image,
    format="",  # noqa: A002 - TensorFlow's argument name
    quality=95,
    progressive=False,
    optimize_size=False,
    chroma_downsampling=True,
    density_unit="in",
    x_density=300,
    y_density=300,
    xmp_metadata="",
    name=None,
):
    """The JPEG file (a string scalar) of ``image``, ``[height, width, 1 or 3]`` uint8."""
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"format must be one of '', 'grayscale', 'rgb', got {format!r}")
    if density_unit not in ("in", "cm"):
        raise ValueError(f"density_unit must be 'in' or 'cm', got {density_unit!r}")
    with name_scope(name, "EncodeJpeg") as scope:
        image = convert_to_tensor(image, dtype=dtypes.uint8, name="image")
        attrs = {
            "format": format,
            "quality": int(quality),
            "progressive": bool(progressive),
            "optimize_size": bool(optimize_size),
            "chroma_downsampling": bool(chroma_downsampling),
            "density_unit": density_unit,
            "x_density": int(x_density),
            "y_density": int(y_density),
            "xmp_metadata": str(xmp_metadata),
        }
        return get_default_graph().create_op("EncodeJpeg", [image], attrs, name=scope).outputs[0]


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """The pixels of a JPEG, PNG, GIF or BMP file as ``dtype`` (uint8, uint16 or float32
    in [0, 1]; other types through `convert_image_dtype`): one ``DecodeImage`` op, as TF
    2.21 builds. A GIF gives all its frames (4-D) unless ``expand_animations`` is False
    (then its first frame)."""
    from teachflow.ops.image_ops import convert_image_dtype

    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "decode_image"):
        channels = 0 if channels is None else int(channels)
        decode_as = (
            dtype if dtype in (dtypes.float32, dtypes.uint8, dtypes.uint16) else dtypes.uint16
        )
        graph = get_default_graph()
        with name_scope(None, "DecodeImage") as scope:
            contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
            attrs = {
                "channels": channels,
                "dtype": decode_as,
                "expand_animations": bool(expand_animations),
            }
            image = graph.create_op("DecodeImage", [contents], attrs, name=scope).outputs[0]
        if decode_as != dtype:
            image = convert_image_dtype(image, dtype)
        if not expand_animations:
            image.set_shape([None, None, channels or None])
        return image
