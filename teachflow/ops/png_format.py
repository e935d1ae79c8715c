"""PNG files as TensorFlow writes and reads them (``EncodePng``, ``DecodePng``).

A PNG is a signature and chunks (IHDR: size, bit depth and colour type; IDAT: the
zlib-compressed rows; IEND), each framed by its length and a CRC-32 of its type and data.
Each row is stored *filtered*: a filter byte, then the row as differences from its
neighbours (none, sub: the pixel to the left, up: the pixel above, average of the two,
Paeth: whichever of left, above, upper-left is nearest to left + above - upper-left).

TensorFlow encodes with libpng 1.6's defaults, and its bytes are reproduced here exactly:

- each row takes the filter whose output has the smallest sum of |byte| (bytes read as
  signed), the first one on a tie (libpng's ``png_write_find_filter``);
- zlib level 6, ``Z_FILTERED``, memLevel 9 (TensorFlow's setting), its window shrunk to the
  image data (``png_deflate_claim``) and the header's window field shrunk further to the
  smallest that holds it (``optimize_cmf``);
- IDAT chunks of at most 8192 bytes (libpng's output buffer).

    >>> import numpy as np
    >>> image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    >>> png = encode_png(image)
    >>> png[:8], png[12:16], len(png)
    (b'\\x89PNG\\r\\n\\x1a\\n', b'IHDR', 77)
    >>> bool((decode_png(png) == image).all())
    True
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["PngError", "decode_png", "encode_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour types by channel count: grey, grey+alpha, RGB, RGBA.
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}
_CHANNELS = {v: k for k, v in _COLOR_TYPES.items()}
_IDAT_SIZE = 8192


class PngError(ValueError):
    """Bytes that are not a PNG this decoder reads (the op turns it into TF's error)."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


# -- encoding --------------------------------------------------------------------------------
def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _filtered_rows(rows: np.ndarray, bpp: int) -> bytes:
    """Every row with libpng's choice of filter, the filter byte first."""
    r = rows.astype(np.int32)
    up = np.zeros_like(r)
    up[1:] = r[:-1]  # the row above the first one is zeros
    left = np.zeros_like(r)
    left[:, bpp:] = r[:, :-bpp]
    upleft = np.zeros_like(r)
    upleft[:, bpp:] = up[:, :-bpp]
    candidates = (
        np.stack([r, r - left, r - up, r - (left + up) // 2, r - _paeth(left, up, upleft)]) & 0xFF
    )
    # libpng's cost: each byte as a signed value, summed by magnitude.
    cost = np.where(candidates < 128, candidates, 256 - candidates).sum(axis=2)
    best = np.argmin(cost, axis=0)  # the first of equal costs, as libpng's strict '<'
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
    out[:, 0] = best
    out[:, 1:] = candidates[best, np.arange(rows.shape[0])]
    return out.tobytes()


def _window_bits(data_size: int) -> int:
    bits, half = 15, 1 << 14
    if data_size <= 16384:
        while data_size + 262 <= half:
            half >>= 1
            bits -= 1
    return max(bits, 9)  # zlib takes no window under 2**9 for its own format


def _optimize_cmf(stream: bytes, data_size: int) -> bytes:
    """libpng's ``optimize_cmf``: the header names the smallest window that holds the data."""
    cmf, flg = stream[0], stream[1]
    if data_size > 16384 or (cmf & 0x0F) != 8 or (cmf & 0xF0) > 0x70:
        return stream
    cinfo = cmf >> 4
    half = 1 << (cinfo + 7)
    if data_size > half:
        return stream
    while True:
        half >>= 1
        cinfo -= 1
        if not (cinfo > 0 and data_size <= half):
            break
    cmf = (cmf & 0x0F) | (cinfo << 4)
    flg &= 0xE0
    flg += 0x1F - ((cmf << 8) + flg) % 0x1F  # the check bits make CMF*256+FLG a multiple of 31
    return bytes([cmf, flg]) + stream[2:]


def encode_png(image) -> bytes:
    """A ``[height, width, channels]`` uint8 or uint16 array (1-4 channels) as the PNG bytes
    TensorFlow's ``EncodePng`` writes (default compression)."""
    image = np.asarray(image)
    depth = 16 if image.dtype == np.uint16 else 8
    height, width, channels = image.shape
    samples = image.astype(">u2" if depth == 16 else np.uint8)
    rows = np.frombuffer(samples.tobytes(), np.uint8).reshape(height, -1)
    raw = _filtered_rows(rows, channels * depth // 8) if height and width else b""
    compressor = zlib.compressobj(6, zlib.DEFLATED, _window_bits(len(raw)), 9, zlib.Z_FILTERED)
    stream = _optimize_cmf(compressor.compress(raw) + compressor.flush(), len(raw))
    header = struct.pack(">IIBBBBB", width, height, depth, _COLOR_TYPES[channels], 0, 0, 0)
    idats = [_chunk(b"IDAT", stream[i : i + _IDAT_SIZE]) for i in range(0, len(stream), _IDAT_SIZE)]
    return SIGNATURE + _chunk(b"IHDR", header) + b"".join(idats) + _chunk(b"IEND", b"")


# -- decoding --------------------------------------------------------------------------------
def _chunks(data: bytes):
    pos = len(SIGNATURE)
    while pos + 12 <= len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if len(body) != size:
            raise PngError("truncated chunk")
        yield kind, body
        pos += 12 + size


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    if len(raw) < height * (stride + 1):
        raise PngError("image data too short")
    rows = np.frombuffer(raw, np.uint8, height * (stride + 1)).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 0xFF
        elif kind == 1:
            # Each pixel adds the decoded one to its left: a running sum per byte position.
            cur = np.zeros(stride, np.int32)
            for k in range(bpp):
                cur[k::bpp] = np.cumsum(line[k::bpp]) & 0xFF
        elif kind in (3, 4):
            cur = _unfilter_sequential(line.tolist(), prev.tolist(), bpp, kind)
        else:
            raise PngError(f"bad filter type {kind}")
        out[y] = cur
        prev = np.asarray(cur, dtype=np.int32)
    return out


def _unfilter_sequential(line, prev, bpp, kind):
    """Average and Paeth: each byte needs the decoded byte to its left first."""
    cur = [0] * len(line)
    for i, x in enumerate(line):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:
            cur[i] = (x + (a + b) // 2) & 0xFF
            continue
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (x + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return cur


def decode_png(data: bytes) -> np.ndarray:
    """The ``[height, width, channels]`` pixels of a non-interlaced 8- or 16-bit grey, grey +
    alpha, RGB or RGBA PNG (uint8 or uint16). PngError for anything else."""
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG signature")
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise PngError("no IHDR chunk")
    width, height, depth, color_type, _, _, interlace = header
    if depth not in (8, 16) or color_type not in _CHANNELS or interlace:
        raise PngError(
            f"bit depth {depth}, colour type {color_type}, interlace {interlace} not read here"
        )
    channels = _CHANNELS[color_type]
    bpp = channels * depth // 8
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PngError(str(e)) from None
    rows = _unfilter(raw, height, width * bpp, bpp)
    if depth == 16:
        return rows.view(">u2").astype(np.uint16).reshape(height, width, channels)
    return rows.reshape(height, width, channels)
