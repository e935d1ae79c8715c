"""``tf.data.experimental``'s grouping and choosing transformations, built as TF's Python
builds them: `group_by_window` (op ``GroupByWindowDataset``), `bucket_by_sequence_length`
(a group_by_window whose windows are padded batches, one bucket per length range),
`choose_from_datasets` (``DirectedInterleaveDataset`` led by a dataset of indices) and
`sample_from_datasets` (the same, led by ``StatelessMultinomial`` draws seeded from a
``RandomDataset``, so the draws are TensorFlow's).

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.range(6).apply(tf.data.experimental.group_by_window(
    ...     lambda x: x % 2, lambda key, window: window.batch(3), window_size=3))
    >>> ds.output_shapes
    TensorShape([Dimension(None)])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

from . import functions, grouping_ops, structure  # noqa: F401 - grouping_ops registers kernels
from .dataset_ops import Dataset, _most_specific
from .structure import TensorSpec

_fn_ids = iter(range(1, 1 << 62))
_KEY = TensorSpec(dtypes.int64, TensorShape([]))


def _in_function(t):
    """``t`` as the function being traced sees it: captured when it is an outer tensor
    (ops that build in their input's graph would otherwise build outside)."""
    from teachflow.framework.graph import get_default_graph

    g = get_default_graph()
    return g.capture(t) if isinstance(g, functions.FuncGraph) and t.graph is not g else t


def _is_int64_scalar(fn):
    specs = fn.output_specs
    return (
        not isinstance(fn.output_structure, Dataset)
        and len(specs) == 1
        and specs[0].dtype == dtypes.int64
        and TensorShape(specs[0].shape).is_compatible_with(TensorShape([]))
    )


def _int64_fn(fn, arg_specs, what):
    traced = functions.trace(
        lambda *args: convert_to_tensor(fn(*args), dtype=dtypes.int64),
        arg_specs, f"{what}_{next(_fn_ids)}",
    )  # fmt: skip
    if not _is_int64_scalar(traced):
        raise ValueError(
            f"Invalid `{what}`. `{what}` must return a single `tf.int64` scalar tensor but "
            f"its return type is {traced.output_structure}."
        )
    return traced


def _group_by_window(dataset, key_func, reduce_func, window_size_func):
    key_fn = _int64_fn(key_func, dataset._element_spec, "key_func")
    spec = dataset._element_spec
    reduce_fn = functions.trace(
        lambda key, window: reduce_func(key, Dataset(window, spec)),
        (_KEY, TensorSpec(dtypes.variant, TensorShape([]))),
        f"reduce_func_{next(_fn_ids)}",
    )
    if not isinstance(reduce_fn.output_structure, Dataset):
        raise TypeError(
            "Invalid `reduce_func`. `reduce_func` must return a single `tf.data.Dataset` "
            f"object but its return type is {reduce_fn.output_structure}."
        )
    size_fn = _int64_fn(window_size_func, (_KEY,), "window_size_func")
    fns = {"key_func": key_fn, "reduce_func": reduce_fn, "window_size_func": size_fn}
    attrs = {name: fn.as_attr() for name, fn in fns.items()}
    inputs = []
    for name, fn in fns.items():
        attrs[f"T{name}_other_arguments"] = [t.dtype.base_dtype for t in fn.captured]
        inputs.extend(fn.captured)
    attrs["metadata"] = b""
    out = reduce_fn.output_structure._element_spec
    return dataset._unary("GroupByWindowDataset", inputs, out, attrs)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """``dataset.apply(group_by_window(...))``: elements grouped by ``key_func(element)``
    (an int64 scalar); each window of ``window_size`` (or ``window_size_func(key)``)
    elements of one key goes to ``reduce_func(key, window_dataset)``, whose elements come
    out. At the end, the unfinished windows are reduced in increasing key order.

    Raises ValueError unless exactly one of ``window_size`` and ``window_size_func`` is
    given; running it raises InvalidArgumentError for a window size below one.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(5).apply(tf.data.experimental.group_by_window(
        ...     lambda x: x % 2, lambda key, window: window.batch(2), window_size=2))
        >>> it = tf.data.make_one_shot_iterator(ds).get_next()
        >>> with tf.Session() as sess:
        ...     print([sess.run(it).tolist() for _ in range(3)])
        [[0, 2], [1, 3], [4]]
    """
    if (window_size is not None and window_size_func) or not (
        window_size is not None or window_size_func
    ):
        raise ValueError(
            "Either the `window_size` argument or the `window_size_func` argument must be "
            "specified."
        )
    if window_size is not None:

        def window_size_func(unused_key):
            return convert_to_tensor(window_size, dtype=dtypes.int64)

    return lambda dataset: _group_by_window(dataset, key_func, reduce_func, window_size_func)


def _padded_shapes(shapes, none_filler=None):
    """Each shape as a list, its unknown dims ``none_filler`` (TF's make_padded_shapes)."""

    def padded(shape):
        return [none_filler if d is None else d for d in TensorShape(shape).as_list()]

    return structure.map_structure(padded, shapes)


def bucket_by_sequence_length(
    element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes=None,
    padding_values=None, pad_to_bucket_boundary=False, no_padding=False,
    drop_remainder=False,
):  # fmt: skip
    """``dataset.apply(bucket_by_sequence_length(...))``: elements sorted into buckets by
    ``element_length_func(element)`` (bucket ``i`` holds lengths in
    ``[boundaries[i-1], boundaries[i])``) and batched, padded, ``bucket_batch_sizes[i]``
    at a time; a group_by_window, as TensorFlow builds it.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices([1, 3, 2, 4]).map(
        ...     lambda n: tf.fill([n], n)).apply(
        ...     tf.data.experimental.bucket_by_sequence_length(
        ...         lambda e: tf.shape(e)[0], [3], [2, 2]))
        >>> it = tf.data.make_one_shot_iterator(ds).get_next()
        >>> with tf.Session() as sess:
        ...     print(sess.run(it).tolist())
        [[1, 0], [2, 2]]
    """
    from teachflow.ops import comparison_ops, constant_op, reduction_ops

    if len(bucket_batch_sizes) != len(bucket_boundaries) + 1:
        raise ValueError(
            "`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` but "
            f"`len(bucket_batch_sizes)={len(bucket_batch_sizes)}` and "
            f"`len(bucket_boundaries)={len(bucket_boundaries)}`."
        )

    def apply(dataset):
        batch_sizes = constant_op.constant(bucket_batch_sizes, dtype=dtypes.int64)

        def element_to_bucket_id(*args):
            seq_length = element_length_func(*args)
            boundaries = list(bucket_boundaries)
            buckets_min = [np.iinfo(np.int32).min, *boundaries]
            buckets_max = [*boundaries, np.iinfo(np.int32).max]
            conditions = comparison_ops.logical_and(
                comparison_ops.less_equal(buckets_min, seq_length),
                comparison_ops.less(seq_length, buckets_max),
            )
            return reduction_ops.reduce_min(comparison_ops.where(conditions))

        def window_size_fn(bucket_id):
            return _in_function(batch_sizes)[bucket_id]

        def batching_fn(bucket_id, grouped):
            batch_size = window_size_fn(bucket_id)
            if no_padding:
                return grouped.batch(batch_size, drop_remainder=drop_remainder)
            none_filler = None
            if pad_to_bucket_boundary:
                # Unknown dims padded to the bucket's boundary - 1; the last bucket has no
                # boundary, so an element that long fails the assert, as in TF.
                from teachflow.framework.scopes import control_dependencies
                from teachflow.ops import check_ops

                check = check_ops.assert_less(
                    bucket_id,
                    constant_op.constant(len(bucket_batch_sizes) - 1, dtype=dtypes.int64),
                    message="When pad_to_bucket_boundary=True, elements must have length "
                    "< max(bucket_boundaries).",
                )
                with control_dependencies([check]):
                    boundaries = constant_op.constant(bucket_boundaries, dtype=dtypes.int64)
                    none_filler = boundaries[bucket_id] - 1
            shapes = _padded_shapes(padded_shapes or grouped.output_shapes, none_filler)
            return grouped.padded_batch(
                batch_size, shapes, padding_values, drop_remainder=drop_remainder
            )

        return _group_by_window(dataset, element_to_bucket_id, batching_fn, window_size_fn)

    return apply


def _directed_interleave(selector, datasets, stop_on_empty_dataset):
    spec = datasets[0]._element_spec
    for i, d in enumerate(datasets[1:], 1):
        theirs = d._element_spec
        flat, other = structure.flatten(spec), structure.flatten(theirs)
        if not structure.same_structure(spec, theirs) or [s.dtype for s in flat] != [
            s.dtype for s in other
        ]:
            raise TypeError(
                "Invalid `datasets`. `datasets` must have compatible element specs.\n "
                f"Dataset 0 element_spec={datasets[0]._element_spec}.\n"
                f"Dataset {i} element_spec={theirs}."
            )
        merged = [
            TensorSpec(a.dtype, _most_specific(a.shape, b.shape)) for a, b in zip(flat, other)
        ]
        spec = structure.pack_as(spec, merged)
    attrs = {"N": len(datasets), "stop_on_empty_dataset": bool(stop_on_empty_dataset)}
    inputs = [d._variant_tensor for d in datasets]
    return selector._unary("DirectedInterleaveDataset", inputs, spec, attrs)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=False):
    """The element of ``datasets[i]`` for each ``i`` (an int64 scalar) of
    ``choice_dataset``, in turn (op ``DirectedInterleaveDataset``); a choice of an
    exhausted dataset is skipped, or ends the result with ``stop_on_empty_dataset``.

        >>> import teachflow as tf
        >>> choice = tf.data.Dataset.from_tensor_slices(tf.constant([1, 0, 1], tf.int64))
        >>> ds = tf.data.experimental.choose_from_datasets(
        ...     [tf.data.Dataset.range(2), tf.data.Dataset.range(10, 12)], choice)
        >>> x = tf.data.experimental.get_single_element(ds.batch(3))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [10  0 11]
    """
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    if not isinstance(choice_dataset, Dataset):
        raise TypeError(
            "Invalid `choice_dataset`. `choice_dataset` should be a `tf.data.Dataset` but "
            f"is {type(choice_dataset)}."
        )
    specs = choice_dataset._flat_specs()
    if not (
        len(specs) == 1
        and specs[0].dtype == dtypes.int64
        and TensorShape(specs[0].shape).is_compatible_with(TensorShape([]))
    ):
        raise TypeError(
            "Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar `tf.int64` "
            f"tensors but are {choice_dataset._element_spec}."
        )
    with name_scope("RewriteDataset") as scope:
        rewrite = convert_to_tensor("replicate_on_split", name="rewrite_name")
        choice = Dataset._op(
            "RewriteDataset", [choice_dataset._variant_tensor, rewrite],
            choice_dataset._element_spec, name=scope,
        )  # fmt: skip
    return _directed_interleave(choice, list(datasets), stop_on_empty_dataset)


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    """Elements drawn at random from ``datasets``, dataset ``i`` with probability
    ``weights[i]`` (default: uniform); TensorFlow's draws for a given ``seed`` (a
    ``StatelessMultinomial`` per element, seeded by a ``RandomDataset``).

        >>> import teachflow as tf
        >>> ds = tf.data.experimental.sample_from_datasets(
        ...     [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], seed=1)
        >>> x = tf.data.experimental.get_single_element(ds.batch(6))
        >>> with tf.Session() as sess:
        ...     print(sorted(sess.run(x).tolist()))
        [0, 1, 2, 10, 11, 12]
    """
    from teachflow.ops import reshaping, unary_ops
    from teachflow.ops.stateless_samplers import _multinomial

    from .experimental_ops import seed_tensors

    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    if weights is None:
        logits = [[1.0] * len(datasets)]
    else:
        if len(datasets) != len(weights):
            raise ValueError(
                "Invalid `weights`. `weights` should have the same length as `datasets` but "
                f"got `len(weights)={len(weights)}` vs. `len(datasets)={len(datasets)}`."
            )
        kept = [(d, w) for d, w in zip(datasets, weights) if w > 0]
        datasets, weights = (
            ([d for d, _ in kept], [w for _, w in kept]) if kept else ([datasets[0].take(0)], [1.0])
        )
        weights = convert_to_tensor(weights, name="weights")
        if weights.dtype not in (dtypes.float32, dtypes.float64):
            raise TypeError(
                "Invalid `weights`. `weights` type must be either `tf.float32` or `tf.float64` "
                f"but is {weights.dtype}."
            )
        logits = reshaping.expand_dims(unary_ops.log(weights, name="logits"), 0)
    if len(datasets) == 1:
        return datasets[0]

    seed1, seed2 = seed_tensors(seed)
    random = Dataset._op("RandomDataset", [seed1, seed2], _KEY).batch(2)

    def select(seeds):
        draw = _multinomial(
            _in_function(logits) if hasattr(logits, "graph") else logits, 1, dtypes.int64, seeds
        )
        return reshaping.squeeze(draw, axis=[0, 1])

    fn = random._trace(select, "select_dataset_constant_logits")
    attrs = {
        "f": fn.as_attr(), "Targuments": [t.dtype.base_dtype for t in fn.captured],
        "use_inter_op_parallelism": False,
    }  # fmt: skip
    selector = random._unary("MapDataset", list(fn.captured), fn.output_structure, attrs)
    return _directed_interleave(selector, datasets, stop_on_empty_dataset)
