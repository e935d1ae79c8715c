"""Philox4x32-10: known-answer vectors, counter arithmetic, reservations, single samples."""

import numpy as np
import pytest

from teachflow.ops.philox import GuardedPhilox, PhiloxRandom, SingleSample, seed_pair

U64 = (1 << 64) - 1


@pytest.mark.parametrize(
    "key, counter, expected",
    [
        # The Random123 library's known-answer tests for philox4x32-10 (counter words
        # little end first, key words little end first).
        ((0, 0), (0, 0, 0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        (
            (0xFFFFFFFF, 0xFFFFFFFF),
            (0xFFFFFFFF,) * 4,
            (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
        ),
        (
            (0xA4093822, 0x299F31D0),
            (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
        ),
    ],
)
def test_known_answers(key, counter, expected):
    gen = PhiloxRandom(
        key=key[0] | key[1] << 32,
        counter=sum(w << (32 * i) for i, w in enumerate(counter)),
    )
    assert tuple(int(w) for w in gen.blocks(1)[0]) == expected


def test_seeds_are_the_key_and_the_counters_high_half():
    gen = PhiloxRandom(seed=0x1122334455667788, seed2=5)
    assert gen.key == 0x1122334455667788
    assert gen.counter == 5 << 64
    assert PhiloxRandom(seed=-1).key == U64  # int64 attributes are read as uint64


def test_blocks_advance_the_counter_and_split_anywhere():
    gen = PhiloxRandom(7, 8)
    whole = gen.copy().blocks(9)
    first, rest = gen.blocks(4), gen.blocks(5)
    np.testing.assert_array_equal(np.concatenate([first, rest]), whole)
    assert gen.counter == (8 << 64) + 9


def test_counter_carries_across_its_64_bit_halves():
    start = (3 << 64) | (U64 - 1)  # two blocks before the low half wraps
    blocks = PhiloxRandom(key=1, counter=start).blocks(4)
    one_by_one = [PhiloxRandom(key=1, counter=start + i).blocks(1)[0] for i in range(4)]
    np.testing.assert_array_equal(blocks, np.array(one_by_one))
    wrapped = PhiloxRandom(key=1, counter=(1 << 128) - 1)
    wrapped.skip(1)
    assert wrapped.counter == 0


def test_blocks_at_does_not_advance_and_matches_skip():
    gen = PhiloxRandom(1, 2)
    picked = gen.blocks_at(np.array([5, 0, 300], dtype=np.uint64))
    assert gen.counter == 2 << 64
    later = gen.copy()
    later.skip(300)
    np.testing.assert_array_equal(picked[2], later.blocks(1)[0])


def test_a_long_run_is_the_same_whatever_the_chunking():
    # blocks_at works through 2**15 blocks at a time; the seam must not show.
    gen = PhiloxRandom(3, 4)
    n = (1 << 15) + 3
    whole = gen.copy().blocks(n)
    np.testing.assert_array_equal(whole[-3:], gen.blocks_at(np.arange(n - 3, n, dtype=np.uint64)))


def test_guarded_generator_reserves_256_blocks_per_output():
    guarded = GuardedPhilox(5, 6)
    a = guarded.reserve_random_outputs(3)
    b = guarded.reserve_random_outputs(1)
    c = guarded.reserve_samples32(9)  # 9 words round up to 3 blocks
    d = guarded.reserve_samples128(0)
    assert a.counter == 6 << 64
    assert b.counter - a.counter == 3 * 256
    assert c.counter - b.counter == 256
    assert d.counter - c.counter == 3


def test_both_seeds_zero_means_fresh_entropy():
    assert seed_pair(0, 0) != seed_pair(0, 0)
    assert seed_pair(0, 5) == (0, 5)
    assert seed_pair(-2, 1) == (U64 - 1, 1)


def test_single_samples_one_at_a_time_or_many():
    words = PhiloxRandom(9, 9).blocks(3).reshape(-1)
    s = SingleSample(PhiloxRandom(9, 9))
    got = [s(), *s.take(6).tolist(), s(), *s.take(0).tolist(), *s.take(4).tolist()]
    assert got == words.tolist()


def test_single_sample_skip_matches_drawing():
    for skip in (0, 1, 3, 4, 9):
        drawn = SingleSample(PhiloxRandom(2, 3))
        drawn.take(2)
        drawn.take(skip)
        skipped = SingleSample(PhiloxRandom(2, 3))
        skipped.take(2)
        skipped.skip(skip)
        assert skipped.take(5).tolist() == drawn.take(5).tolist(), skip
