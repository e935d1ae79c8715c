"""``tf.data.Dataset``: an input pipeline built as ops of the graph.

Each method adds one dataset op to the default graph (``Dataset.range(5)`` adds
``RangeDataset``, ``.batch(2)`` a ``BatchDatasetV2`` that takes it as input) and returns
a new Dataset holding that op's variant tensor and the structure of its elements (a
nest of dtypes and static shapes: ``output_types``, ``output_shapes``). A function given
to ``map``, ``filter`` or ``interleave`` is traced once into a function graph that the
op carries. Nothing is read until an iterator (`teachflow.data.iterator_ops`) asks for
elements.

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.range(5).map(lambda x: x * 2).batch(2)
    >>> ds.output_types, ds.output_shapes
    (tf.int64, TensorShape([Dimension(None)]))
    >>> nxt = tf.data.make_one_shot_iterator(ds).get_next()
    >>> with tf.Session() as sess:
    ...     print(sess.run(nxt), sess.run(nxt), sess.run(nxt))
    [0 2] [4 6] [8]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, random_seed
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import colocate_with, name_scope
from teachflow.framework.shapes import TensorShape, as_shape, dimension_value
from teachflow.ops.static_value import constant_value, constant_value_as_shape

from . import functions, structure
from . import options as data_options
from .structure import ElementStructure, TensorSpec

AUTOTUNE = -1
_fn_ids = iter(range(1, 1 << 62))


def _int64(value, name):
    return convert_to_tensor(value, dtype=dtypes.int64, name=name)


def _static_int(t):
    v = constant_value(t)
    return None if v is None else int(v)


class Dataset(ElementStructure):
    """A sequence of elements, each a nest of tensors with the same structure.

    Build one with a source (`from_tensor_slices`, `from_tensors`, `range`, `zip`,
    `tf.data.TextLineDataset`) and transformations; read it with
    ``make_one_shot_iterator()`` or ``make_initializable_iterator()``."""

    def __init__(self, variant_tensor, element_spec):
        self._variant_tensor = variant_tensor
        self._element_spec = element_spec  # a nest of TensorSpec

    # -- what an element is (element_spec, output_types, ...: see ElementStructure) ---------
    def _flat_specs(self):
        return structure.flatten(self._element_spec)

    def __repr__(self):
        # TF 1.15's: every tf.data.Dataset of a TF1 program is a DatasetV1Adapter; shapes as
        # str() writes them ((?, 4)), types as repr() (tf.int64), no quotes.
        from teachflow.data.structure import map_structure

        shapes = str(map_structure(str, self.output_shapes)).replace("'", "")
        types = str(map_structure(repr, self.output_types)).replace("'", "")
        return f"<DatasetV1Adapter shapes: {shapes}, types: {types}>"

    def __iter__(self):
        raise RuntimeError(
            "__iter__() is only supported inside of tf.function or when eager execution is "
            "enabled. In a graph, use make_one_shot_iterator().get_next() and Session.run."
        )

    # -- building ops ------------------------------------------------------------------
    @staticmethod
    def _op(op_type, inputs, element_spec, attrs=None, name=None):
        specs = structure.flatten(element_spec)
        attrs = dict(attrs or {})
        attrs["output_types"] = [s.dtype for s in specs]
        attrs["output_shapes"] = [TensorShape(s.shape) for s in specs]
        op = get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)
        return Dataset(op.outputs[0], element_spec)

    def _unary(self, op_type, inputs, element_spec=None, attrs=None):
        spec = self._element_spec if element_spec is None else element_spec
        return Dataset._op(op_type, [self._variant_tensor, *inputs], spec, attrs)

    def _trace(self, fn, what):
        return functions.trace(fn, self._element_spec, f"{what}_{next(_fn_ids)}")

    # -- sources ---------------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors):
        """A dataset of one element: ``tensors`` (a tensor or nest of them)."""
        with name_scope("normalize_element"):
            element = structure.to_tensors(tensors)
        flat = structure.flatten(element)
        attrs = {"Toutput_types": [t.dtype.base_dtype for t in flat]}
        return Dataset._op("TensorDataset", flat, structure.spec_of(element), attrs)

    @staticmethod
    def from_tensor_slices(tensors):
        """A dataset of the slices of ``tensors`` along dimension 0 (all the same size).

        >>> import teachflow as tf
        >>> tf.data.Dataset.from_tensor_slices(([1, 2], [[1.0], [2.0]])).output_shapes
        (TensorShape([]), TensorShape([Dimension(1)]))
        """
        with name_scope("normalize_element"):
            element = structure.to_tensors(tensors)
        flat = structure.flatten(element)
        first = None
        for t in flat:
            shape = t.shape.with_rank_at_least(1)
            if first is None:
                first = dimension_value(shape[0])
            elif (
                first is not None
                and dimension_value(shape[0]) is not None
                and dimension_value(shape[0]) != first
            ):
                raise ValueError(f"Dimensions {first} and {shape[0]} are not compatible")
        spec = structure.map_structure(
            lambda t: TensorSpec(t.dtype.base_dtype, t.shape[1:]), element
        )
        attrs = {"Toutput_types": [t.dtype.base_dtype for t in flat]}
        return Dataset._op("TensorSliceDataset", flat, spec, attrs)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None):  # fmt: skip
        """A dataset of the elements a Python generator yields; see
        `teachflow.data.generator_dataset`."""
        from .generator_dataset import from_generator

        return from_generator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args):
        """int64 elements ``range(stop)``, ``range(start, stop)``, ``range(start, stop, step)``.

        >>> import teachflow as tf
        >>> tf.data.Dataset.range(3).output_types
        tf.int64
        """
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to Dataset.range(): {args}")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        inputs = [_int64(v, n) for v, n in ((start, "start"), (stop, "stop"), (step, "step"))]
        return Dataset._op("RangeDataset", inputs, TensorSpec(dtypes.int64, TensorShape([])))

    @staticmethod
    def zip(datasets):
        """Elements made of one element of each dataset (a tuple or dict of datasets),
        until the shortest ends."""
        leaves = structure.flatten(datasets)
        if not all(isinstance(d, Dataset) for d in leaves):
            raise TypeError(
                "The argument to `Dataset.zip()` must be a (nested) structure of `Dataset` objects."
            )
        spec = structure.pack_as(datasets, [d._element_spec for d in leaves])
        inputs = [d._variant_tensor for d in leaves]
        return Dataset._op("ZipDataset", inputs, spec, {"N": len(inputs)})

    # -- transformations -------------------------------------------------------------------
    def enumerate(self, start=0):
        """``(index, element)`` pairs, the index an int64 counting from ``start``: TF's
        zip of a range (to int64's maximum, marked ``replicate_on_split``) with this dataset.

        >>> import teachflow as tf
        >>> tf.data.Dataset.from_tensor_slices([7, 8]).enumerate(5).output_types
        (tf.int64, tf.int32)
        """
        indices = Dataset.range(start, np.iinfo(np.int64).max)
        with name_scope("RewriteDataset") as scope:
            rewrite = convert_to_tensor("replicate_on_split", name="rewrite_name")
            indices = Dataset._op(
                "RewriteDataset",
                [indices._variant_tensor, rewrite],
                indices._element_spec,
                name=scope,
            )
        return Dataset.zip((indices, self))

    def repeat(self, count=None):
        """The dataset ``count`` times over (None or -1: forever)."""
        return self._unary("RepeatDataset", [_int64(-1 if count is None else count, "count")])

    def take(self, count):
        """At most the first ``count`` elements (-1: all)."""
        return self._unary("TakeDataset", [_int64(count, "count")])

    def skip(self, count):
        """All but the first ``count`` elements (-1: none)."""
        return self._unary("SkipDataset", [_int64(count, "count")])

    def concatenate(self, dataset):
        """This dataset's elements, then those of ``dataset`` (same types)."""
        mine, theirs = self._flat_specs(), dataset._flat_specs()
        if not structure.same_structure(self._element_spec, dataset._element_spec) or [
            s.dtype for s in mine
        ] != [s.dtype for s in theirs]:
            raise TypeError(
                f"Two datasets to concatenate have different types {self.output_types} and "
                f"{dataset.output_types}"
            )
        merged = [
            TensorSpec(a.dtype, _most_specific(a.shape, b.shape)) for a, b in zip(mine, theirs)
        ]
        spec = structure.pack_as(self._element_spec, merged)
        return self._unary("ConcatenateDataset", [dataset._variant_tensor], spec)

    def batch(self, batch_size, drop_remainder=False):
        """Consecutive elements stacked into batches of ``batch_size`` (the last one may be
        smaller unless ``drop_remainder``).

        >>> import teachflow as tf
        >>> tf.data.Dataset.range(5).batch(2, drop_remainder=True).output_shapes
        TensorShape([Dimension(2)])
        """
        size = _int64(batch_size, "batch_size")
        drop = convert_to_tensor(bool(drop_remainder), dtype=dtypes.bool_, name="drop_remainder")
        dim = _static_int(size) if drop_remainder else None
        spec = structure.map_structure(
            lambda s: TensorSpec(s.dtype, TensorShape([dim]).concatenate(s.shape)),
            self._element_spec,
        )
        return self._unary("BatchDatasetV2", [size, drop], spec, {"parallel_copy": False})

    def padded_batch(
        self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False
    ):
        """As `batch`, padding each component to ``padded_shapes`` (None/-1 dims: to the
        longest in the batch) with ``padding_values`` (default 0 or b"")."""
        specs = self._flat_specs()
        if padded_shapes is None:
            leaves = [s.shape for s in specs]
        else:
            leaves = [leaf.value for leaf in structure.flatten(_shapes_nest(padded_shapes))]
        # TF's order and names: batch_size, the shapes (Const...), padding_value..., drop.
        size = _int64(batch_size, "batch_size")
        # A shape may hold tensors (a bucket's boundary - 1): then it is a tensor, and its
        # static shape what the graph knows of its value, as TF's _padded_shape_to_tensor.
        shapes, shape_ts = [], []
        for leaf in leaves:
            try:
                shape = as_shape(_constant_dims(leaf))
            except (TypeError, ValueError):
                shape = None
            if shape is not None:
                dims = [-1 if d is None else d for d in shape.as_list()] if shape.rank else []
                shape_ts.append(_int64(dims, "Const"))
            else:
                shape_ts.append(_padded_shape_tensor(leaf))
                shape = constant_value_as_shape(shape_ts[-1])
            shapes.append(shape)
        if any(s.rank is None for s in shapes):
            raise ValueError("padded_batch needs a known rank for every component")
        if padding_values is None:
            values = [b"" if s.dtype is dtypes.string else s.dtype.as_numpy_dtype(0) for s in specs]
        elif len(structure.flatten(self._element_spec)) > 1 and not _nested(padding_values):
            values = [padding_values] * len(specs)  # one value for every component, as TF
        else:
            values = structure.flatten(padding_values)
        value_ts = [_padding_value(v, s.dtype) for v, s in zip(values, specs)]
        drop = convert_to_tensor(bool(drop_remainder), dtype=dtypes.bool_, name="drop_remainder")
        dim = _static_int(size) if drop_remainder else None
        out = [
            TensorSpec(s.dtype, TensorShape([dim]).concatenate(p)) for s, p in zip(specs, shapes)
        ]
        spec = structure.pack_as(self._element_spec, out)
        attrs = {"Toutput_types": [v.dtype.base_dtype for v in value_ts], "N": len(shape_ts)}
        return self._unary("PaddedBatchDatasetV2", [size, *shape_ts, *value_ts, drop], spec, attrs)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        """Elements in random order, drawn from a buffer of ``buffer_size`` elements.

        With a seed (or a graph-level seed) the order is the same in every new session;
        each pass of a ``repeat`` reshuffles unless ``reshuffle_each_iteration=False``."""
        seed1, seed2 = random_seed.get_seed(seed)
        inputs = [
            _int64(buffer_size, "buffer_size"),
            _int64(seed1 or 0, "seed"),
            _int64(seed2 or 0, "seed2"),
        ]
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return self._unary("ShuffleDataset", inputs, attrs={"reshuffle_each_iteration": reshuffle})

    def map(self, map_func, num_parallel_calls=None):
        """``map_func`` applied to every element (traced once into the graph).

        A tuple element is passed as separate arguments, anything else as one. With
        ``num_parallel_calls`` the op is ``ParallelMapDataset``; elements keep their order.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(3).map(lambda x: (x, tf.cast(x, tf.float32)))
        >>> ds.output_types
        (tf.int64, tf.float32)
        """
        fn = self._trace(map_func, "map")
        if fn.output_names and isinstance(fn.output_structure, Dataset):
            raise TypeError("`map_func` must not return a Dataset; use flat_map or interleave")
        inputs = list(fn.captured)
        op_type = "MapDataset"
        if num_parallel_calls is not None:
            op_type = "ParallelMapDataset"
            inputs.append(
                convert_to_tensor(num_parallel_calls, dtypes.int32, name="num_parallel_calls")
            )
        attrs = {"f": fn.as_attr(), "Targuments": [t.dtype.base_dtype for t in fn.captured]}
        return self._unary(op_type, inputs, fn.output_structure, attrs)

    def filter(self, predicate):
        """The elements for which ``predicate`` (traced once) returns True."""
        fn = self._trace(predicate, "filter")
        specs = fn.output_specs
        if (
            len(specs) != 1
            or specs[0].dtype is not dtypes.bool_
            or specs[0].shape.rank not in (0, None)
        ):
            raise ValueError(
                "`predicate` return type must be convertible to a scalar boolean tensor. "
                f"Was {fn.output_structure}."
            )
        attrs = {"predicate": fn.as_attr(), "Targuments": [t.dtype.base_dtype for t in fn.captured]}
        return self._unary("FilterDataset", list(fn.captured), attrs=attrs)

    def _dataset_fn(self, map_func, what):
        fn = self._trace(map_func, what)
        if not isinstance(fn.output_structure, Dataset):
            raise TypeError(
                f"`map_func` must return a `Dataset` object. Got {fn.output_structure!r}"
            )
        attrs = {"f": fn.as_attr(), "Targuments": [t.dtype.base_dtype for t in fn.captured]}
        return fn, attrs

    def flat_map(self, map_func):
        """The elements of the dataset ``map_func`` returns for each element, in turn."""
        fn, attrs = self._dataset_fn(map_func, "flat_map")
        return self._unary(
            "FlatMapDataset", list(fn.captured), fn.output_structure._element_spec, attrs
        )

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None):
        """Elements of the datasets ``map_func`` returns, ``cycle_length`` of them open at
        once, ``block_length`` consecutive elements from each in turn.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(1, 4).interleave(
        ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)
        >>> nxt = ds.make_one_shot_iterator().get_next()
        >>> with tf.Session() as sess:
        ...     print([int(sess.run(nxt)) for _ in range(6)])
        [1, 2, 1, 2, 3, 3]
        """
        if cycle_length is None or cycle_length == AUTOTUNE:
            import os

            cycle_length = os.cpu_count() or 1  # TF's AUTOTUNE: the number of CPU cores
        fn, attrs = self._dataset_fn(map_func, "interleave")
        inputs = [
            *fn.captured,
            _int64(cycle_length, "cycle_length"),
            _int64(block_length, "block_length"),
        ]
        return self._unary("InterleaveDataset", inputs, fn.output_structure._element_spec, attrs)

    def unbatch(self):
        """The rows (dimension 0) of every element, one element each: `batch` undone.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(5).batch(2).unbatch()
        >>> ds.output_shapes
        TensorShape([])
        >>> nxt = ds.make_one_shot_iterator().get_next()
        >>> with tf.Session() as sess:
        ...     print([int(sess.run(nxt)) for _ in range(5)])
        [0, 1, 2, 3, 4]
        """
        specs = self._flat_specs()
        if any(s.shape.rank == 0 for s in specs):
            raise ValueError("Cannot unbatch an input with scalar components.")
        spec = structure.map_structure(
            lambda s: TensorSpec(s.dtype, s.shape[1:] if s.shape.rank else TensorShape(None)),
            self._element_spec,
        )
        return self._unary("UnbatchDataset", [], spec)

    def prefetch(self, buffer_size):
        """The same elements (TF produces up to ``buffer_size`` of them ahead of time)."""
        return self._unary("PrefetchDataset", [_int64(buffer_size, "buffer_size")])

    def cache(self, filename=""):
        """The same elements; the first full pass is kept and replayed by later passes."""
        name = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
        return self._unary("CacheDataset", [name])

    def with_options(self, options, name=None):
        """The same elements, with ``options`` (a `tf.data.Options`) set on the pipeline: an
        ``OptionsDataset`` op colocated with this dataset's (see `teachflow.data.options`)."""
        with colocate_with(self._variant_tensor.op):
            attrs = {"serialized_options": options.serialize(), "metadata": b""}
            return Dataset._op(
                "OptionsDataset", [self._variant_tensor], self._element_spec, attrs, name
            )

    def options(self):
        """The `tf.data.Options` set on this pipeline, merged (None for an option unset)."""
        return data_options.options_of(self._variant_tensor)

    def apply(self, transformation_func):
        """``transformation_func(self)``: a reusable chain of transformations."""
        return transformation_func(self)

    def reduce(self, initial_state, reduce_func):
        """``reduce_func(state, element)`` folded over every element from
        ``initial_state``: one ``ReduceDataset`` op whose outputs are the final state
        (see `teachflow.data.experimental_ops`).

        >>> import teachflow as tf
        >>> n = tf.data.Dataset.range(4).reduce(tf.constant(0, tf.int64), lambda s, _: s + 1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(n))
        4
        """
        from .experimental_ops import reduce

        return reduce(self, initial_state, reduce_func)

    # -- grouping and choosing (teachflow.data.grouping) --------------------------------------
    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None):
        """Windows of elements with one key, each reduced to a dataset; see
        `tf.data.experimental.group_by_window`."""
        from .grouping import group_by_window

        return group_by_window(key_func, reduce_func, window_size, window_size_func)(self)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, **kwargs):  # fmt: skip
        """Padded batches by length bucket; see
        `tf.data.experimental.bucket_by_sequence_length`."""
        from .grouping import bucket_by_sequence_length

        return bucket_by_sequence_length(
            element_length_func, bucket_boundaries, bucket_batch_sizes, **kwargs
        )(self)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """``datasets[i]``'s next element for each ``i`` of ``choice_dataset``; see
        `tf.data.experimental.choose_from_datasets` (whose default is not to stop)."""
        from .grouping import choose_from_datasets

        return choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
        """Elements drawn at random from ``datasets``; see
        `tf.data.experimental.sample_from_datasets`."""
        from .grouping import sample_from_datasets

        return sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)

    # -- iterators -------------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """An iterator that needs no initialization (the dataset must not use placeholders
        or variables)."""
        from .iterator_ops import make_one_shot_iterator

        return make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator that starts (over) whenever its ``initializer`` runs."""
        from .iterator_ops import make_initializable_iterator

        return make_initializable_iterator(self, shared_name)


