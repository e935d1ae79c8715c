"""The dataset ops of the graph and their kernels: each builds a `DatasetValue`.

A dataset op (``RangeDataset``, ``MapDataset``...) outputs one *variant* tensor: a
description of a dataset (see `teachflow.data.datasets`), computed from its inputs (the
input dataset, counts, captured tensors) whenever the op runs. An op holding a traced
function (``f``, ``predicate``) builds a `FunctionRunner` for it once, when its kernel
is made. Dataset ops run on CPUs only, as in TensorFlow.

    >>> from teachflow.framework import registry
    >>> registry.get("BatchDatasetV2").kernels.keys()
    dict_keys(['CPU'])
"""

from __future__ import annotations

from teachflow.framework import dtypes, registry
from teachflow.framework.inference import fixed
from teachflow.ops.reader_resources import as_bytes

from . import datasets as ds
from .functions import FunctionRunner

# TensorFlow's DT_VARIANT (enum 21): a tensor that holds an object, here a DatasetValue.
# It never crosses a process boundary, so it needs no place in the wire format.
variant = dtypes.variant


def _np_types(attrs):
    # Ops whose TF OpDef names their element types Toutput_types (PaddedBatchDatasetV2,
    # TensorDataset) have only that once a graph went through a NodeDef (a function body).
    types = attrs.get("output_types") or attrs["Toutput_types"]
    return [d.as_numpy_dtype for d in types]


def _captured(attrs, inputs):
    """Split ``inputs`` into the function's captured values and the op's own scalars."""
    n = len(attrs.get("Targuments", ()))
    return inputs[:n], inputs[n:]


def _map(attrs, fns, source, *rest):
    captured, _ = _captured(attrs, rest)
    return ds.Map(source, fns["f"], captured, bool(attrs.get("preserve_cardinality", False)))


def _filter(attrs, fns, source, *rest):
    captured, _ = _captured(attrs, rest)
    return ds.Filter(source, fns["predicate"], captured)


def _flat_map(attrs, fns, source, *rest):
    captured, _ = _captured(attrs, rest)
    return ds.Interleave(source, fns["f"], captured, 1, 1)


def _interleave(attrs, fns, source, *rest):
    captured, (cycle_length, block_length) = _captured(attrs, rest)
    return ds.Interleave(source, fns["f"], captured, int(cycle_length), int(block_length))


def _padded_batch(attrs, fns, source, batch_size, *rest):
    n = len(attrs["output_shapes"])
    shapes, values, drop = rest[:n], rest[n : 2 * n], rest[2 * n]
    return ds.PaddedBatch(source, int(batch_size), shapes, values, bool(drop), _np_types(attrs))


# op type: (build(attrs, functions, *inputs) -> DatasetValue, function attrs)
_DATASETS = {
    "TensorDataset": (lambda a, f, *c: ds.Tensors(c), ()),
    "TensorSliceDataset": (lambda a, f, *c: ds.TensorSlices(c), ()),
    "RangeDataset": (lambda a, f, start, stop, step: ds.Range(start, stop, step), ()),
    "TextLineDataset": (lambda a, f, names, comp, buf: ds.TextLines(names, as_bytes(comp)), ()),
    "TFRecordDataset": (lambda a, f, names, comp, buf: ds.TFRecords(names, as_bytes(comp)), ()),
    "FixedLengthRecordDatasetV2": (
        lambda a, f, names, header, record, footer, buf, comp: ds.FixedLengthRecords(
            names, header, record, footer, as_bytes(comp)
        ),
        (),
    ),
    "RepeatDataset": (lambda a, f, s, count: ds.Repeat(s, count), ()),
    "TakeDataset": (lambda a, f, s, count: ds.Take(s, count), ()),
    "SkipDataset": (lambda a, f, s, count: ds.Skip(s, count), ()),
    "ConcatenateDataset": (lambda a, f, s, other: ds.Concatenate(s, other), ()),
    "ZipDataset": (lambda a, f, *sources: ds.Zip(sources), ()),
    "BatchDatasetV2": (
        lambda a, f, s, size, drop: ds.Batch(s, int(size), bool(drop), _np_types(a)),
        (),
    ),
    "PaddedBatchDatasetV2": (_padded_batch, ()),
    "ShuffleDataset": (
        lambda a, f, s, size, seed, seed2: ds.Shuffle(
            s, int(size), int(seed), int(seed2), a["reshuffle_each_iteration"]
        ),
        (),
    ),
    "UnbatchDataset": (lambda a, f, s: ds.Unbatch(s), ()),
    "CacheDataset": (lambda a, f, s, filename: ds.Cache(s), ()),
    # Prefetching overlaps producing with consuming; the elements are the same.
    "PrefetchDataset": (lambda a, f, s, size: s, ()),
    # tf.data.Options change nothing about the elements teachflow produces.
    "OptionsDataset": (lambda a, f, s: s, ()),
    "MapDataset": (_map, ("f",)),
    "ParallelMapDataset": (_map, ("f",)),
    "FilterDataset": (_filter, ("predicate",)),
    "FlatMapDataset": (_flat_map, ("f",)),
    "InterleaveDataset": (_interleave, ("f",)),
}


def _kernel(build, function_attrs):
    def make(op, device):
        attrs = op._attrs
        fns = {k: FunctionRunner(attrs[k], device) for k in function_attrs}
        return lambda *inputs: build(attrs, fns, *inputs)

    return make


def register_datasets(table) -> None:
    """Register each dataset op of ``table`` (op type: (build, function attrs)): one variant
    output, a CPU kernel that builds its `DatasetValue`, no gradient."""
    for op_type, (build, function_attrs) in table.items():
        registry.register(
            op_type,
            fixed((variant, [])),
            kernels={"CPU": _kernel(build, function_attrs)},
            not_differentiable=True,
        )


register_datasets(_DATASETS)
