"""Philox4x32-10: the counter-based generator behind every TensorFlow random op.

A counter-based generator has no hidden state to step through: the random block for
counter ``c`` is a pure function ``philox(key, c)`` — ten rounds of multiply/xor over
four 32-bit words. Block ``c + 1`` is as cheap to compute as block ``c``, so a whole
tensor's worth of blocks is one vectorised computation over an array of counters, and
"skipping ahead" is an addition. This module mirrors TensorFlow's
``tensorflow/core/lib/random/philox_random.h`` word for word:

- the 64-bit key is ``seed``, the high half of the 128-bit counter is ``seed2``;
- each call returns four uint32s and adds one to the counter (`PhiloxRandom.blocks`);
- `GuardedPhilox` is the generator a stateful kernel owns: each run *reserves* a range
  of counters (``ReserveRandomOutputs``: 256 blocks per output element), so the next run
  continues where this one left off and never reuses a block;
- `SingleSample` hands out those uint32s one at a time (TF's ``SingleSampleAdapter``),
  for the shuffles that draw a number per element.

    >>> from teachflow.ops.philox import PhiloxRandom
    >>> gen = PhiloxRandom(seed=42, seed2=0)
    >>> [hex(int(w)) for w in gen.blocks(1)[0]]
    ['0x9ceaf053', '0x77f5493b', '0x12bf50ad', '0x5742b3d7']
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

import numpy as np

__all__ = ["PhiloxRandom", "GuardedPhilox", "SingleSample", "seed_pair"]

# Philox4x32's round multipliers and Weyl key increments (the golden ratio and sqrt(3) - 1).
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = 0x9E3779B9, 0xBB67AE85
ROUNDS = 10
_U32 = 0xFFFFFFFF
_U64 = (1 << 64) - 1
_U128 = (1 << 128) - 1
_LOW, _SHIFT = np.uint64(_U32), np.uint64(32)
_CHUNK = 1 << 15


def seed_pair(seed: int, seed2: int) -> tuple[int, int]:
    """A kernel's (seed, seed2) attributes, with TF's "both zero -> fresh entropy" rule."""
    if seed == 0 and seed2 == 0:
        return secrets.randbits(64), secrets.randbits(64)
    return int(seed) & _U64, int(seed2) & _U64


def _rounds(c0, c1, c2, c3, key: int) -> None:
    """Ten Philox rounds, in place, over counter words held in uint64 arrays.

    Each word is < 2**32, so a word times a multiplier fits in uint64 exactly: its high
    and low halves are the 32x32 -> 64-bit product's. In-place updates avoid allocating
    a fresh array per step.
    """
    k0, k1 = key & _U32, key >> 32
    p0, p1 = np.empty_like(c0), np.empty_like(c0)
    for r in range(ROUNDS):
        np.multiply(c0, M0, out=p0)
        np.multiply(c2, M1, out=p1)
        # (c0, c1, c2, c3) <- (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0))
        np.right_shift(p1, _SHIFT, out=c0)
        c0 ^= c1
        c0 ^= np.uint64(k0)
        np.bitwise_and(p1, _LOW, out=c1)
        np.right_shift(p0, _SHIFT, out=c2)
        c2 ^= c3
        c2 ^= np.uint64(k1)
        np.bitwise_and(p0, _LOW, out=c3)
        if r < ROUNDS - 1:
            k0, k1 = (k0 + W0) & _U32, (k1 + W1) & _U32


@dataclass(slots=True)
class PhiloxRandom:
    """TF's ``random::PhiloxRandom``: a 64-bit key and a 128-bit counter.

    ``PhiloxRandom(seed, seed2)`` is TF's constructor: key = seed, counter = seed2 << 64.
    """

    key: int = 0
    counter: int = 0

    def __init__(self, seed: int = 0, seed2: int = 0, *, key=None, counter=None):
        self.key = int(seed) & _U64 if key is None else int(key)
        self.counter = (int(seed2) & _U64) << 64 if counter is None else int(counter)

    def copy(self) -> PhiloxRandom:
        return PhiloxRandom(key=self.key, counter=self.counter)

    def skip(self, count: int) -> None:
        """Advance by ``count`` blocks of 128 bits (TF's ``Skip``)."""
        self.counter = (self.counter + int(count)) & _U128

    def blocks_at(self, offsets: np.ndarray) -> np.ndarray:
        """The blocks at ``counter + offsets`` (uint64 array) as a (n, 4) uint32 array.

        Does not advance the generator: callers that consume blocks call `skip`.
        """
        offsets = np.asarray(offsets, dtype=np.uint64).reshape(-1)
        out = np.empty((offsets.size, 4), dtype=np.uint32)
        # In chunks that stay in the CPU cache: the rounds make ten passes over them.
        for start in range(0, offsets.size, _CHUNK):
            part = offsets[start : start + _CHUNK]
            base_lo = np.uint64(self.counter & _U64)
            lo = part + base_lo  # wraps modulo 2**64, as the 128-bit add's low half does
            hi = np.uint64(self.counter >> 64) + (lo < base_lo).astype(np.uint64)
            words = [lo & _LOW, lo >> _SHIFT, hi & _LOW, hi >> _SHIFT]
            _rounds(*words, self.key)
            for i, w in enumerate(words):
                out[start : start + _CHUNK, i] = w
        return out

    def blocks(self, n: int) -> np.ndarray:
        """The next ``n`` calls of TF's ``operator()``: (n, 4) uint32; advances by ``n``."""
        out = self.blocks_at(np.arange(int(n), dtype=np.uint64))
        self.skip(n)
        return out

    def uint32s(self, n: int) -> np.ndarray:
        """The first ``n`` words of the next ``ceil(n / 4)`` blocks (a fresh SingleSample's
        first ``n`` draws); advances by those blocks."""
        return self.blocks(-(-int(n) // 4)).reshape(-1)[: int(n)]


class GuardedPhilox:
    """The generator a stateful random kernel owns (TF's ``GuardedPhiloxRandom``).

    Each run reserves a private range of the stream under a lock, so concurrent runs of
    the same op never share numbers and run ``k + 1`` continues after run ``k``.

        >>> g = GuardedPhilox(1, 2)
        >>> a, b = g.reserve_random_outputs(3), g.reserve_random_outputs(3)
        >>> b.counter - a.counter
        768
    """

    def __init__(self, seed: int, seed2: int):
        self._generator = PhiloxRandom(*seed_pair(seed, seed2))
        self._lock = threading.Lock()

    def reserve_samples128(self, samples: int) -> PhiloxRandom:
        with self._lock:
            local = self._generator.copy()
            self._generator.skip(samples)
        return local

    def reserve_samples32(self, samples: int) -> PhiloxRandom:
        return self.reserve_samples128((int(samples) + 3) // 4)

    def reserve_random_outputs(self, output_count: int, multiplier: int = 256) -> PhiloxRandom:
        # 256 blocks per output: room for rejection samplers to draw as much as they need.
        return self.reserve_samples128(int(output_count) * multiplier)


class SingleSample:
    """One uint32 at a time from a `PhiloxRandom` (TF's ``SingleSampleAdapter``).

    A block of four words is generated when the previous one is used up, so drawing
    ``n`` words one by one or with `take(n)` gives the same numbers.

        >>> s = SingleSample(PhiloxRandom(42, 0))
        >>> hex(s()), [hex(int(w)) for w in s.take(2)]
        ('0x9ceaf053', ['0x77f5493b', '0x12bf50ad'])
    """

    __slots__ = ("generator", "_buffer", "_used")

    def __init__(self, generator: PhiloxRandom):
        self.generator = generator
        self._buffer = np.empty(0, dtype=np.uint32)
        self._used = 0

    def __call__(self) -> int:
        if self._used == len(self._buffer):
            self._buffer, self._used = self.generator.blocks(1)[0], 0
        self._used += 1
        return int(self._buffer[self._used - 1])

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` words as a uint32 array."""
        n = int(n)
        left = self._buffer[self._used :]
        if n <= len(left):
            self._used += n
            return left[:n].copy()
        need = n - len(left)
        fresh = self.generator.blocks(-(-need // 4)).reshape(-1)
        self._buffer, self._used = fresh, need
        return np.concatenate([left, fresh[:need]])

    def skip(self, n: int) -> None:
        """Discard the next ``n`` words (TF's ``SingleSampleAdapter::Skip``)."""
        left = len(self._buffer) - self._used
        n = int(n)
        if n <= left:
            self._used += n
            return
        n -= left
        self._buffer, self._used = np.empty(0, dtype=np.uint32), 0
        self.generator.skip(n // 4)
        if n % 4:
            self._buffer, self._used = self.generator.blocks(1)[0], n % 4
