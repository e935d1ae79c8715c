"""``tf.data.experimental.cardinality``: how many elements a dataset has, as the graph tells.

The op ``DatasetCardinality`` reads the dataset its input describes and answers without
iterating: a number, `INFINITE_CARDINALITY` (-1) for a dataset that never ends, or
`UNKNOWN_CARDINALITY` (-2) when only a pass could tell (a filter). TensorFlow's kernels each
know their rule; here they are side by side:

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.range(10).batch(3)
    >>> counts = [tf.data.experimental.cardinality(d)
    ...           for d in (ds, ds.repeat(), ds.filter(lambda x: True))]
    >>> with tf.Session() as sess:
    ...     [int(n) for n in sess.run(counts)]
    [4, -1, -2]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.inference import fixed

from . import datasets as ds
from .element_views import INFINITE_CARDINALITY as INFINITE
from .element_views import UNKNOWN_CARDINALITY as UNKNOWN

__all__ = ["cardinality"]


def _range(v):
    return len(range(*v.bounds))


def _repeat(v):
    n, count = count_of(v.source), v.count
    if count < 0:
        return 0 if n == 0 else INFINITE  # repeated forever: infinite even if unknown
    if count == 0:
        return 0
    return n if n < 0 else n * count


def _take(v):
    n, count = count_of(v.source), v.count
    if n == UNKNOWN:
        return UNKNOWN
    if count < 0:
        return n
    return count if n == INFINITE else min(n, count)


def _skip(v):
    n, count = count_of(v.source), v.count
    if n < 0:
        return n
    return 0 if count < 0 else max(0, n - count)


def _batch(v):
    n = count_of(v.source)
    if n < 0:
        return n
    whole, rest = divmod(n, v.batch_size)
    return whole + (1 if rest and not v.drop_remainder else 0)


def _concatenate(v):
    counts = [count_of(p) for p in v.parts]
    if INFINITE in counts:
        return INFINITE
    return UNKNOWN if UNKNOWN in counts else sum(counts)


def _zip(v):
    counts = [count_of(s) for s in v.sources]
    if UNKNOWN in counts:
        return UNKNOWN
    finite = [n for n in counts if n != INFINITE]
    return min(finite) if finite else INFINITE


_RULES = {
    ds.Tensors: lambda v: 1,
    ds.TensorSlices: lambda v: v.size,
    ds.Range: _range,
    ds.Repeat: _repeat,
    ds.Take: _take,
    ds.Skip: _skip,
    ds.Batch: _batch,
    ds.PaddedBatch: _batch,
    ds.Concatenate: _concatenate,
    ds.Zip: _zip,
    ds.Cache: lambda v: count_of(v.source),
    ds.Shuffle: lambda v: count_of(v.source),
    # A v1 Dataset.map does not promise one element out per element in (TF's
    # preserve_cardinality=False), so its count is unknown; the experimental maps do.
    ds.Map: lambda v: count_of(v.source) if v.preserve_cardinality else UNKNOWN,
}


def count_of(value) -> int:
    """The cardinality of a `DatasetValue` (UNKNOWN for every kind without a rule: files,
    filters, interleaves, unbatch...)."""
    rule = _RULES.get(type(value))
    return UNKNOWN if rule is None else int(rule(value))


def _cardinality_kernel(op, device):
    return lambda value: np.int64(count_of(value))


registry.register(
    "DatasetCardinality",
    fixed((dtypes.int64, [])),
    kernels={"CPU": _cardinality_kernel},
    not_differentiable=True,
)


def cardinality(dataset, name=None):
    """The number of elements of ``dataset`` as an int64 scalar tensor (op
    ``DatasetCardinality``): -1 if infinite, -2 if the graph cannot tell."""
    variant = dataset._variant_tensor
    return variant.graph.create_op(
        "DatasetCardinality",
        [variant],
        {"cardinality_options": b""},
        name=name or "DatasetCardinality",
    ).outputs[0]
