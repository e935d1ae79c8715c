"""``tf.random_index_shuffle``: where index ``i`` lands in a random permutation of
``0 .. max_index``, computed for ``i`` alone.

A shuffle that never builds the permutation: a block cipher is a permutation of all
``B``-bit numbers, so encrypting ``i`` gives its new place; if that is past ``max_index``,
encrypting again walks the cycle until it lands inside ("cycle walking"), which keeps it a
permutation of ``0 .. max_index``. TensorFlow (``random_index_shuffle.cc``) uses the Simon
Feistel cipher on ``B`` bits (``ceil(log2(max_index))`` rounded up to even, at least 16),
keyed by the seed's three 32-bit words, with ``rounds`` rounds.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.random_index_shuffle(tf.range(10), [1, 2, 3], 9)))
    [2 0 6 4 8 1 7 9 5 3]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import to_host

__all__ = ["random_index_shuffle", "index_shuffle"]

MIN_BLOCK_BITS = 16
_Z = 0x7369F885192C0EF5  # Simon's round-constant sequence
_C = 0xFFFFFFFC


def _rotl(x: int, r: int, w: int) -> int:
    mask = (1 << w) - 1
    return ((x << r) | (x >> (w - r))) & mask


def _rotr(x: int, r: int, w: int) -> int:
    mask = (1 << w) - 1
    return ((x >> r) | (x << (w - r))) & mask


def _simon_f(x: int, w: int) -> int:
    return (_rotl(x, 1, w) & _rotl(x, 8, w)) ^ _rotl(x, 2, w)


def simon_round_keys(key, rounds: int, w: int) -> list[int]:
    """Simon's key schedule on ``w``-bit words from three key words."""
    mask = (1 << w) - 1
    c, z = _C & mask, _Z & mask
    keys = [int(k) & mask for k in key[:3]]
    for i in range(3, rounds):
        keys.append(c ^ (z & 1) ^ keys[i - 3] ^ _rotr(keys[i - 1], 3, w) ^ _rotr(keys[i - 1], 4, w))
        z >>= 1
    return keys


def _encrypt(value: int, keys: list[int], w: int) -> int:
    mask = (1 << w) - 1
    left, right = (value >> w) & mask, value & mask
    for k1, k2 in zip(keys[0::2], keys[1::2], strict=True):
        left ^= _simon_f(right, w) ^ k1
        right ^= _simon_f(left, w) ^ k2
    return (left << w) | right


def index_shuffle(index: int, key, max_index: int, rounds: int = 4) -> int:
    """The new place of ``index`` in the permutation of ``0 .. max_index`` keyed by ``key``.

    >>> sorted(index_shuffle(i, [1, 2, 3], 9) for i in range(10)) == list(range(10))
    True
    """
    if max_index == 0:
        return 0
    bits = math.ceil(math.log2(max_index))
    bits = max(bits + bits % 2, MIN_BLOCK_BITS)
    w = min(bits, 64) // 2
    keys = simon_round_keys(key, rounds, w)
    new_index = index
    while True:
        new_index = _encrypt(new_index, keys, w)
        if new_index <= max_index:
            return new_index


def _infer(op):
    index, seed, max_index = op.inputs
    dims = seed.shape.as_list() if seed.shape.ndims is not None else None
    if dims is not None and not (
        dims in ([3], [None]) or (len(dims) == 2 and dims[1] in (3, None))
    ):
        raise ValueError(f"Seed must have shape [3] or [n, 3] but got {dims}.")
    if index.shape.ndims == 0 and seed.shape.ndims == 1 and max_index.shape.ndims == 0:
        return [(index.dtype.base_dtype, TensorShape([]))]
    # One output per index, per max_index or per seed row, whichever is a vector.
    for t, rank in ((index, 1), (max_index, 1), (seed, 2)):
        if t.shape.ndims == rank and dimension_value(t.shape[0]) is not None:
            return [(index.dtype.base_dtype, TensorShape([dimension_value(t.shape[0])]))]
    return [(index.dtype.base_dtype, TensorShape([None]))]


def _kernel(op, device):
    rounds = op._attrs.get("rounds", 4)

    def shuffle(index, seed, max_index):
        index, seed, max_index = (np.asarray(to_host(v)) for v in (index, seed, max_index))
        n = max(index.size, max_index.size, seed.size // 3)
        if not (index.ndim == 0 or (index.ndim == 1 and index.shape[0] == n)):
            raise errors.InvalidArgumentError(None, None, "Index bust be a scalar or vector.")
        if not (seed.shape == (3,) or seed.shape == (n, 3)):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Seed must be a vector of size [3] or a matrix of size [{n}, 3] but got "
                f"{list(seed.shape)}.",
            )
        if not (max_index.ndim == 0 or max_index.shape == (n,)):
            raise errors.InvalidArgumentError(
                None,
                None,
                "Maxval must be a scalar or a vector of the same size as index but got "
                f"{list(max_index.shape)}",
            )
        bits = np.dtype(index.dtype).itemsize * 8
        wrap = (1 << 64) - 1
        seeds = seed.reshape(-1, 3)
        out = np.empty(n, dtype=index.dtype)
        for i in range(n):
            key = [int(s) & 0xFFFFFFFF for s in seeds[i % len(seeds)]]
            value = index_shuffle(
                int(index.reshape(-1)[i % index.size]) & wrap,
                key,
                int(max_index.reshape(-1)[i % max_index.size]) & wrap,
                rounds,
            )
            out[i] = np.array(value & ((1 << bits) - 1), dtype=np.uint64).astype(index.dtype)
        all_scalar = index.ndim == 0 and seed.ndim == 1 and max_index.ndim == 0
        return out[0] if all_scalar else out

    return shuffle


registry.register("RandomIndexShuffle", _infer, kernels={"CPU": _kernel}, not_differentiable=True)


def random_index_shuffle(index, seed, max_index, rounds=4, name=None):
    """The position of ``index`` in a permutation of ``0 .. max_index`` chosen by ``seed``
    (shape [3], or [n, 3] for one seed per index). Integer ``index`` and ``max_index``
    (scalars or vectors); ``rounds`` (even, at least 4) cipher rounds.
    """
    with name_scope(name, "RandomIndexShuffle", [index, seed, max_index]) as scope:
        index = convert_to_tensor(index, name="index")
        seed = convert_to_tensor(seed, name="seed")
        max_index = convert_to_tensor(max_index, dtype=index.dtype, name="max_index")
        attrs = {"rounds": int(rounds), "dtype": index.dtype.base_dtype}
        attrs["Tseed"] = seed.dtype.base_dtype
        return index.graph.create_op(
            "RandomIndexShuffle", [index, seed, max_index], attrs, name=scope
        ).outputs[0]
