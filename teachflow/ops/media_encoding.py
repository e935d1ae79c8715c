"""Images and sounds as the bytes a ``Summary`` carries: PNG files and 16-bit WAV files.

``tf.summary.image`` stores each image as a PNG and ``tf.summary.audio`` each clip as a
WAV file, so TensorBoard can hand them to the browser as they are. The PNG bytes are
TensorFlow's own (`teachflow.ops.png_format`); a WAV file is a RIFF header and the samples.

    >>> import numpy as np
    >>> png = encode_png(np.zeros((2, 3, 3), np.uint8))
    >>> png[:8], png[12:16]
    (b'\\x89PNG\\r\\n\\x1a\\n', b'IHDR')
    >>> wav = encode_wav(np.zeros((4, 1), np.float32), 8000)
    >>> wav[:4], wav[8:12], len(wav)
    (b'RIFF', b'WAVE', 52)
"""

from __future__ import annotations

import struct

import numpy as np

from teachflow.ops.png_format import encode_png

__all__ = ["encode_png", "encode_wav"]


def encode_wav(samples, sample_rate: int) -> bytes:
    """``[frames, channels]`` floats in [-1, 1] as a 16-bit little-endian PCM WAV file.

    Samples are scaled by 2**15, rounded half away from zero and clipped to int16, as
    TensorFlow's ``wav::EncodeAudioAsS16LEWav`` does.
    """
    samples = np.asarray(samples, dtype=np.float32)
    frames, channels = samples.shape
    # Scaling by a power of two is exact in float32; in float64, |x| + 0.5 is exact too, so
    # floor(|x| + 0.5) is roundf's halves-away-from-zero (numpy's rint rounds them to even).
    scaled = (samples * np.float32(1 << 15)).astype(np.float64)
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    pcm = np.clip(rounded, -32768, 32767).astype("<i2").tobytes()
    block_align = 2 * channels
    fmt = struct.pack(
        "<HHIIHH", 1, channels, sample_rate, sample_rate * block_align, block_align, 16
    )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", len(body)) + body
