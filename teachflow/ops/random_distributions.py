"""From Philox's uint32 words to TensorFlow's samples, bit for bit.

Mirrors ``tensorflow/core/lib/random/random_distributions.h`` and the way
``random_op.cc`` fills an output tensor:

- **uniform floats** put random bits in the mantissa of a number in [1, 2) and subtract
  1: 23 bits for float32, 52 (from two words) for float64, 10 for float16;
- **normals** use Box–Muller on pairs of uniforms (two float32 normals from two words,
  two float64 normals from four);
- **integers** are ``lo + word % (hi - lo)`` (two words per int64);
- the output is cut into *groups*, one group per Philox block (4 float32s, 2 float64s),
  and group ``g`` uses block ``g`` — so the values never depend on how many threads
  filled the tensor;
- **truncated normals** reject samples with ``|x| >= 2``; as the number of draws is not
  known in advance, group ``g`` starts its own stream at block ``g * 256`` (``g * 128``
  for float64) and draws from it until the group is full.

Everything is vectorised over groups: one numpy expression per step, no loop per number.

    >>> from teachflow.ops.philox import PhiloxRandom
    >>> from teachflow.ops import random_distributions as rd
    >>> rd.uniform(PhiloxRandom(87654321, 1), 3, np.float32)  # tf.random_uniform([3], seed=1)
    array([0.2390374 , 0.92039955, 0.05051243], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from teachflow.ops import glibc_math
from teachflow.ops.philox import PhiloxRandom

__all__ = [
    "uint32_to_float",
    "uint64_to_double",
    "uint16_to_half",
    "box_muller_float",
    "box_muller_double",
    "uniform",
    "normal",
    "truncated_normal",
    "uniform_int",
    "TRUNCATE_VALUE",
]

TRUNCATE_VALUE = 2.0
# Blocks reserved per output element by the kernels (random_op.cc's kReservedSamplesPerOutput).
RESERVED_SAMPLES_PER_OUTPUT = 256


# -- words -> uniform numbers in [0, 1) ---------------------------------------------------------
def uint32_to_float(x: np.ndarray) -> np.ndarray:
    """23 random mantissa bits under exponent 0 give a float in [1, 2); minus 1 -> [0, 1)."""
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)


def uint64_to_double(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """20 bits of ``x0`` and all of ``x1`` fill float64's 52-bit mantissa."""
    mantissa = ((x0 & np.uint32(0xFFFFF)).astype(np.uint64) << np.uint64(32)) | x1
    return (mantissa | np.uint64(1023 << 52)).view(np.float64) - 1.0


def uint16_to_half(x: np.ndarray) -> np.ndarray:
    """10 random bits fill float16's mantissa (only the low 16 bits of the word are read)."""
    bits = ((x & np.uint32(0x3FF)) | np.uint32(15 << 10)).astype(np.uint16)
    return bits.view(np.float16) - np.float16(1)


# -- Box–Muller ----------------------------------------------------------------------------------
def box_muller_float(x0: np.ndarray, x1: np.ndarray):
    """Two float32 normals from two words (TF's ``BoxMullerFloat``).

    ``log`` and ``sincos`` are the C library's float32 functions, reproduced to the bit
    by `teachflow.ops.glibc_math`; ``2.0f * M_PI`` is a double, so the angle is rounded
    to float32 once, from double.
    """
    u1 = np.maximum(uint32_to_float(x0), np.float32(1.0e-7))
    v1 = ((2 * np.pi) * uint32_to_float(x1).astype(np.float64)).astype(np.float32)
    u2 = np.sqrt(np.float32(-2.0) * glibc_math.logf(u1))
    f0, f1 = glibc_math.sincosf(v1)
    f0 *= u2
    f1 *= u2
    return f0, f1


def box_muller_double(x0, x1, x2, x3):
    """Two float64 normals from four words (TF's ``BoxMullerDouble``)."""
    u1 = np.maximum(uint64_to_double(x0, x1), 1.0e-7)
    v1 = (2 * np.pi) * uint64_to_double(x2, x3)
    u2 = np.sqrt(-2.0 * glibc_math.log(u1))
    return np.sin(v1) * u2, np.cos(v1) * u2


# -- filling an output tensor of n elements ------------------------------------------------------
# Groups are transformed a chunk at a time: the transforms make a few dozen passes over
# their arrays, which are then still in the CPU cache (3-5x faster than whole tensors).
_CHUNK_GROUPS = 1 << 13


