"""Lane packing: put the ops of one device row into as few horizontal lanes as possible.

Two ops that overlap in time cannot share a lane of the timeline, or one would hide the
other. Packing is the classic greedy interval partitioning: visit the intervals by start
time and put each into the lowest-numbered lane that is free by then. It uses as many
lanes as the most ops ever running at once, which no packing can beat.

    >>> pack_lanes([(0, 4), (1, 3), (4, 6), (2, 5)])
    [0, 1, 0, 2]

Intervals that only touch (one ends where the next starts) share a lane: a device that
finishes one op and starts the next at the same instant ran them one after the other.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

__all__ = ["lane_count", "pack_lanes"]


def pack_lanes(intervals: Sequence[tuple[float, float]]) -> list[int]:
    """The lane (0, 1, ...) of each ``(start, end)`` interval, in the order given.

    Deterministic: equal starts are taken shorter-first, then in the order given, so the
    same trace always packs the same way.

        >>> pack_lanes([(0, 2), (0, 2), (2, 3)])
        [0, 1, 0]

    Raises ValueError for an interval that ends before it starts.
    """
    for start, end in intervals:
        if end < start:
            raise ValueError(f"Interval ({start}, {end}) ends before it starts")
    order = sorted(range(len(intervals)), key=lambda i: (intervals[i][0], intervals[i][1], i))
    lanes = [0] * len(intervals)
    busy = []  # heap of (end, lane) for lanes holding an interval
    free = []  # heap of lane numbers that are free again
    used = 0
    for i in order:
        start, end = intervals[i]
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane = used
            used += 1
        lanes[i] = lane
        heapq.heappush(busy, (end, lane))
    return lanes


def lane_count(lanes: Sequence[int]) -> int:
    """How many lanes a packing uses (1 for an empty row, so that it is still drawn)."""
    return max(lanes, default=0) + 1
