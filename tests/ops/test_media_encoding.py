"""PNG and WAV bytes for image and audio summaries, read back with PIL and ``wave``."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from PIL import Image

from teachflow.ops.media_encoding import encode_png, encode_wav


@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_png_reads_back_as_the_same_pixels(channels, mode):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(5, 7, channels), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(image)))
    assert decoded.mode == mode
    assert decoded.size == (7, 5)
    np.testing.assert_array_equal(np.array(decoded).reshape(5, 7, channels), image)


def test_wav_reads_back_as_16_bit_pcm_rounded_half_away_from_zero():
    half = 0.5 / 32768  # exactly half a step: roundf goes away from zero, rint to even
    clip = np.array([[0.0, 1.0], [-1.0, 2.0], [half, -half], [3 * half, 0.25]], np.float32)
    data = encode_wav(clip, 16000)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 16000)
        assert w.getnframes() == 4
        samples = np.frombuffer(w.readframes(4), "<i2").reshape(4, 2)
    np.testing.assert_array_equal(samples, [[0, 32767], [-32768, 32767], [1, -1], [2, 8192]])
