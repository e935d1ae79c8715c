"""Slices of a checkpointed tensor: how a partitioned variable's shards are saved as one
variable, as TensorFlow saves them.

A shard of a partitioned variable is saved with a *shape-and-slice spec*, the string
``"5 2 3,2:0,2"``: the full variable's shape (5 by 2), then ``start,length`` for each axis
(``-`` for a whole axis). The checkpoint then holds one entry ``w`` of the full shape that
lists its slices, and per slice an entry whose key encodes the name and the slice in
TensorFlow's *OrderedCode* (``checkpoint::EncodeTensorNameSlice``): bytes that sort
slices of one tensor together and before every plain name.

    >>> from teachflow.ops import checkpoint_slices as slices
    >>> full_shape, part = slices.parse_spec("5 2 3,2:0,2")
    >>> full_shape, part.shape(full_shape)
    ([5, 2], [2, 2])
    >>> slices.key("w", part)
    b'\\x00w\\x00\\x01\\x01\\x02\\x83\\x82\\x80\\x82'
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.framework import errors

__all__ = ["TensorSlice", "parse_spec", "key"]

# TensorSlice::kFullExtent: an axis taken whole.
FULL = -1


@dataclass(frozen=True, slots=True)
class TensorSlice:
    """``start`` and ``length`` per axis; a length of FULL takes the whole axis."""

    starts: tuple
    lengths: tuple

    @classmethod
    def full(cls, rank: int) -> TensorSlice:
        return cls((0,) * rank, (FULL,) * rank)

    def bounds(self, full_shape) -> list:
        """``(start, end)`` per axis, whole axes resolved against ``full_shape``."""
        return [
            (0, n) if length == FULL else (start, start + length)
            for start, length, n in zip(self.starts, self.lengths, full_shape)
        ]

    def shape(self, full_shape) -> list:
        return [end - start for start, end in self.bounds(full_shape)]

    def covers(self, full_shape) -> bool:
        """Whether this slice is the whole tensor (TF saves such a slice as a plain entry)."""
        return all(
            start == 0 and end == n for (start, end), n in zip(self.bounds(full_shape), full_shape)
        )

    def to_proto(self, proto) -> None:
        """Fill a ``TensorSliceProto``: whole axes as an empty extent (TF's AsProto)."""
        for start, length in zip(self.starts, self.lengths):
            extent = proto.extent.add()
            if not (length == FULL and start == 0):
                extent.start = start
                extent.length = length

    @classmethod
    def from_proto(cls, proto) -> TensorSlice:
        starts, lengths = [], []
        for extent in proto.extent:
            starts.append(extent.start)
            lengths.append(extent.length if extent.HasField("length") else FULL)
        return cls(tuple(starts), tuple(lengths))


def _invalid(message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, message)


def parse_spec(spec: str):
    """``(full_shape, TensorSlice)`` of a shape-and-slice spec (TF's ParseShapeAndSlice)."""
    parts = spec.split(" ")
    if len(parts) < 2:
        raise _invalid(f"Need least two elements in shape_and_slice specification: {spec}")
    try:
        full_shape = [int(d) for d in parts[:-1]]
    except ValueError:
        raise _invalid(f"Could not parse an integer in shape_and_slice spec: {spec}") from None
    starts, lengths = [], []
    for axis in parts[-1].split(":"):
        if axis == "-":
            starts.append(0)
            lengths.append(FULL)
            continue
        try:
            start, length = (int(x) for x in axis.split(","))
        except ValueError:
            raise _invalid(f"Expected a pair of numbers or '-' but got '{axis}': {spec}") from None
        starts.append(start)
        lengths.append(length)
    if len(starts) != len(full_shape):
        raise _invalid(f"Expected {len(full_shape)} slice dimensions but got {len(starts)}: {spec}")
    return full_shape, TensorSlice(tuple(starts), tuple(lengths))


# -- OrderedCode, as TF's strings::OrderedCode writes it ---------------------------------
# The header bits of a signed number's first two bytes, by its encoded length.
_SIGNED_HEADER = {
    2: (0xC0, 0),
    3: (0xE0, 0),
    4: (0xF0, 0),
    5: (0xF8, 0),
    6: (0xFC, 0),
    7: (0xFE, 0),
    8: (0xFF, 0),
    9: (0xFF, 0x80),
    10: (0xFF, 0xC0),
}


def _num_increasing(n: int) -> bytes:
    # Its length in one byte, then the number big-endian in as few bytes as it needs.
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([len(body)]) + body


def _escape(s: bytes) -> bytes:
    # 0x00 and 0xff are escaped so that the terminator 0x00 0x01 sorts below any content.
    out = bytearray()
    for b in s:
        out += b"\x00\xff" if b == 0 else b"\xff\x00" if b == 0xFF else bytes([b])
    return bytes(out) + b"\x00\x01"


def _signed_num_increasing(v: int) -> bytes:
    magnitude = ~v if v < 0 else v
    if magnitude < 64:
        return bytes([(0x80 ^ v) & 0xFF])
    # L bytes hold 7L-1 bits of magnitude: L header bits and a sign bit come first.
    length = next(n for n in range(2, 11) if magnitude.bit_length() <= 7 * n - 1)
    body = bytearray(v.to_bytes(10, "big", signed=True)[10 - length :])
    body[0] ^= _SIGNED_HEADER[length][0]
    body[1] ^= _SIGNED_HEADER[length][1]
    return bytes(body)


def key(name: str, tensor_slice: TensorSlice) -> bytes:
    """The checkpoint key of one slice of ``name`` (TF's EncodeTensorNameSlice)."""
    out = _num_increasing(0) + _escape(name.encode("utf-8"))
    out += _num_increasing(len(tensor_slice.starts))
    for start, length in zip(tensor_slice.starts, tensor_slice.lengths):
        if length == FULL:
            start = length = -1
        out += _signed_num_increasing(start) + _signed_num_increasing(length)
    return out


def intersection(a_bounds, b_bounds):
    """The bounds both cover, or None."""
    both = [(max(a0, b0), min(a1, b1)) for (a0, a1), (b0, b1) in zip(a_bounds, b_bounds)]
    return None if any(lo >= hi for lo, hi in both) else both


def relative(bounds, origin_bounds) -> tuple:
    """``bounds`` as numpy index slices into an array that starts at ``origin_bounds``."""
    return tuple(slice(lo - o, hi - o) for (lo, hi), (o, _) in zip(bounds, origin_bounds))
