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

A byte at a time through a 256-entry table is about 10 MB/s in Python: a checkpoint of a few
million parameters would take a second to save and again to restore. So a long input is cut
into lanes of `LANE_BYTES` that numpy advances together, byte column by byte column, each lane
from a zero state; then the lanes' CRCs are chained, since a CRC is linear: the CRC of
``A + B`` is the CRC of ``A`` carried over ``len(B)`` zero bytes, XOR the CRC of ``B`` from
zero. Carrying a state over ``LANE_BYTES`` zero bytes is itself linear in the state's 32 bits,
so four 256-entry tables do it. About 200 MB/s; the byte loop stays the reference, and the
tests compare the two.
"""

from __future__ import annotations

import functools

import numpy as np

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


# Below this many bytes the byte loop is faster than setting up the lanes.
VECTOR_BYTES = 1 << 15
LANE_BYTES = 256


def extend(crc: int, data) -> int:
    """The CRC-32C of (the bytes whose CRC is ``crc``) followed by ``data``."""
    data = bytes(data)
    if len(data) < VECTOR_BYTES:
        return _update(crc ^ 0xFFFFFFFF, data) ^ 0xFFFFFFFF
    return _update_lanes(crc ^ 0xFFFFFFFF, data) ^ 0xFFFFFFFF


def _update(state: int, data: bytes) -> int:
    """The reference: the register ``state`` (no inversions) fed ``data`` a byte at a time."""
    table = _TABLE
    for byte in data:
        state = table[(state ^ byte) & 0xFF] ^ (state >> 8)
    return state


def _update_lanes(state: int, data: bytes) -> int:
    """`_update` with numpy: whole lanes of `LANE_BYTES` at once, then the tail by bytes."""
    lanes = len(data) // LANE_BYTES
    grid = np.frombuffer(data, np.uint8, count=lanes * LANE_BYTES).reshape(lanes, LANE_BYTES)
    table = _np_table()
    states = np.zeros(lanes, np.uint32)
    states[0] = state
    for column in grid.T:
        states = table[(states ^ column) & 0xFF] ^ (states >> 8)
    t0, t1, t2, t3 = _carry_tables(LANE_BYTES)
    total = 0  # lane 0 started from ``state``; each next lane from zero
    for lane in states.tolist():
        carried = t0[total & 0xFF] ^ t1[(total >> 8) & 0xFF] ^ t2[(total >> 16) & 0xFF]
        total = carried ^ t3[total >> 24] ^ lane
    return _update(total, data[lanes * LANE_BYTES :])


@functools.cache
def _np_table():
    return np.array(_TABLE, np.uint32)


@functools.cache
def _carry_tables(n: int) -> tuple:
    """Four 256-entry tables that carry a register over ``n`` zero bytes: the image of the
    state is t0[byte 0] ^ t1[byte 1] ^ t2[byte 2] ^ t3[byte 3]."""
    table = _np_table()
    images = np.left_shift(np.uint32(1), np.arange(32, dtype=np.uint32))  # the 32 unit states
    for _ in range(n):
        images = table[images & 0xFF] ^ (images >> 8)
    values = np.arange(256)
    tables = []
    for k in range(4):
        bits = (values[:, None] >> np.arange(8)) & 1  # [256, 8]: the bits of each byte value
        picked = np.where(bits == 1, images[8 * k : 8 * k + 8], np.uint32(0))
        tables.append(np.bitwise_xor.reduce(picked, axis=1).tolist())
    return tuple(tables)


def value(data) -> int:
    """The CRC-32C of ``data``."""
    return extend(0, data)


def mask(crc: int) -> int:
    """The stored form of a CRC: rotated right by 15 bits plus a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
