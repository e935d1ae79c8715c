"""The ``tf.data.experimental`` transformations of TF1 pipelines and the ops that read a
whole dataset into tensors: ``Dataset.reduce`` (op ``ReduceDataset``) and
``get_single_element`` (op ``DatasetToSingleElement``).

A fused op (``MapAndBatchDataset``, ``ShuffleAndRepeatDataset``) yields what its two
parts would; ``IgnoreErrorsDataset`` drops the elements whose computation failed;
``LegacyParallelInterleaveDatasetV2`` is ``interleave`` in its deterministic order.
``ReduceDataset`` runs a traced ``reduce_func(state, element)`` over every element
inside one kernel, so the whole pass is one step of the graph.

    >>> import teachflow as tf
    >>> total = tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(total))
    10
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, random_seed, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

from . import datasets as ds
from . import functions, structure
from .dataset_kernels import _np_types, register_datasets
from .functions import FunctionRunner
from .structure import TensorSpec

_fn_ids = iter(range(1, 1 << 62))


class IgnoreErrors(ds.DatasetValue):
    """The source's elements, without those whose computation failed."""

    def __init__(self, source):
        self.source = source

    def iterate(self):
        for element in self.source.iterate():
            if type(element) is not ds.ElementError:
                yield element


class Scan(ds.DatasetValue):
    """``scan``: each element and the running state through ``fn``, which gives the next
    state and the element to emit."""

    def __init__(self, source, fn, initial_state, captured):
        self.source, self.fn = source, fn
        self.initial_state, self.captured = tuple(initial_state), tuple(captured)

    def iterate(self):
        state, n = self.initial_state, len(self.initial_state)
        for element in self.source.iterate():
            if type(element) is ds.ElementError:
                yield element
                continue
            try:
                out = self.fn(*state, *element, *self.captured)
            except errors.OpError as e:
                yield ds.ElementError(e)
                return
            state = out[:n]
            yield out[n:]


class TakeWhile(ds.DatasetValue):
    """The elements up to the first for which ``predicate`` is False."""

    def __init__(self, source, predicate, captured):
        self.source, self.predicate, self.captured = source, predicate, tuple(captured)

    def iterate(self):
        for element in self.source.iterate():
            if type(element) is ds.ElementError:
                yield element
                continue
            (keep,) = self.predicate(*element, *self.captured)
            if not keep:
                return
            yield element


class Unique(ds.DatasetValue):
    """Each distinct element once, at its first appearance."""

    def __init__(self, source):
        self.source = source

    def iterate(self):
        seen = set()
        for element in self.source.iterate():
            if type(element) is ds.ElementError:
                yield element
                continue
            key = element[0].item() if hasattr(element[0], "item") else element[0]
            if key not in seen:
                seen.add(key)
                yield element


def _scan(attrs, fns, source, *rest):
    n_state = len(attrs["Tstate"])
    return Scan(source, fns["f"], rest[:n_state], rest[n_state:])


def _captured(attrs, inputs):
    n = len(attrs.get("Targuments", ()))
    return inputs[:n], inputs[n:]


def _map_and_batch(attrs, fns, source, *rest):
    captured, (batch_size, _num_parallel_calls, drop) = _captured(attrs, rest)
    mapped = ds.Map(source, fns["f"], captured)
    return ds.Batch(mapped, int(batch_size), bool(drop), _np_types(attrs))


def _shuffle_and_repeat(attrs, fns, source, buffer_size, seed, seed2, count):
    reshuffle = attrs.get("reshuffle_each_iteration", True)
    shuffled = ds.Shuffle(source, int(buffer_size), int(seed), int(seed2), reshuffle)
    return ds.Repeat(shuffled, int(count))


def _legacy_parallel_interleave(attrs, fns, source, *rest):
    captured, (cycle_length, block_length, _buffered, _prefetched) = _captured(attrs, rest)
    return ds.Interleave(source, fns["f"], captured, int(cycle_length), int(block_length))


_DATASETS = {
    "MapAndBatchDataset": (_map_and_batch, ("f",)),
    "ShuffleAndRepeatDataset": (_shuffle_and_repeat, ()),
    "IgnoreErrorsDataset": (lambda a, f, s: IgnoreErrors(s), ()),
    "LegacyParallelInterleaveDatasetV2": (_legacy_parallel_interleave, ("f",)),
    "ScanDataset": (_scan, ("f",)),
    "TakeWhileDataset": (lambda a, f, s, *c: TakeWhile(s, f["predicate"], c), ("predicate",)),
    "UniqueDataset": (lambda a, f, s: Unique(s), ()),
}


register_datasets(_DATASETS)


# -- ops that read a whole dataset ------------------------------------------------------
def _elements(dataset):
    for element in dataset.iterate():
        if type(element) is ds.ElementError:
            raise element.error
        yield element


def _single_element_kernel(op, device):
    def dataset_to_single_element(dataset):
        elements = _elements(dataset)
        first = next(elements, None)
        if first is None:
            raise errors.InvalidArgumentError(None, None, "Dataset was empty.")
        if next(elements, None) is not None:
            raise errors.InvalidArgumentError(None, None, "Dataset had more than one element.")
        return first if len(first) > 1 else first[0]

    return dataset_to_single_element


