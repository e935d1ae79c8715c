"""TensorFlow's histogram buckets (histogram.cc) and the HistogramProto built on them."""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from teachflow.ops.histogram import DEFAULT_BUCKET_LIMITS, histogram_proto

LIMITS = DEFAULT_BUCKET_LIMITS


def test_bucket_limits_grow_by_ten_percent_mirrored_around_zero():
    # 1e-12 * 1.1**k < 1e20 for k = 0..773, then DBL_MAX: 775 per side, and 0.
    assert LIMITS.size == 2 * 775 + 1
    middle = LIMITS.size // 2
    assert LIMITS[middle] == 0.0
    assert LIMITS[middle + 1] == 1e-12
    assert LIMITS[-1] == sys.float_info.max
    np.testing.assert_array_equal(LIMITS[:middle], -LIMITS[middle + 1 :][::-1])
    assert np.all(np.diff(LIMITS) > 0)
    ratios = LIMITS[middle + 2 : -1] / LIMITS[middle + 1 : -2]
    np.testing.assert_allclose(ratios, 1.1, rtol=4 * np.finfo(np.float64).eps)


def test_a_value_goes_to_the_first_bucket_whose_limit_is_greater():
    proto = histogram_proto([0.0])
    # Empty buckets below 0's bucket collapse into one ending at 0; 0 lands in (0, 1e-12].
    assert list(proto.bucket_limit) == [0.0, 1e-12, sys.float_info.max]
    assert list(proto.bucket) == [0.0, 1.0, 0.0]


def test_empty_histogram_is_one_empty_bucket_with_inverted_range():
    proto = histogram_proto([])
    assert (proto.num, proto.min, proto.max) == (0.0, sys.float_info.max, -sys.float_info.max)
    assert list(proto.bucket_limit) == [sys.float_info.max]
    assert list(proto.bucket) == [0.0]


@given(
    st.lists(
        st.floats(min_value=-1e25, max_value=1e25, allow_nan=False, allow_infinity=False),
        max_size=50,
    )
)
def test_histogram_counts_every_value_once_in_its_bucket(values):
    proto = histogram_proto(values)
    assert proto.num == len(values)
    assert sum(proto.bucket) == len(values)
    limits = np.array(proto.bucket_limit)
    assert np.all(np.diff(limits) > 0)
    # No two empty buckets in a row: a run of them is written as one.
    empty = np.array(proto.bucket) == 0
    assert not np.any(empty[1:] & empty[:-1])
    for v in values:
        # Its bucket is the first written limit above it, and that bucket is not empty.
        assert proto.bucket[int(np.searchsorted(limits, v, side="right"))] > 0
    if values:
        assert (proto.min, proto.max) == (min(values), max(values))
