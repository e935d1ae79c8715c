"""PNG files byte for byte as TensorFlow writes them (recorded by
tests/fixtures/tensorflow/record_png.py), and read back."""

import pathlib

import numpy as np
import pytest

from teachflow.ops import png_format

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "png"


def images():
    """The images record_png.py encoded with TensorFlow, made again from the same seed."""
    rng = np.random.RandomState(4)
    ramp = np.add.outer(np.arange(100), np.arange(120)) % 256
    return {
        "random_5x7_rgb": rng.randint(0, 256, size=(5, 7, 3)).astype(np.uint8),
        "zeros_4x4_grey": np.zeros((4, 4, 1), np.uint8),
        "counting_4x4_rgb": np.arange(48, dtype=np.uint8).reshape(4, 4, 3),
        "pattern_20x30_rgba": (np.arange(2400) % 251).astype(np.uint8).reshape(20, 30, 4),
        "ramp_100x120_grey": ramp.astype(np.uint8)[:, :, None],
        "random_64x64_rgb": rng.randint(0, 256, size=(64, 64, 3)).astype(np.uint8),
        "random_150x120_rgb": rng.randint(0, 256, size=(150, 120, 3)).astype(np.uint8),
        "one_pixel_grey_alpha": np.full((1, 1, 2), 7, np.uint8),
        "wide_3x5_rgb_16bit": (np.arange(45, dtype=np.uint16) * 1457).reshape(3, 5, 3),
    }


IMAGES = images()


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_encode_png_writes_tensorflows_bytes(name):
    # Filters chosen per row, zlib's window and header, IDAT chunks of 8192 bytes.
    assert png_format.encode_png(IMAGES[name]) == (FIXTURES / f"{name}.png").read_bytes()


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_decode_png_reads_tensorflows_files(name):
    pixels = png_format.decode_png((FIXTURES / f"{name}.png").read_bytes())
    assert pixels.dtype == IMAGES[name].dtype
    np.testing.assert_array_equal(pixels, IMAGES[name])


def test_every_filter_type_is_undone():
    png = (FIXTURES / "random_64x64_rgb.png").read_bytes()
    stream = b"".join(body for kind, body in png_format._chunks(png) if kind == b"IDAT")
    import zlib

    raw = zlib.decompress(stream)
    assert {raw[y * (64 * 3 + 1)] for y in range(64)} == {0, 1, 2, 3, 4}


def test_what_is_not_a_png_is_a_png_error():
    with pytest.raises(png_format.PngError, match="signature"):
        png_format.decode_png(b"GIF89a")
    good = (FIXTURES / "counting_4x4_rgb.png").read_bytes()
    with pytest.raises(png_format.PngError):
        png_format.decode_png(good[:40])