def _fill(n: int, group_size: int, dtype, transform) -> np.ndarray:
    """``n`` outputs made by ``transform(first_group, last_group)`` a chunk at a time; it
    returns ``group_size`` values per group, in order."""
    groups = -(-n // group_size)
    out = np.empty(groups * group_size, dtype=dtype)
    for g0 in range(0, groups, _CHUNK_GROUPS):
        g1 = min(groups, g0 + _CHUNK_GROUPS)
        out[g0 * group_size : g1 * group_size] = transform(g0, g1)
    return out[:n]


def _blocks(gen: PhiloxRandom, g0: int, g1: int) -> np.ndarray:
    """Block ``g`` for each output group ``g`` in ``g0 .. g1``."""
    return gen.blocks_at(np.arange(g0, g1, dtype=np.uint64))


def _double_pairs(b: np.ndarray) -> np.ndarray:
    return uint64_to_double(b[:, 0::2].reshape(-1), b[:, 1::2].reshape(-1))


def _box_muller_groups(b: np.ndarray, double: bool) -> np.ndarray:
    """The normals of blocks ``b``, in output order: per block, two float64 normals from
    its four words, or four float32 normals from its two pairs of words."""
    if double:
        pairs = box_muller_double(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
    else:
        w = b.reshape(-1, 2)  # (x0, x1), (x2, x3) of each block
        pairs = box_muller_float(w[:, 0], w[:, 1])
    return np.stack(pairs, axis=1).reshape(-1)


def uniform(gen: PhiloxRandom, n: int, dtype) -> np.ndarray:
    """``n`` uniform samples in [0, 1) (``RandomUniform``'s values)."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        return _fill(n, 2, dtype, lambda g0, g1: _double_pairs(_blocks(gen, g0, g1)))
    to_float = uint16_to_half if dtype == np.float16 else uint32_to_float
    return _fill(n, 4, dtype, lambda g0, g1: to_float(_blocks(gen, g0, g1).reshape(-1)))


def normal(gen: PhiloxRandom, n: int, dtype) -> np.ndarray:
    """``n`` standard normal samples (``RandomStandardNormal``'s values)."""
    dtype = np.dtype(dtype)
    double = dtype == np.float64
    return _fill(
        n,
        2 if double else 4,
        dtype,
        lambda g0, g1: _box_muller_groups(_blocks(gen, g0, g1), double),
    )


def truncated_normal(gen: PhiloxRandom, n: int, dtype) -> np.ndarray:
    """``n`` standard normals with ``|x| < 2`` (``TruncatedNormal``'s values).

    Each group draws pairs of normals from its own stream and keeps, in order, those
    inside the cut-off until it has a full group (4 float32/float16 or 2 float64).
    """
    dtype = np.dtype(dtype)
    double = dtype == np.float64
    group_size = 2 if double else 4
    # Blocks between group streams: group_size * 256 outputs' worth of 4-word blocks.
    stride = np.uint64(group_size * RESERVED_SAMPLES_PER_OUTPUT // 4)

    def transform(g0, g1):
        out = np.empty((g1 - g0, group_size), dtype=np.float64 if double else np.float32)
        pending = np.arange(g0, g1, dtype=np.uint64)
        # Most groups fill from their first block (83% of float32 groups, 91% of float64);
        # the rest are drawn again from their start with twice the blocks, and so on.
        count = 1
        while len(pending):
            offsets = pending[:, None] * stride + np.arange(count, dtype=np.uint64)
            candidates = _box_muller_groups(gen.blocks_at(offsets), double)
            candidates = candidates.reshape(len(pending), -1)
            keep = np.abs(candidates) < TRUNCATE_VALUE
            full = np.count_nonzero(keep, axis=1) >= group_size
            mask = keep[full] & (np.cumsum(keep[full], axis=1) <= group_size)
            rows = (pending[full] - np.uint64(g0)).astype(np.intp)
            out[rows] = candidates[full][mask].reshape(-1, group_size)
            pending = pending[~full]
            count *= 2
        return out.reshape(-1)

    return _fill(n, group_size, dtype, transform)


def uniform_int(gen: PhiloxRandom, n: int, lo: int, hi: int, dtype) -> np.ndarray:
    """``n`` integers ``lo + word % (hi - lo)`` (``RandomUniformInt``'s values).

    The range and the sum wrap as unsigned integers, as TF's C++ does.
    """
    dtype = np.dtype(dtype)
    if dtype == np.int64:
        b = _blocks(gen, 0, -(-n // 2)).reshape(-1, 2)
        bits = b[:, 0].astype(np.uint64) | (b[:, 1].astype(np.uint64) << np.uint64(32))
        span = np.uint64((int(hi) - int(lo)) & ((1 << 64) - 1))
        return (np.uint64(int(lo) & ((1 << 64) - 1)) + bits[:n] % span).view(np.int64)
    words = _blocks(gen, 0, -(-n // 4)).reshape(-1)[:n]
    span = np.uint32((int(hi) - int(lo)) & 0xFFFFFFFF)
    return (np.uint32(int(lo) & 0xFFFFFFFF) + words % span).view(np.int32)


# -- permutations and categorical draws ---------------------------------------------------------
def fisher_yates(n: int, words: np.ndarray) -> np.ndarray:
    """The permutation of ``range(n)`` that TF's ``RandomShuffle`` makes from ``n - 1`` words.

    Position ``i`` swaps with ``i + words[i] % (n - i)``. The indices are computed at
    once; the swaps themselves depend on each other, so they run in order.
    """
    targets = (np.arange(n - 1) + words[: n - 1] % np.arange(n, 1, -1, dtype=np.uint32)).tolist()
    perm = list(range(n))
    for i, j in enumerate(targets):
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.intp)


def categorical_samples(logits: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Class indices for uniforms ``u`` ([batch, samples]) under ``softmax(logits)``.

    TF's ``Multinomial`` CPU kernel: an unnormalised CDF of ``exp(logit - max)`` in
    float64 over the finite logits (others add nothing), then the first class whose
    CDF exceeds ``u * total`` (``std::upper_bound``).
    """
    finite = np.isfinite(logits)
    lowest = np.finfo(logits.dtype).min if logits.dtype.kind == "f" else -np.inf
    row_max = np.where(finite, logits, lowest).max(axis=1, initial=lowest).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        weights = np.exp(logits.astype(np.float64) - row_max[:, None])
    cdf = np.cumsum(np.where(finite, weights, 0.0), axis=1)
    out = np.empty(u.shape, dtype=np.int64)
    for row in range(len(cdf)):
        total = cdf[row, -1] if cdf.shape[1] else 0.0
        out[row] = np.searchsorted(cdf[row], u[row] * total, side="right")
    return out


# -- gamma: Marsaglia and Tsang's transformation-rejection, per output stream --------------------
def gamma(gen: PhiloxRandom, num_samples: int, alpha: np.ndarray, dtype) -> np.ndarray:
    """Gamma(alpha, 1) samples, ``[num_samples, *alpha.shape]`` (``RandomGamma``'s values).

    As TF's kernel, in float64 whatever the output dtype: output ``(sample s, alpha a)``
    draws from its own stream, starting at block ``256 * (a * num_samples + s)``. For
    ``alpha == 1`` it is ``-log1p(-u)``. Otherwise each attempt takes the next normal
    ``x`` and uniform ``u`` (each refilled a block at a time, two per block, read from the
    block's end) and accepts ``d * (1 + c x)**3`` by the squeeze or the log test; for
    ``alpha < 1`` the result is scaled by ``u'**(1/alpha)``. All outputs step through
    their attempts together; an output leaves the loop when it accepts.
    """
    alphas = np.asarray(alpha, dtype=np.float64).reshape(-1)
    num_alphas = alphas.size
    total = num_alphas * num_samples
    # Per output, in TF's generator order (alpha-major); transposed at the end.
    alpha_o = np.repeat(alphas, num_samples)
    less_than_one = alpha_o < 1
    d = alpha_o + np.where(less_than_one, 2.0 / 3, -1.0 / 3)
    c = 1.0 / 3 / np.sqrt(d)
    base = np.arange(total, dtype=np.uint64) * np.uint64(RESERVED_SAMPLES_PER_OUTPUT)
    next_block = np.zeros(total, dtype=np.uint64)
    normals, uniforms = np.zeros((total, 2)), np.zeros((total, 2))
    n_left, u_left = np.zeros(total, dtype=np.intp), np.zeros(total, dtype=np.intp)
    out = np.empty(total)

    def draw(rows, values, left, transform):
        """The next value of each row's buffer, refilled from its stream when empty."""
        empty = rows[left[rows] == 0]
        if len(empty):
            blocks = gen.blocks_at(base[empty] + next_block[empty])
            next_block[empty] += np.uint64(1)
            values[empty] = transform(blocks).reshape(len(empty), 2)
            left[empty] = 2
        left[rows] -= 1
        return values[rows, left[rows]]

    as_normals = lambda b: _box_muller_groups(b, True)  # noqa: E731
    exponential = np.flatnonzero(alpha_o == 1)
    if len(exponential):
        u = draw(exponential, uniforms, u_left, _double_pairs)
        out[exponential] = -glibc_math.log1p(-u)
    active = np.flatnonzero(alpha_o != 1)
    while len(active):
        x = draw(active, normals, n_left, as_normals)
        v = 1 + c[active] * x
        positive = v > 0
        rows, x, v = active[positive], x[positive], v[positive]
        v = v * v * v
        u = draw(rows, uniforms, u_left, _double_pairs)
        with np.errstate(divide="ignore"):
            accepted = (u < 1 - 0.0331 * (x * x) * (x * x)) | (
                glibc_math.log(u) < 0.5 * x * x + d[rows] * (1 - v + glibc_math.log(v))
            )
        rows, res = rows[accepted], d[rows[accepted]] * v[accepted]
        small = less_than_one[rows]
        if small.any():
            b = draw(rows[small], uniforms, u_left, _double_pairs)
            res[small] *= glibc_math.pow(b, 1 / alpha_o[rows[small]])
        out[rows] = res
        done = np.zeros(total, dtype=bool)
        done[rows] = True
        active = active[~done[active]]
    # TF's CPU threads flush denormals to zero, the cast to a narrower float included.
    out[np.abs(out) < np.finfo(np.float64 if dtype == np.float64 else np.float32).tiny] = 0.0
    # Output (s, a) sits at s * num_alphas + a.
    return out.reshape(num_alphas, num_samples).T.reshape(-1).astype(dtype)


# -- Poisson: Knuth's products below rate 10, Hormann's transformed rejection above -------------
_HIGHEST = {
    np.dtype(np.float16): float(np.finfo(np.float16).max),
    np.dtype(np.float32): float(np.finfo(np.float32).max),
    np.dtype(np.float64): float(np.finfo(np.float64).max),
    np.dtype(np.int32): float(np.iinfo(np.int32).max),
    np.dtype(np.int64): float(np.iinfo(np.int64).max),
}


def poisson(gen: PhiloxRandom, num_samples: int, rate: np.ndarray, dtype) -> np.ndarray:
    """Poisson(rate) samples, ``[num_samples, *rate.shape]`` (``RandomPoissonV2``'s values).

    As TF's kernel, in float64: output ``(sample s, rate r)`` draws uniforms (two per
    block, read from the block's end) from its own stream at block
    ``256 * (r * num_samples + s)``. Below rate 10 the count is the number of uniforms
    whose running product stays above ``exp(-rate)``; from 10 on, Hormann's PTRS draws
    ``(u, v)`` pairs until one is accepted. All outputs step together.
    """
    dtype = np.dtype(dtype)
    highest = _HIGHEST[dtype]
    rates = np.asarray(rate, dtype=np.float64).reshape(-1)
    total = rates.size * num_samples
    rate_o = np.repeat(rates, num_samples)
    base = np.arange(total, dtype=np.uint64) * np.uint64(RESERVED_SAMPLES_PER_OUTPUT)
    next_block = np.zeros(total, dtype=np.uint64)
    buffer, left = np.zeros((total, 2)), np.zeros(total, dtype=np.intp)
    out = np.empty(total)

    def uniform(rows):
        empty = rows[left[rows] == 0]
        if len(empty):
            buffer[empty] = _double_pairs(gen.blocks_at(base[empty] + next_block[empty])).reshape(
                -1, 2
            )
            next_block[empty] += np.uint64(1)
            left[empty] = 2
        left[rows] -= 1
        return buffer[rows, left[rows]]

    def finished(active, rows, values):
        out[rows] = values
        done = np.zeros(total, dtype=bool)
        done[rows] = True
        return active[~done[active]]

    # Knuth: count uniforms until their product drops to exp(-rate).
    active = np.flatnonzero(rate_o < 10)
    exp_neg_rate = glibc_math.exp(-rate_o[active])
    limit = np.zeros(total)
    limit[active] = exp_neg_rate
    prod, count = np.ones(total), np.zeros(total)
    while len(active):
        prod[active] *= uniform(active)
        stop = (prod[active] <= limit[active]) & (count[active] <= highest)
        count[active[~stop]] += 1
        active = finished(active, active[stop], count[active[stop]])
    # Hormann: k = floor((2a / (0.5 - |u|) + b) u + rate + 0.43), accepted by a box or the
    # log-density test.
    active = np.flatnonzero(rate_o >= 10)
    r = rate_o
    b = 0.931 + 2.53 * np.sqrt(r)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    log_rate = np.zeros(total)
    log_rate[active] = glibc_math.log(r[active])
    while len(active):
        u = uniform(active) - 0.5
        v = uniform(active)
        ra, aa, ba = r[active], a[active], b[active]
        us = 0.5 - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((2 * aa / us + ba) * u + ra + 0.43)
        fits = ~(k > highest)
        box = fits & (us >= 0.07) & (v <= 0.9277 - 3.6224 / (ba - 2))
        test = fits & ~box & ~((k < 0) | ((us < 0.013) & (v > us)))
        accepted = box.copy()
        if test.any():
            t_rows = active[test]
            s = glibc_math.log(
                v[test] * inv_alpha[t_rows] / (aa[test] / (us[test] * us[test]) + ba[test])
            )
            t = -ra[test] + k[test] * log_rate[t_rows] - glibc_math.lgamma(k[test] + 1)
            accepted[np.flatnonzero(test)[s <= t]] = True
        active = finished(active, active[accepted], k[accepted])
    # Output (s, r) sits at s * num_rates + r.
    return out.reshape(rates.size, num_samples).T.reshape(-1).astype(dtype)
