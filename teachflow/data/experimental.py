"""``tf.data.experimental``: the names TF1-era pipelines take from it.

>>> import teachflow as tf
>>> tf.data.experimental.AUTOTUNE
-1
>>> tf.data.Dataset.range(4).batch(2).apply(tf.data.experimental.unbatch()).output_shapes
TensorShape([])
"""

from .cardinality import cardinality  # noqa: F401
from .csv_dataset import CsvDataset, make_csv_dataset  # noqa: F401
from .dataset_ops import AUTOTUNE, _int64  # noqa: F401
from .element_views import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY  # noqa: F401
from .experimental_ops import get_single_element  # noqa: F401
from .experimental_ops import seed_tensors as _seed_tensors
from .grouping import (  # noqa: F401
    bucket_by_sequence_length,
    choose_from_datasets,
    group_by_window,
    sample_from_datasets,
)
from .options import ThreadingOptions  # noqa: F401 - tf.data.experimental.ThreadingOptions


def unbatch():
    """``dataset.apply(unbatch())``: TF 1.x's name for `Dataset.unbatch`."""
    return lambda dataset: dataset.unbatch()


def ignore_errors():
    """``dataset.apply(ignore_errors())``: the elements whose computation did not fail
    (op ``IgnoreErrorsDataset``).

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0]).map(
        ...     lambda x: tf.debugging.check_numerics(1.0 / x, "inf"))
        >>> x = tf.data.experimental.get_single_element(
        ...     ds.apply(tf.data.experimental.ignore_errors()).batch(2))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [1.]
    """

    def apply(dataset):
        return dataset._unary("IgnoreErrorsDataset", [], attrs={"log_warning": False})

    return apply


def map_and_batch(
    map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None
):
    """``map(map_func)`` then ``batch(batch_size)`` fused in one op (``MapAndBatchDataset``).

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.range(5).apply(
    ...     tf.data.experimental.map_and_batch(lambda x: x * 2, 2))
    >>> ds.output_shapes
    TensorShape([Dimension(None)])
    """
    from teachflow.framework import dtypes
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.shapes import TensorShape

    from . import structure
    from .structure import TensorSpec

    if num_parallel_batches is None and num_parallel_calls is None:
        num_parallel_calls = batch_size
    elif num_parallel_batches is not None and num_parallel_calls is None:
        num_parallel_calls = batch_size * num_parallel_batches
    elif num_parallel_batches is not None and num_parallel_calls is not None:
        raise ValueError(
            "`map_and_batch` allows only one of `num_parallel_batches` and "
            "`num_parallel_calls` to be set, but `num_parallel_batches` was set to "
            f"{num_parallel_batches} and `num_parallel_calls` as set to {num_parallel_calls}."
        )

    def apply(dataset):
        fn = dataset._trace(map_func, "map_and_batch")
        size = _int64(batch_size, "batch_size")
        calls = _int64(num_parallel_calls, "num_parallel_calls")
        drop = convert_to_tensor(drop_remainder, dtype=dtypes.bool_, name="drop_remainder")
        known = drop_remainder is True and isinstance(batch_size, int)
        dim = batch_size if known else None
        spec = structure.map_structure(
            lambda s: TensorSpec(s.dtype, TensorShape([dim]).concatenate(s.shape)),
            fn.output_structure,
        )
        attrs = {
            "f": fn.as_attr(),
            "Targuments": [t.dtype.base_dtype for t in fn.captured],
            "preserve_cardinality": True,
            "metadata": b"",
        }
        inputs = [*fn.captured, size, calls, drop]
        return dataset._unary("MapAndBatchDataset", inputs, spec, attrs)

    return apply


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """``shuffle(buffer_size, seed)`` then ``repeat(count)`` in one op
    (``ShuffleAndRepeatDataset``); each pass is shuffled anew.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(3).apply(
        ...     tf.data.experimental.shuffle_and_repeat(3, 2, seed=1))
        >>> x = tf.data.experimental.get_single_element(ds.batch(6))
        >>> with tf.Session() as sess:
        ...     print(sorted(sess.run(x).tolist()))
        [0, 0, 1, 1, 2, 2]
    """

    def apply(dataset):
        size = _int64(buffer_size, "buffer_size")
        seed1, seed2 = _seed_tensors(seed)
        times = _int64(-1 if count is None else count, "count")
        attrs = {"reshuffle_each_iteration": True, "metadata": b""}
        return dataset._unary("ShuffleAndRepeatDataset", [size, seed1, seed2, times], attrs=attrs)

    return apply


