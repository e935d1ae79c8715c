"""tf.image.decode_jpeg / encode_jpeg / decode_image against TensorFlow's recorded answers
(tests/fixtures/tensorflow/record_jpeg.py): the pixels of five JPEG files under every
channels/ratio/dct_method/fancy_upscaling choice, decode_image's dtypes, EncodeJpeg's bytes,
the graphs the functions build, and TF's errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests.jpeg_cases import ENCODE_CASES, jpeg_graph

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow"

VALUES = dict(np.load(HERE / "jpeg" / "values.npz"))
OPS = json.loads((HERE / "jpeg" / "ops.json").read_text())["ops"]
FILES = {k.split("/")[1]: v.tobytes() for k, v in VALUES.items() if k.startswith("file/")}
SUBSAMPLED = {"smooth_420", "noise_420", "noise_progressive", "noise_422"}
# The one combination Pillow cannot ask libjpeg for (see teachflow/ops/jpeg_codec_ops.py):
# where libjpeg upsamples the chroma (at full size; 4:2:2 below 1/8), fancy upsampling and the fast IDCT, or plain
# upsampling and the accurate one. Measured on these files: at most 8 levels.
INEXACT_LEVELS = 8


def _inexact(name, channels, ratio, dct, fancy):
    fast = dct != "INTEGER_ACCURATE"
    colour = channels == 3 or (channels == 0 and name != "grey")
    upsampled = ratio == 1 or (name == "noise_422" and ratio < 8)
    return name in SUBSAMPLED and upsampled and colour and fast == fancy


DECODES = sorted(k for k in VALUES if k.startswith("decode/"))


@pytest.mark.parametrize("key", DECODES)
def test_decode_jpeg_matches_tensorflow(sess, key):
    _, name, channels, ratio, dct, fancy = key.split("/")
    channels, ratio, fancy = int(channels), int(ratio), fancy == "True"
    got = sess.run(
        tf.image.decode_jpeg(
            FILES[name], channels=channels, ratio=ratio, dct_method=dct, fancy_upscaling=fancy
        )
    )
    want = VALUES[key]
    assert got.dtype == want.dtype and got.shape == want.shape
    if _inexact(name, channels, ratio, dct, fancy):
        assert np.abs(got.astype(int) - want).max() <= INEXACT_LEVELS
    else:
        np.testing.assert_array_equal(got, want)


def test_most_decodes_are_exact():
    exact = [k for k in DECODES if not _inexact(k.split("/")[1], *_options(k))]
    assert len(exact) > 0.9 * len(DECODES)


def _options(key):
    _, _, channels, ratio, dct, fancy = key.split("/")
    return int(channels), int(ratio), dct, fancy == "True"


@pytest.mark.parametrize("key", sorted(k for k in VALUES if k.startswith("image/")))
def test_decode_image_matches_tensorflow(sess, key):
    _, name, dtype, channels = key.split("/")
    got = sess.run(tf.image.decode_image(FILES[name], channels=int(channels), dtype=dtype))
    want = VALUES[key]
    assert got.dtype == want.dtype and got.shape == want.shape
    # decode_image's JPEG path is DecodeJpeg's default (fast IDCT, fancy upsampling).
    if _inexact(name, int(channels), 1, "", True):
        scale = {"uint8": 1, "uint16": 256, "float32": 1 / 255, "int32": 256 * 65537}[dtype]
        assert np.abs(got.astype(float) - want).max() <= INEXACT_LEVELS * scale * (1 + 1e-6)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", sorted(ENCODE_CASES))
def test_encode_jpeg_writes_tensorflows_bytes(sess, case):
    image, options = ENCODE_CASES[case]
    got = sess.run(tf.image.encode_jpeg(image, **options))
    assert got == VALUES[f"encode/{case}"].tobytes()


def test_the_graph_is_tensorflows():
    assert jpeg_graph(tf) == OPS


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: tf.image.decode_jpeg(b"hello world"), "Unknown image file format"),
        (lambda: tf.image.decode_jpeg(FILES["grey"][:200]), "jpeg::Uncompress failed"),
        (lambda: tf.image.decode_jpeg(FILES["grey"], channels=2), "must be 0, 1, 3 or 4 but got 2"),
        (lambda: tf.image.decode_jpeg(FILES["grey"], ratio=3), "ratio must be 1, 2, 4, or 8"),
        (
            lambda: tf.image.decode_jpeg(FILES["grey"], dct_method="FOO"),
            "dct_method must be one of",
        ),
        (lambda: tf.image.decode_image(b"hello world"), "Unknown image file format"),
        (
            lambda: tf.image.encode_jpeg(np.zeros((2, 2, 3), np.uint8), quality=101),
            r"quality must be in \[0,100\], got 101",
        ),
        (
            lambda: tf.image.encode_jpeg(np.zeros((2, 2, 2), np.uint8)),
            r"image must have 1 or 3 channels, got \[2,2,2\]",
        ),
        (
            lambda: tf.image.encode_jpeg(np.zeros((2, 2, 3), np.uint8), format="grayscale"),
            r"format grayscale expects 1 channels, got \[2,2,3\]",
        ),
    ],
)
def test_errors(sess, build, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        sess.run(build())
