"""Lane packing: ops that overlap in time never share a lane, and no lane is wasted."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teachflow.viz.lanes import lane_count, pack_lanes


def test_ops_one_after_another_share_one_lane():
    assert pack_lanes([(0, 1), (2, 3), (5, 8)]) == [0, 0, 0]


def test_overlapping_ops_go_to_separate_lanes():
    # (1, 3) starts while (0, 4) runs; (2, 5) while both run.
    assert pack_lanes([(0, 4), (1, 3), (2, 5)]) == [0, 1, 2]


def test_a_freed_lane_is_reused_lowest_first():
    # Lanes 0 and 1 are both free again at 6: the next op takes lane 0.
    assert pack_lanes([(0, 5), (1, 4), (6, 7)]) == [0, 1, 0]
    # Only lane 1 is free at 4.5: that is the one taken.
    assert pack_lanes([(0, 5), (1, 4), (4.5, 6)]) == [0, 1, 1]


def test_touching_intervals_share_a_lane():
    # One op ends exactly when the next starts: the device ran them back to back.
    assert pack_lanes([(0, 2), (2, 4), (4, 6)]) == [0, 0, 0]


def test_equal_starts_are_deterministic_shorter_first():
    assert pack_lanes([(0, 5), (0, 2)]) == [1, 0]
    # Equal intervals keep the order given.
    assert pack_lanes([(0, 2), (0, 2), (2, 3)]) == [0, 1, 0]


def test_the_input_order_does_not_matter_for_the_lanes_of_each_interval():
    intervals = [(3, 6), (0, 4), (1, 2), (2, 5)]
    lanes = pack_lanes(intervals)
    reordered = [intervals[i] for i in (2, 0, 3, 1)]
    again = pack_lanes(reordered)
    assert [again[reordered.index(iv)] for iv in intervals] == lanes


def test_zero_length_ops_and_empty_rows():
    assert pack_lanes([(1, 1), (1, 1)]) == [0, 0]
    assert pack_lanes([]) == []
    assert lane_count([]) == 1  # an empty row is still drawn
    assert lane_count([0, 2, 1]) == 3


def test_an_interval_that_ends_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match=r"ends before it starts"):
        pack_lanes([(0, 1), (5, 2)])


intervals = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 20)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(intervals)
def test_packing_is_valid_and_optimal(ivs):
    lanes = pack_lanes(ivs)
    # Valid: two intervals in one lane do not overlap (touching is fine).
    for i, (a0, a1) in enumerate(ivs):
        for j, (b0, b1) in enumerate(ivs[:i]):
            if lanes[i] == lanes[j]:
                assert a1 <= b0 or b1 <= a0
    # Optimal: as many lanes as the most intervals open at one instant. (An op of no
    # length still takes a lane beside the op running around it, as it is drawn there.)
    if any(s == e for s, e in ivs):
        return
    most = max((sum(s <= t < e for s, e in ivs) for t, _ in ivs), default=0)
    assert max(lanes, default=-1) + 1 == max(most, 1 if ivs else 0)