def parallel_interleave(
    map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
    prefetch_input_elements=None,
):  # fmt: skip
    """``interleave(map_func, cycle_length, block_length)`` as TF1's parallel op
    (``LegacyParallelInterleaveDatasetV2``); teachflow gives the deterministic order.

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(2).apply(tf.data.experimental.parallel_interleave(
        ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2))
        >>> x = tf.data.experimental.get_single_element(ds.batch(4))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [0 1 0 1]
    """

    def apply(dataset):
        fn, attrs = dataset._dataset_fn(map_func, "parallel_interleave")
        inputs = [
            *fn.captured,
            _int64(cycle_length, "cycle_length"),
            _int64(block_length, "block_length"),
            _int64(2 * block_length if buffer_output_elements is None
                   else buffer_output_elements, "buffer_output_elements"),
            _int64(2 * cycle_length if prefetch_input_elements is None
                   else prefetch_input_elements, "prefetch_input_elements"),
        ]  # fmt: skip
        attrs = {**attrs, "deterministic": "false" if sloppy else "true", "metadata": b""}
        spec = fn.output_structure._element_spec
        return dataset._unary("LegacyParallelInterleaveDatasetV2", inputs, spec, attrs)

    return apply


def scan(initial_state, scan_func):
    """``dataset.apply(scan(initial_state, scan_func))``: ``scan_func(state, element)``
    returns ``(new_state, output)``; the outputs are the new elements
    (op ``ScanDataset``).

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(4).apply(tf.data.experimental.scan(
        ...     tf.constant(0, tf.int64), lambda total, x: (total + x, total + x)))
        >>> x = tf.data.experimental.get_single_element(ds.batch(4))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [0 1 3 6]
    """
    from . import structure
    from .experimental_ops import trace_with_state

    def apply(dataset):
        from teachflow.framework.scopes import name_scope

        with name_scope("normalize_element"):
            initial = structure.to_tensors(initial_state)
        fn, _ = trace_with_state(
            dataset, initial, scan_func, "scan", split=lambda out: out[0]
        )  # fmt: skip
        flat_initial = structure.flatten(initial)
        attrs = {
            "f": fn.as_attr(),
            "Tstate": [t.dtype.base_dtype for t in flat_initial],
            "Targuments": [t.dtype.base_dtype for t in fn.captured],
            "preserve_cardinality": True,
            "use_default_device": True,
            "metadata": b"",
        }
        inputs = [*flat_initial, *fn.captured]
        return dataset._unary("ScanDataset", inputs, fn.output_structure[1], attrs)

    return apply


def Counter(start=0, step=1, dtype=None):  # noqa: N802 - TensorFlow's name
    """The endless dataset ``start, start + step, ...`` (a ``ScanDataset`` over a repeated
    element, as TF builds it).

        >>> import teachflow as tf
        >>> ds = tf.data.experimental.Counter(3, 2).take(3)
        >>> x = tf.data.experimental.get_single_element(ds.batch(3))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [3 5 7]
    """
    from teachflow.framework import dtypes
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.scopes import name_scope

    from .dataset_ops import Dataset

    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    with name_scope("counter"):
        start = convert_to_tensor(start, dtype=dtype, name="start")
        step = convert_to_tensor(step, dtype=dtype, name="step")
        return (
            Dataset.from_tensors(0)
            .repeat(None)
            .apply(scan(start, lambda state, _: (state + step, state)))
        )


def take_while(predicate):
    """``dataset.apply(take_while(predicate))``: the elements before the first for
    which ``predicate`` is False (op ``TakeWhileDataset``).

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.range(9).apply(tf.data.experimental.take_while(lambda x: x < 3))
        >>> x = tf.data.experimental.get_single_element(ds.batch(9))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [0 1 2]
    """

    def apply(dataset):
        fn = dataset._trace(predicate, "take_while")
        attrs = {
            "predicate": fn.as_attr(),
            "Targuments": [t.dtype.base_dtype for t in fn.captured],
            "metadata": b"",
        }
        return dataset._unary("TakeWhileDataset", list(fn.captured), attrs=attrs)

    return apply


def unique():
    """``dataset.apply(unique())``: each distinct element once (op ``UniqueDataset``;
    elements must be single int32, int64 or string tensors).

        >>> import teachflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices([1, 2, 1, 3]).apply(
        ...     tf.data.experimental.unique())
        >>> x = tf.data.experimental.get_single_element(ds.batch(4))
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        [1 2 3]
    """
    from teachflow.framework import dtypes

    def apply(dataset):
        specs = dataset._flat_specs()
        if len(specs) != 1 or specs[0].dtype not in (dtypes.int32, dtypes.int64, dtypes.string):
            raise TypeError(
                "`tf.data.experimental.unique` does not support type "
                f"{dataset.output_types}; only int32, int64 and string scalars."
            )
        return dataset._unary("UniqueDataset", [], attrs={"metadata": b""})

    return apply


def enumerate_dataset(start=0):
    """``dataset.apply(enumerate_dataset(start))``: `Dataset.enumerate`, TF 1.x's spelling."""

    def apply(dataset):
        return dataset.enumerate(start)

    return apply
