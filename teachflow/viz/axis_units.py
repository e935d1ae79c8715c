"""Axis ticks a person can read at a glance: bytes in powers of two, time in one unit.

Allocators count in binary units, so a byte axis steps by a power of two (256 KiB, 1 MiB)
and names every tick in the one unit of that step: ``0, 256, 512, 768 KiB``, never
``97.7 KiB`` or ``819.2 KiB``, nor ``768 KiB`` beside ``1 MiB``. A time axis likewise uses one unit (us, ms or s) chosen
from its span, and starts at 0.

    >>> byte_ticks(3 * 2**20)
    ([0, 1048576, 2097152, 3145728], ['0', '1 MiB', '2 MiB', '3 MiB'])
    >>> byte_ticks(900 * 1024)[1]
    ['0', '256 KiB', '512 KiB', '768 KiB']
    >>> time_unit(25_500)  # a span in ns
    ('us', 1000)
"""

from __future__ import annotations

__all__ = ["BYTE_UNITS", "byte_ticks", "time_unit"]

BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
_MAX_TICKS = 6
_TIME_UNITS = (("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1))


def byte_ticks(top: float, *, max_ticks: int = _MAX_TICKS) -> tuple:
    """``(positions, labels)`` for a byte axis from 0 to ``top``: multiples of the
    smallest power of two that gives at most ``max_ticks`` ticks, all labelled in that
    step's unit."""
    top = max(float(top), 1.0)
    step = 1
    while top / step > max_ticks - 1:
        step *= 2
    unit_index = 0
    while unit_index + 1 < len(BYTE_UNITS) and step >= 1024 ** (unit_index + 1):
        unit_index += 1
    scale = 1024**unit_index
    positions = [k * step for k in range(int(top // step) + 1)]
    unit = BYTE_UNITS[unit_index]
    labels = ["0" if p == 0 else f"{p / scale:g} {unit}" for p in positions]
    return positions, labels


def time_unit(span_ns: float) -> tuple:
    """``(name, ns per unit)`` for a time axis spanning ``span_ns``: the largest unit in
    which the span is at least 1."""
    for name, ns in _TIME_UNITS:
        if span_ns >= ns:
            return name, ns
    return _TIME_UNITS[-1]
