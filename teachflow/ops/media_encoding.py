"""Images and sounds as the bytes a ``Summary`` carries: PNG files and 16-bit WAV files.

``tf.summary.image`` stores each image as a PNG and ``tf.summary.audio`` each clip as a
WAV file, so TensorBoard can hand them to the browser as they are. Both formats are
small enough to write here with ``zlib`` and ``struct``: a PNG is a signature and three
chunks (IHDR: size and colour type; IDAT: the zlib-compressed rows, each prefixed by a
filter byte; IEND), each chunk framed by its length and a CRC-32 of its type and data.

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
import zlib

import numpy as np

__all__ = ["encode_png", "encode_wav"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour types by channel count: grey, grey+alpha, RGB, RGBA.
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(image) -> bytes:
    """A ``[height, width, channels]`` uint8 array (1-4 channels) as PNG bytes.

    Rows are written with filter type 0 (none) and zlib's default compression, as
    TensorFlow's encoder is called with; the pixels read back are the same, though
    libpng's adaptive filters may make TensorFlow's bytes differ from these.
    """
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, channels = image.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 1:] = image.reshape(height, width * channels)
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )


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
