"""How a cost grows with the size of its input: the check behind every "must be linear" test.

A quadratic step is invisible on a small graph and takes minutes on a large one, so each
such test times the same work at two sizes and compares the time *per item*. Times are the
process's CPU time (other processes on a shared machine do not count), the best of a few
tries, with the objects alive before the timed call frozen out of the cyclic collector so
that a full collection of an unrelated heap does not land inside the timed call.
"""

from __future__ import annotations

import gc
import time


def cpu_seconds_per_item(prepare, n, tries=3):
    """Best CPU seconds per item of ``prepare(n)()``: ``prepare`` builds the input (not
    timed) and returns the call to time."""
    best = float("inf")
    for _ in range(tries):
        call = prepare(n)
        gc.collect()
        gc.freeze()
        try:
            t0 = time.process_time()
            call()
            best = min(best, time.process_time() - t0)
        finally:
            gc.unfreeze()
    return max(best, 1e-9) / n


def growth(prepare, small, large, tries=3):
    """Per-item time at ``large`` over per-item time at ``small``: about 1 when the work is
    linear, about ``large / small`` when it is quadratic."""
    return cpu_seconds_per_item(prepare, large, tries) / cpu_seconds_per_item(prepare, small, tries)
