"""CRC-32C (Castagnoli), the checksum of TensorFlow's files, and LevelDB's "masked" form.

TensorFlow checks every block of a checkpoint's ``.index`` table, every tensor of its data
file and every record of an event file with CRC-32C. A *masked* CRC (rotated and offset) is
what gets stored, so that the CRC of data that itself holds CRCs stays well distributed.

    >>> from teachflow.proto import crc32c
    >>> hex(crc32c.value(b"123456789"))
    '0xe3069283'
    >>> crc32c.extend(crc32c.value(b"1234"), b"56789") == crc32c.value(b"123456789")
    True
    >>> crc32c.unmask(crc32c.mask(12345))
    12345

Pure Python (a byte at a time through a 256-entry table): about 10 MB/s, ample for the
checkpoints of a lesson.
"""

from __future__ import annotations

__all__ = ["value", "extend", "mask", "unmask"]

_POLY = 0x82F63B78  # the Castagnoli polynomial, bit-reversed
_MASK_DELTA = 0xA282EAD8


def _table() -> tuple:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def extend(crc: int, data) -> int:
    """The CRC-32C of (the bytes whose CRC is ``crc``) followed by ``data``."""
    table = _TABLE
    crc ^= 0xFFFFFFFF
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def value(data) -> int:
    """The CRC-32C of ``data``."""
    return extend(0, data)


def mask(crc: int) -> int:
    """The stored form of a CRC: rotated right by 15 bits plus a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
