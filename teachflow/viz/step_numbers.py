"""Steps numbered 1, 2, 3 in the order a Python session saw them, the same in every view.

A local session's step ids count up across every session of the process and a cluster's
are random 64-bit numbers (``step 1313741614538161539``): neither is what a person calls
"the third step". Every view and widget of a session asks this one table (`SESSION`),
so the timeline, the live widget and ``%teachflow`` name a step by the same number.

    >>> numbers = StepNumbers()
    >>> numbers.number(1313741614538161539), numbers.number(77), numbers.number(1313741614538161539)
    (1, 2, 1)
    >>> numbers.step_id(2)
    77
"""

from __future__ import annotations

import threading

__all__ = ["SESSION", "StepNumbers"]


class StepNumbers:
    """Step id -> its number (1, 2, ...) in the order ids were first asked about."""

    __slots__ = ("_by_id", "_ids", "_lock")

    def __init__(self):
        self._by_id = {}
        self._ids = []
        self._lock = threading.Lock()  # executor threads and widget timers ask at once

    def number(self, step_id: int) -> int:
        """The step's number; a step seen for the first time takes the next one."""
        n = self._by_id.get(step_id)
        if n is None:
            with self._lock:
                n = self._by_id.get(step_id)
                if n is None:
                    self._ids.append(step_id)
                    n = self._by_id[step_id] = len(self._ids)
        return n

    def step_id(self, number: int) -> int:
        """The id of step ``number``; ValueError for a number not given yet."""
        if not 1 <= number <= len(self._ids):
            raise ValueError(f"No step {number}: steps 1 to {len(self._ids)} have been seen")
        return self._ids[number - 1]

    def reset(self) -> None:
        """Start counting from 1 again (a fresh lesson, or a test)."""
        with self._lock:
            self._by_id.clear()
            self._ids.clear()


# One table per Python session (a notebook's kernel).
SESSION = StepNumbers()