def _reduce_kernel(op, device):
    fn = FunctionRunner(op._attrs["f"], device)
    n_state = len(op._attrs["Tstate"])

    def reduce_dataset(dataset, *rest):
        state, captured = tuple(rest[:n_state]), rest[n_state:]
        for element in _elements(dataset):
            state = fn(*state, *element, *captured)
        return state if len(state) > 1 else state[0]

    return reduce_dataset


def _outputs_infer(op):
    return list(zip(op._attrs["output_types"], op._attrs["output_shapes"]))


for _type, _make in (
    ("DatasetToSingleElement", _single_element_kernel),
    ("ReduceDataset", _reduce_kernel),
):
    registry.register(_type, _outputs_infer, kernels={"CPU": _make}, not_differentiable=True)


def _create(op_type, inputs, specs, attrs):
    flat = structure.flatten(specs)
    attrs = dict(attrs)
    attrs["output_types"] = [s.dtype for s in flat]
    attrs["output_shapes"] = [TensorShape(s.shape) for s in flat]
    attrs.setdefault("metadata", b"")
    op = get_default_graph().create_op(op_type, inputs, attrs, name=op_type)
    return structure.pack_as(specs, list(op.outputs))


def get_single_element(dataset):
    """The one element of ``dataset`` as tensors (op ``DatasetToSingleElement``); running
    it raises InvalidArgumentError when the dataset is empty or has more elements.

        >>> import teachflow as tf
        >>> x = tf.data.experimental.get_single_element(tf.data.Dataset.range(3).batch(5))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [0 1 2]
    """
    return _create("DatasetToSingleElement", [dataset._variant_tensor], dataset._element_spec, {})


def _relaxed(a, b):
    """The most specific spec both ``a`` and ``b`` fit (TF weakens the state's shape
    until ``reduce_func`` returns what it was given)."""
    if a.dtype != b.dtype:
        raise TypeError(
            "The element types for the new state must match the initial state. "
            f"Expected {a.dtype}; got {b.dtype}."
        )
    sa, sb = TensorShape(a.shape), TensorShape(b.shape)
    if sa.ndims is None or sb.ndims is None or sa.ndims != sb.ndims:
        return TensorSpec(a.dtype, TensorShape(None))
    dims = [x if x == y else None for x, y in zip(sa.as_list(), sb.as_list())]
    return TensorSpec(a.dtype, TensorShape(dims))


def trace_with_state(dataset, initial, fn, what, split=None):
    """Trace ``fn(state, element)`` until the state's shape is a fixed point (TF weakens
    it where ``fn`` returns another): ``(function, state specs)``. ``split`` picks the
    new state out of the outputs (all of them for reduce, the first for scan)."""
    state_spec = structure.spec_of(initial)
    while True:
        fn_traced = functions.trace(
            fn, (state_spec, dataset._element_spec), f"{what}_{next(_fn_ids)}"
        )
        out = fn_traced.output_structure if split is None else split(fn_traced.output_structure)
        flat_state, flat_out = structure.flatten(state_spec), structure.flatten(out)
        if len(flat_state) != len(flat_out):
            raise TypeError(
                "The element classes for the new state must match the initial state. "
                f"Expected {state_spec}; got {out}."
            )
        relaxed = [_relaxed(a, b) for a, b in zip(flat_state, flat_out)]
        if all(TensorShape(r.shape) == TensorShape(a.shape) for r, a in zip(relaxed, flat_state)):
            return fn_traced, state_spec
        state_spec = structure.pack_as(state_spec, relaxed)


def reduce(dataset, initial_state, reduce_func):
    """``reduce_func(state, element)`` folded over ``dataset`` from ``initial_state``
    (op ``ReduceDataset``); see `Dataset.reduce`."""
    with name_scope("normalize_element"):
        initial = structure.to_tensors(initial_state)
    flat_initial = structure.flatten(initial)
    fn, state_spec = trace_with_state(dataset, initial, reduce_func, "reduce")
    attrs = {
        "f": fn.as_attr(),
        "Tstate": [t.dtype.base_dtype for t in flat_initial],
        "Targuments": [t.dtype.base_dtype for t in fn.captured],
        "use_inter_op_parallelism": True,
    }
    inputs = [dataset._variant_tensor, *flat_initial, *fn.captured]
    return _create("ReduceDataset", inputs, state_spec, attrs)


def seed_tensors(seed):
    """TF's ``tf.data`` seeds: ``seed`` and a ``seed2`` that is never 0 when ``seed`` is 0
    (a ``SelectV2`` named ``seed2`` when the op has a seed)."""
    from teachflow.ops.comparison_ops import equal, logical_and, where_v2
    from teachflow.ops.constant_op import constant

    seed, seed2 = random_seed.get_seed(seed)
    if seed is None:
        seed = constant(0, dtype=dtypes.int64, name="seed")
    else:
        seed = convert_to_tensor(seed, dtype=dtypes.int64, name="seed")
    if seed2 is None:
        return seed, constant(0, dtype=dtypes.int64, name="seed2")
    with name_scope("seed2") as scope:
        seed2 = convert_to_tensor(seed2, dtype=dtypes.int64)
        seed2 = where_v2(
            logical_and(equal(seed, 0), equal(seed2, 0)),
            constant(2**31 - 1, dtype=dtypes.int64), seed2, name=scope,
        )  # fmt: skip
    return seed, seed2
