"""TensorFlow's histogram: the fixed bucket scheme behind ``tf.summary.histogram``.

TensorBoard's histograms are not binned per call: every histogram TensorFlow writes uses
the same bucket edges (``tensorflow/core/lib/histogram/histogram.cc``): upper limits that
grow by 10% from 1e-12 up to 1e20, the same mirrored for negative values, 0 in between,
and DBL_MAX / -DBL_MAX at the ends. A value falls into the first bucket whose limit is
greater than it. The ``HistogramProto`` keeps min, max, count, sum and sum of squares,
and writes each non-empty bucket; a run of empty buckets is written as one empty bucket
ending at the run's last limit, so a histogram of a few values stays small.

    >>> from teachflow.ops import histogram
    >>> proto = histogram.histogram_proto([1.0, 2.0, 3.0, -1.0, 0.0])
    >>> proto.num, proto.sum, proto.sum_squares, proto.min, proto.max
    (5.0, 5.0, 15.0, -1.0, 3.0)
    >>> list(proto.bucket)[:4]
    [0.0, 1.0, 0.0, 1.0]
"""

from __future__ import annotations

import sys

import numpy as np

from teachflow.proto import messages

__all__ = ["DEFAULT_BUCKET_LIMITS", "histogram_proto"]

DBL_MAX = sys.float_info.max


def _default_bucket_limits() -> np.ndarray:
    # The limits are computed by repeated multiplication in double precision, exactly as
    # histogram.cc does: a closed form (1.1**k) would differ in the last bits.
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(DBL_MAX)
    negative = [-x for x in reversed(positive)]
    return np.array(negative + [0.0] + positive, dtype=np.float64)


DEFAULT_BUCKET_LIMITS = _default_bucket_limits()
DEFAULT_BUCKET_LIMITS.flags.writeable = False


def histogram_proto(values) -> messages.HistogramProto:
    """The ``HistogramProto`` of finite ``values`` (any shape) with TensorFlow's buckets.

    Sums are accumulated left to right in double precision, as the C++ loop does, so the
    message is the same bytes TensorFlow writes. The caller rejects NaN and infinity.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    proto = messages.HistogramProto()
    if x.size:
        proto.min = float(x.min())
        proto.max = float(x.max())
        # cumsum adds in order (np.sum adds pairwise and may differ in the last bit).
        proto.sum = float(np.cumsum(x)[-1])
        proto.sum_squares = float(np.cumsum(x * x)[-1])
    else:
        proto.min, proto.max = DBL_MAX, -DBL_MAX
    proto.num = float(x.size)
    index = np.searchsorted(DEFAULT_BUCKET_LIMITS, x, side="right")
    counts = np.bincount(index, minlength=DEFAULT_BUCKET_LIMITS.size)
    limits, buckets = _collapse_empty_runs(counts)
    proto.bucket_limit.extend(limits)
    proto.bucket.extend(buckets)
    return proto


def _collapse_empty_runs(counts) -> tuple[list, list]:
    """``Histogram::EncodeToProto`` without ``preserve_zero_buckets``."""
    nonzero = np.flatnonzero(counts)
    limits, buckets = [], []
    start = 0
    for i in nonzero:
        if i > start:  # the empty run before this bucket, as one bucket
            limits.append(float(DEFAULT_BUCKET_LIMITS[i - 1]))
            buckets.append(0.0)
        limits.append(float(DEFAULT_BUCKET_LIMITS[i]))
        buckets.append(float(counts[i]))
        start = i + 1
    if start < counts.size:
        limits.append(float(DEFAULT_BUCKET_LIMITS[-1]))
        buckets.append(0.0)
    return limits, buckets
