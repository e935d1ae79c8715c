"""From Philox words to samples: bit layouts, group independence, chunking, rejection."""

import numpy as np
import pytest

from teachflow.ops import random_distributions as rd
from teachflow.ops.philox import PhiloxRandom


def test_uniform_floats_take_their_mantissa_from_the_word():
    words = np.array([0, 1, 0x7FFFFF, 0xFFFFFFFF, 0x00800000], dtype=np.uint32)
    f = rd.uint32_to_float(words)
    assert f.dtype == np.float32
    # Only the low 23 bits count: 0x00800000 lands on 0, like 0.
    assert f.tolist() == [0.0, 2.0**-23, 1 - 2.0**-23, 1 - 2.0**-23, 0.0]
    d = rd.uint64_to_double(np.array([0xFFFFF, 0], np.uint32), np.array([0xFFFFFFFF, 1], np.uint32))
    assert d.tolist() == [1 - 2.0**-52, 2.0**-52]
    h = rd.uint16_to_half(np.array([0x3FF, 0x10001], dtype=np.uint32))
    assert h.dtype == np.float16 and h.tolist() == [1 - 2.0**-10, 2.0**-10]


@pytest.mark.parametrize("fill", [rd.uniform, rd.normal, rd.truncated_normal])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_group_g_uses_block_g_so_prefixes_agree(fill, dtype):
    # Output groups are independent of the tensor's size (and of TF's thread count).
    long = fill(PhiloxRandom(11, 12), 37, dtype)
    short = fill(PhiloxRandom(11, 12), 9, dtype)
    assert long.dtype == dtype and long.shape == (37,)
    np.testing.assert_array_equal(long[:9], short)


@pytest.mark.parametrize("fill", [rd.uniform, rd.normal, rd.truncated_normal])
def test_chunked_transform_equals_one_pass(fill, monkeypatch):
    # The optimisation (a cache-sized chunk at a time) against the plain whole-tensor pass.
    n = 5000
    chunked = fill(PhiloxRandom(1, 1), n, np.float32)
    monkeypatch.setattr(rd, "_CHUNK_GROUPS", 1 << 30)
    whole = fill(PhiloxRandom(1, 1), n, np.float32)
    monkeypatch.setattr(rd, "_CHUNK_GROUPS", 7)
    tiny = fill(PhiloxRandom(1, 1), n, np.float32)
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(tiny, whole)


def test_normal_is_box_muller_of_consecutive_word_pairs():
    words = PhiloxRandom(3, 4).blocks(1)[0]
    f0, f1 = rd.box_muller_float(words[0::2], words[1::2])
    expected = np.array([f0[0], f1[0], f0[1], f1[1]])
    np.testing.assert_array_equal(rd.normal(PhiloxRandom(3, 4), 4, np.float32), expected)
    # Against the textbook formula in float64: within float32 rounding of each step.
    u1, u2 = rd.uint32_to_float(words[0::2]), rd.uint32_to_float(words[1::2])
    r = np.sqrt(-2 * np.log(u1.astype(np.float64)))
    theta = 2 * np.pi * u2.astype(np.float64)
    textbook = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1).reshape(-1)
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(expected, textbook, rtol=8 * eps, atol=8 * eps)


def test_box_muller_never_takes_the_log_of_zero():
    zero = np.zeros(1, dtype=np.uint32)
    f0, f1 = rd.box_muller_float(zero, zero)
    # u1 = 0 is clamped to 1e-7: radius sqrt(-2 ln 1e-7) at angle 0.
    assert f0[0] == 0.0 and abs(f1[0] - np.sqrt(-2 * np.log(1e-7))) < 1e-5
    d0, d1 = rd.box_muller_double(zero, zero, zero, zero)
    assert d0[0] == 0.0 and d1[0] == np.sqrt(-2 * np.log(1e-7))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_truncated_normal_stays_inside_two(dtype):
    x = rd.truncated_normal(PhiloxRandom(5, 5), 20001, dtype)
    assert x.dtype == dtype
    assert np.abs(x.astype(np.float64)).max() <= 2.0
    # A unit normal cut at ±2 has standard deviation 0.8796 (sampling error ~0.005).
    assert abs(x.astype(np.float64).std() - 0.8796) < 0.02


def test_uniform_int_wraps_like_unsigned_arithmetic():
    gen = PhiloxRandom(1, 2)
    words = gen.copy().blocks(1)[0]
    lo, hi = -(2**31), 2**31 - 1
    got = rd.uniform_int(gen, 4, lo, hi, np.int32)
    expected = [lo + int(w) % (hi - lo) for w in words]
    assert got.dtype == np.int32 and got.tolist() == expected
    pair = (int(words[0]) | int(words[1]) << 32) % (2**40)
    assert rd.uniform_int(PhiloxRandom(1, 2), 1, -(2**39), 2**39, np.int64).tolist() == [
        -(2**39) + pair
    ]


def test_fisher_yates_swaps_position_i_with_i_plus_word_mod_remaining():
    words = np.array([1, 0, 5], dtype=np.uint32)  # n=4: j = 0+1%4, 1+0%3, 2+5%2
    assert rd.fisher_yates(4, words).tolist() == [1, 0, 3, 2]
    perm = rd.fisher_yates(1000, PhiloxRandom(4, 4).uint32s(999))
    assert sorted(perm.tolist()) == list(range(1000))


def test_categorical_samples_follow_the_unnormalised_cdf():
    logits = np.array([[0.0, -np.inf, np.log(3.0)], [np.nan, 1.0, 1.0]], dtype=np.float32)
    u = np.array([[0.0, 0.2499, 0.25, 0.9999], [0.0, 0.49, 0.5, 0.99]])
    got = rd.categorical_samples(logits, u)
    # Row 0: weights 1, 0, 3 -> CDF 1, 1, 4; row 1: the NaN class adds nothing.
    assert got.tolist() == [[0, 0, 2, 2], [1, 1, 2, 2]]
