"""What the grouping and choosing dataset ops compute, and their kernels.

``GroupByWindowDataset`` sorts elements into groups by a traced ``key_func``; a group
that reaches its window size (``window_size_func(key)``) is handed, as a small dataset,
to ``reduce_func``, whose dataset's elements come out next. When the input ends, the
groups left over are flushed in increasing key order (TF keeps them in a ``std::map``).
``DirectedInterleaveDataset`` takes the next element of input ``i`` for each ``i`` its
selector yields, skipping inputs that ran out; ``RandomDataset`` is the endless stream of
Philox words that ``sample_from_datasets`` turns into its choices.

    >>> import numpy as np
    >>> from teachflow.data import datasets as ds
    >>> picks = DirectedInterleave(ds.TensorSlices([np.array([1, 0, 1])]),
    ...                            [ds.Range(0, 2, 1), ds.Range(10, 12, 1)], False)
    >>> [int(e[0]) for e in picks.iterate()]
    [10, 0, 11]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import errors
from teachflow.ops.philox import PhiloxRandom, SingleSample, seed_pair

from . import datasets as ds
from .dataset_kernels import register_datasets


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


class Window(ds.DatasetValue):
    """One group's elements, as the dataset ``reduce_func`` receives."""

    def __init__(self, elements):
        self.elements = tuple(elements)

    def iterate(self):
        yield from self.elements


class GroupByWindow(ds.DatasetValue):
    """Elements grouped by key; each full window (and, at the end, each partial one in
    key order) replaced by the elements of ``reduce_fn(key, window)``."""

    def __init__(self, source, fns, captured):
        self.source, self.fns, self.captured = source, fns, captured

    def _reduced(self, key, group):
        (dataset,) = self.fns["reduce_func"](np.int64(key), Window(group), *self.captured[1])
        yield from dataset.iterate()

    def iterate(self):
        key_fn, size_fn = self.fns["key_func"], self.fns["window_size_func"]
        groups, sizes = {}, {}
        for element in self.source.iterate():
            if type(element) is ds.ElementError:
                yield element
                continue
            try:
                key = int(key_fn(*element, *self.captured[0])[0])
                if key not in sizes:
                    size = int(size_fn(np.int64(key), *self.captured[2])[0])
                    if size <= 0:
                        raise _invalid(f"Window size must be greater than zero, but got {size}.")
                    sizes[key] = size
            except errors.OpError as e:
                yield ds.ElementError(e)
                continue
            group = groups.setdefault(key, [])
            group.append(element)
            if len(group) == sizes[key]:
                del groups[key]
                yield from self._reduced(key, group)
        for key in sorted(groups):
            yield from self._reduced(key, groups.pop(key))


class DirectedInterleave(ds.DatasetValue):
    """The next element of ``inputs[i]`` for each ``i`` the selector yields; an exhausted
    input is skipped (or ends the dataset with ``stop_on_empty_dataset``)."""

    def __init__(self, selector, inputs, stop_on_empty_dataset):
        self.selector, self.inputs = selector, tuple(inputs)
        self.stop_on_empty_dataset = bool(stop_on_empty_dataset)

    def iterate(self):
        active = [d.iterate() for d in self.inputs]
        num_active = len(active)
        for choice in self.selector.iterate():
            if type(choice) is ds.ElementError:
                yield choice
                continue
            i = int(choice[0])
            if not 0 <= i < len(active):
                yield ds.ElementError(
                    _invalid(f"Selector index out of range: {i} >= {len(active)}")
                )
                return
            if active[i] is None:
                continue
            element = next(active[i], None)
            if element is not None:
                yield element
                continue
            if self.stop_on_empty_dataset:
                return
            active[i] = None
            num_active -= 1
            if num_active == 0:
                return


class Random(ds.DatasetValue):
    """``Dataset.random``: one Philox word (as int64) per element, forever; every pass
    starts again from the seeds (TF1's ``RandomDataset``)."""

    def __init__(self, seed, seed2):
        self.seed, self.seed2 = seed_pair(int(seed), int(seed2))

    def iterate(self):
        draw = SingleSample(PhiloxRandom(self.seed, self.seed2))
        while True:
            yield (np.int64(draw()),)


def _group_by_window(attrs, fns, source, *rest):
    counts = [len(attrs[f"T{k}_other_arguments"]) for k in ("key_func", "reduce_func")]
    key_args, rest = rest[: counts[0]], rest[counts[0] :]
    reduce_args, size_args = rest[: counts[1]], rest[counts[1] :]
    return GroupByWindow(source, fns, (key_args, reduce_args, size_args))


_DATASETS = {
    "GroupByWindowDataset": (
        _group_by_window,
        ("key_func", "reduce_func", "window_size_func"),
    ),
    "DirectedInterleaveDataset": (
        lambda a, f, selector, *inputs: DirectedInterleave(
            selector, inputs, a.get("stop_on_empty_dataset", False)
        ),
        (),
    ),
    # The tf.data service's "replicate_on_split" rewrite changes nothing in one process.
    "RewriteDataset": (lambda a, f, source, rewrite_name: source, ()),
    "RandomDataset": (lambda a, f, seed, seed2: Random(seed, seed2), ()),
}


register_datasets(_DATASETS)
