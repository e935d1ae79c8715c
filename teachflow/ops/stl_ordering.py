"""The orders the C++ standard library (libstdc++, which TensorFlow's Linux builds use)
leaves among equal keys: ``std::priority_queue`` (a binary heap in a vector) and
``std::sort`` (introsort, not stable). Kernels that rank by score alone — such as
``CombinedNonMaxSuppression`` — break ties this way, so teachflow replays the very same
algorithms instead of Python's stable ``sorted``.

    >>> less = lambda a, b: a[0] < b[0]
    >>> queue = HeapQueue(less)
    >>> for item in [(1, "a"), (2, "b"), (1, "c"), (2, "d")]:
    ...     queue.push(item)
    >>> [queue.pop()[1] for _ in range(4)]
    ['b', 'd', 'a', 'c']
    >>> items = [(0, "x"), (1, "y"), (0, "z")]
    >>> sort(items, lambda a, b: b[0] < a[0])  # descending, ties in insertion-sort order
    >>> [v for _, v in items]
    ['y', 'x', 'z']
"""

from __future__ import annotations

__all__ = ["HeapQueue", "sort"]

_THRESHOLD = 16  # libstdc++'s _S_threshold: below it std::sort is an insertion sort


# -- heaps (bits/stl_heap.h) ------------------------------------------------------------------
def _push_heap(v, hole, top, value, less):
    parent = (hole - 1) // 2
    while hole > top and less(v[parent], value):
        v[hole] = v[parent]
        hole = parent
        parent = (hole - 1) // 2
    v[hole] = value


def _adjust_heap(v, first, hole, length, value, less):
    """``__adjust_heap`` on ``v[first:first + length]`` (indices relative to ``first``)."""
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(v[first + child], v[first + child - 1]):
            child -= 1
        v[first + hole] = v[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole] = v[first + child - 1]
        hole = child - 1
    view = _Offset(v, first)
    _push_heap(view, hole, top, value, less)


class _Offset:
    """``v`` seen from index ``first`` on (C++ iterators into the middle of a vector)."""

    __slots__ = ("v", "first")

    def __init__(self, v, first):
        self.v, self.first = v, first

    def __getitem__(self, i):
        return self.v[self.first + i]

    def __setitem__(self, i, value):
        self.v[self.first + i] = value


class HeapQueue:
    """``std::priority_queue<T, std::vector<T>, Less>``: ``pop`` returns the largest
    element under ``less``; among equals, whichever the heap's layout puts on top."""

    def __init__(self, less):
        self.less = less
        self.items: list = []

    def __len__(self):
        return len(self.items)

    def push(self, value):
        self.items.append(value)
        _push_heap(self.items, len(self.items) - 1, 0, value, self.less)

    def pop(self):
        v = self.items
        top = v[0]
        last = len(v) - 1
        value = v[last]
        v[last] = v[0]
        _adjust_heap(v, 0, 0, last, value, self.less)
        v.pop()
        return top


# -- std::sort (bits/stl_algo.h) --------------------------------------------------------------
def _swap(v, i, j):
    v[i], v[j] = v[j], v[i]


def _move_median_to_first(v, result, a, b, c, less):
    if less(v[a], v[b]):
        if less(v[b], v[c]):
            _swap(v, result, b)
        elif less(v[a], v[c]):
            _swap(v, result, c)
        else:
            _swap(v, result, a)
    elif less(v[a], v[c]):
        _swap(v, result, a)
    elif less(v[b], v[c]):
        _swap(v, result, c)
    else:
        _swap(v, result, b)


def _unguarded_partition(v, first, last, pivot, less):
    while True:
        while less(v[first], v[pivot]):
            first += 1
        last -= 1
        while less(v[pivot], v[last]):
            last -= 1
        if not first < last:
            return first
        _swap(v, first, last)
        first += 1


def _heap_sort(v, first, last, less):
    """``std::partial_sort(first, last, last)``: make_heap, then sort_heap."""
    length = last - first
    if length < 2:
        return
    for parent in range((length - 2) // 2, -1, -1):
        _adjust_heap(v, first, parent, length, v[first + parent], less)
    while last - first > 1:
        last -= 1
        value = v[last]
        v[last] = v[first]
        _adjust_heap(v, first, 0, last - first, value, less)


def _introsort_loop(v, first, last, depth, less):
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(v, first, last, less)
            return
        depth -= 1
        mid = first + (last - first) // 2
        _move_median_to_first(v, first, first + 1, mid, last - 1, less)
        cut = _unguarded_partition(v, first + 1, last, first, less)
        _introsort_loop(v, cut, last, depth, less)
        last = cut


def _linear_insert(v, last, less):
    value = v[last]
    prev = last - 1
    while less(value, v[prev]):
        v[last] = v[prev]
        last = prev
        prev -= 1
    v[last] = value


def _insertion_sort(v, first, last, less):
    for i in range(first + 1, last):
        value = v[i]
        if less(value, v[first]):
            v[first + 1 : i + 1] = v[first:i]
            v[first] = value
        else:
            _linear_insert(v, i, less)


def sort(v: list, less) -> None:
    """``std::sort(v.begin(), v.end(), less)`` in place, equal elements left where
    libstdc++'s introsort leaves them."""
    n = len(v)
    if n < 2:
        return
    _introsort_loop(v, 0, n, 2 * (n.bit_length() - 1), less)
    if n > _THRESHOLD:
        _insertion_sort(v, 0, _THRESHOLD, less)
        for i in range(_THRESHOLD, n):
            _linear_insert(v, i, less)
    else:
        _insertion_sort(v, 0, n, less)
