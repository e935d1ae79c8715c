"""teachflow/ops/stl_ordering.py: libstdc++'s heap and introsort orders among equal keys.

The expected orders below were printed by a C++ program (g++ 12, libstdc++) pushing
``(key, index)`` pairs into ``std::priority_queue`` (comparing keys only) and sorting them
with ``std::sort`` (keys descending)."""

from teachflow.ops.stl_ordering import HeapQueue, sort

KEYS = [1, 0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 1, 2, 0, 0, 1, 2, 1, 0, 2, 1, 1, 0, 2, 1]


def _pop_all(keys):
    queue = HeapQueue(lambda a, b: a[0] < b[0])
    for item in zip(keys, range(len(keys))):
        queue.push(item)
    return [queue.pop()[1] for _ in keys]


def _sorted(keys):
    items = list(zip(keys, range(len(keys))))
    sort(items, lambda a, b: b[0] < a[0])
    return [i for _, i in items]


def test_priority_queue_order():
    assert _pop_all(KEYS) == [
        3, 6, 12, 23, 7, 19, 16, 2, 11, 24, 20, 15, 10, 21, 4, 8, 17, 0, 14, 13, 5, 1, 22, 9, 18
    ]  # fmt: skip


def test_sort_order_beyond_the_insertion_sort_threshold():
    assert _sorted(KEYS) == [
        23, 3, 6, 7, 19, 16, 12, 24, 0, 21, 20, 17, 15, 11, 10, 8, 4, 2, 13, 14, 9, 18, 5, 22, 1
    ]  # fmt: skip


def test_sort_is_an_insertion_sort_up_to_16():
    assert _sorted(KEYS[:16]) == [3, 6, 7, 12, 0, 2, 4, 8, 10, 11, 15, 1, 5, 9, 13, 14]