def _most_specific(a, b):
    """The shape both ``a`` and ``b`` fit: dims that differ become unknown."""
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _constant_dims(leaf):
    """A list of dims with the constant tensors in it as their values (TF reads them so)."""
    if isinstance(leaf, list):
        return [_static_int(d) if isinstance(d, Tensor) and _static_int(d) is not None else d
                for d in leaf]  # fmt: skip
    return leaf


def _padded_shape_tensor(leaf):
    """A padded shape that holds tensors, as an int64 vector (TF's messages otherwise)."""
    t = convert_to_tensor(leaf, preferred_dtype=dtypes.int64)
    if t.shape.ndims is not None and t.shape.ndims != 1:
        raise ValueError(
            f"Padded shape {leaf} must be a `tf.int64` vector tensor, but its shape was {t.shape}."
        )
    if t.dtype.base_dtype is dtypes.int32:  # TF takes an int32 dim (a placeholder) too
        from teachflow.ops.arithmetic_ops import cast

        t = cast(t, dtypes.int64)
    if t.dtype.base_dtype is not dtypes.int64:
        raise TypeError(
            f"Padded shape {leaf} must be a `tf.int64` vector tensor, but its element type "
            f"was {t.dtype.base_dtype.name}."
        )
    return t


def _nested(value):
    return isinstance(value, dict) or (isinstance(value, tuple) and not isinstance(value, Tensor))


def _padding_value(value, dtype):
    """A padding value as a scalar tensor of the component's dtype, converted on its own
    first (``-1`` is an int32: no padding for int64 or float components), as in TF."""
    t = convert_to_tensor(value, name="padding_value")
    if not t.shape.is_compatible_with(TensorShape([])):
        raise ValueError(
            "Invalid `padding_values`. `padding_values` values should be scalars, but got "
            f"{t.shape}."
        )
    if t.dtype.base_dtype is not dtype:
        raise TypeError(
            f"Invalid `padding_values`. `padding_values` values type {t.dtype.base_dtype} does "
            f"not match type {dtype} of the corresponding input component."
        )
    return t


class _ShapeLeaf:
    """One component's padded shape as given (a list, a TensorShape, a tensor...)."""

    def __init__(self, value):
        self.value = value


def _shapes_nest(padded_shapes):
    # A shape written as a list ([None, 3]) is one leaf, not a structure.
    if isinstance(padded_shapes, dict):
        return {k: _shapes_nest(v) for k, v in padded_shapes.items()}
    if isinstance(padded_shapes, tuple) and not isinstance(padded_shapes, TensorShape):
        return tuple(_shapes_nest(v) for v in padded_shapes)
    return _ShapeLeaf(padded_shapes)
