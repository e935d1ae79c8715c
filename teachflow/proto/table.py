"""TensorFlow's table format (LevelDB's SSTable): the ``.index`` file of a checkpoint.

A table maps sorted byte keys to byte values, laid out as

* **data blocks**: entries ``varint shared | varint unshared | varint value_len | key suffix
  | value``, each key stored as the part it does not share with the previous key (prefix
  compression); every 16th entry is a *restart point* storing its whole key, and the block
  ends with the restart offsets (uint32 each) and their count, so a reader can binary-search;
* after each block a 1-byte compression type (0: none) and the block's masked CRC-32C;
* a **metaindex block** (empty here) and an **index block**: one entry per data block whose
  key is a short separator >= the block's last key and whose value is the block's handle
  (varint offset, varint size);
* a 48-byte **footer**: the metaindex and index handles padded to 40 bytes, then the magic
  number ``0xdb4775248b80fb57`` (little-endian).

    >>> from teachflow.proto import table
    >>> data = table.write_table([(b"", b"header"), (b"a/b", b"1"), (b"a/c", b"2")])
    >>> data[-8:] == table.MAGIC.to_bytes(8, "little")
    True
    >>> table.read_table(data)
    [(b'', b'header'), (b'a/b', b'1'), (b'a/c', b'2')]
"""

from __future__ import annotations

import struct

from teachflow.proto import crc32c

__all__ = ["MAGIC", "write_table", "read_table", "TableError"]

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
RESTART_INTERVAL = 16
BLOCK_SIZE = 262144  # TensorFlow's table::Options default
_NO_COMPRESSION = 0


class TableError(ValueError):
    """A table that is not one, or is damaged (bad magic, checksum, or layout)."""


# -- varints ------------------------------------------------------------------------------
def put_varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def get_varint(data, pos: int):
    """(value, next position) of the varint at ``pos``."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise TableError("truncated or overlong varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


# -- writing ------------------------------------------------------------------------------
class _BlockBuilder:
    def __init__(self, restart_interval: int):
        self.interval = restart_interval
        self.buffer = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.counter = 0
        put_varint(self.buffer, shared)
        put_varint(self.buffer, len(key) - shared)
        put_varint(self.buffer, len(value))
        self.buffer += key[shared:]
        self.buffer += value
        self.last_key = key
        self.counter += 1

    def finish(self) -> bytes:
        out = bytearray(self.buffer)
        for r in self.restarts:
            out += struct.pack("<I", r)
        out += struct.pack("<I", len(self.restarts))
        return bytes(out)

    def size_estimate(self) -> int:
        return len(self.buffer) + 4 * len(self.restarts) + 4

    @property
    def empty(self) -> bool:
        return not self.buffer


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    """LevelDB's bytewise FindShortestSeparator: a short key in [start, limit)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n:
        byte = start[i]
        if byte < 0xFF and byte + 1 < limit[i]:
            return start[:i] + bytes([byte + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    """LevelDB's FindShortSuccessor: a short key >= ``key``."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


def _handle(offset: int, size: int) -> bytes:
    out = bytearray()
    put_varint(out, offset)
    put_varint(out, size)
    return bytes(out)


def write_table(entries, block_size: int = BLOCK_SIZE) -> bytes:
    """The bytes of a table holding ``entries`` ((key, value) pairs, keys strictly
    increasing), exactly as TensorFlow's TableBuilder lays them out (no compression)."""
    out = bytearray()
    index = _BlockBuilder(1)
    block = _BlockBuilder(RESTART_INTERVAL)
    pending = None  # the handle of the last block, waiting for the next key
    last_key = None

    def flush():
        contents = block.finish()
        handle = _handle(len(out), len(contents))
        trailer = bytes([_NO_COMPRESSION])
        crc = crc32c.mask(crc32c.extend(crc32c.value(contents), trailer))
        out.extend(contents + trailer + struct.pack("<I", crc))
        return handle

    for key, value in entries:
        key, value = bytes(key), bytes(value)
        if last_key is not None and key <= last_key:
            raise TableError(f"table keys must increase: {key!r} after {last_key!r}")
        if pending is not None:
            index.add(_shortest_separator(last_key, key), pending)
            pending = None
        block.add(key, value)
        last_key = key
        if block.size_estimate() >= block_size:
            pending = flush()
            block = _BlockBuilder(RESTART_INTERVAL)
    if not block.empty:
        pending = flush()
    if pending is not None:
        index.add(_short_successor(last_key), pending)
    # The metaindex block: empty, as TensorFlow's bundles have no filter or stats blocks.
    meta = _BlockBuilder(RESTART_INTERVAL)
    block = meta
    meta_handle = flush()
    block = index
    index_handle = flush()
    footer = (meta_handle + index_handle).ljust(40, b"\0") + struct.pack("<Q", MAGIC)
    out += footer
    return bytes(out)


# -- reading ------------------------------------------------------------------------------
def _read_block(data, offset: int, size: int) -> bytes:
    end = offset + size
    if end + 5 > len(data):
        raise TableError("block handle points past the end of the file")
    contents = bytes(data[offset:end])
    kind = data[end]
    (stored,) = struct.unpack_from("<I", data, end + 1)
    actual = crc32c.mask(crc32c.extend(crc32c.value(contents), bytes([kind])))
    if stored != actual:
        raise TableError(f"block checksum mismatch at offset {offset}")
    if kind != _NO_COMPRESSION:
        raise TableError(f"block compression type {kind} is not supported (only none, 0)")
    return contents


def _block_entries(block: bytes):
    if len(block) < 4:
        raise TableError("block too short")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * num_restarts
    if end < 0:
        raise TableError("bad restart count")
    pos, key = 0, b""
    while pos < end:
        shared, pos = get_varint(block, pos)
        unshared, pos = get_varint(block, pos)
        value_len, pos = get_varint(block, pos)
        if shared > len(key) or pos + unshared + value_len > end:
            raise TableError("corrupt block entry")
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + value_len]
        pos += value_len


def read_table(data) -> list:
    """Every (key, value) of a table's bytes, in key order; TableError if damaged."""
    data = bytes(data)
    if len(data) < FOOTER_SIZE:
        raise TableError("file is too short to be an sstable")
    (magic,) = struct.unpack_from("<Q", data, len(data) - 8)
    if magic != MAGIC:
        raise TableError("not an sstable (bad magic number)")
    footer = data[len(data) - FOOTER_SIZE :]
    _, pos = get_varint(footer, 0)
    _, pos = get_varint(footer, pos)
    index_offset, pos = get_varint(footer, pos)
    index_size, _ = get_varint(footer, pos)
    entries = []
    for _, handle in _block_entries(_read_block(data, index_offset, index_size)):
        offset, p = get_varint(handle, 0)
        size, _ = get_varint(handle, p)
        entries.extend(_block_entries(_read_block(data, offset, size)))
    return entries
