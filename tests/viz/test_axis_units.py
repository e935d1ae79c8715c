"""Axis units: byte ticks step by a power of two in one unit; time axes pick one unit."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teachflow.viz.axis_units import byte_ticks, time_unit


def test_a_mebibyte_axis_counts_whole_mebibytes():
    assert byte_ticks(4.5 * 2**20) == (
        [0, 2**20, 2 * 2**20, 3 * 2**20, 4 * 2**20],
        ["0", "1 MiB", "2 MiB", "3 MiB", "4 MiB"],
    )


def test_just_under_a_mebibyte_stays_in_kibibytes():
    # matplotlib's decimal ticks would give 819.2 KiB or 97.7/195.3 KiB here.
    positions, labels = byte_ticks(1000 * 1024)
    assert labels == ["0", "256 KiB", "512 KiB", "768 KiB"]
    assert all(p % (256 * 1024) == 0 for p in positions)


@given(st.floats(min_value=1, max_value=2.0**50))
def test_every_tick_is_a_round_multiple_of_a_power_of_two_in_one_unit(top):
    positions, labels = byte_ticks(top)
    step = positions[1] - positions[0] if len(positions) > 1 else 1
    assert step & (step - 1) == 0  # a power of two
    assert 2 <= len(positions) <= 6 or top < 2
    assert positions[-1] <= max(top, 1)
    units = {label.split()[1] for label in labels[1:]}
    assert len(units) <= 1
    assert all(re.fullmatch(r"\d+", label.split()[0]) for label in labels)


@pytest.mark.parametrize(
    "span_ns, unit",
    [(500, ("ns", 1)), (25_500, ("us", 1000)), (3_000_000, ("ms", 10**6)), (2e9, ("s", 10**9))],
)
def test_a_time_axis_has_one_unit_from_its_span(span_ns, unit):
    assert time_unit(span_ns) == unit
