"""TF1 batching: ``tf.train.batch``, ``shuffle_batch`` and their ``_join`` forms.

Each builds a queue of single examples plus a `QueueRunner` whose threads keep enqueuing
them (added to the graph's ``QUEUE_RUNNERS`` collection), and returns the queue's
``dequeue_many(batch_size)``: a batch is ``batch_size`` examples stacked along a new
dimension 0. ``batch`` runs the same enqueue op on ``num_threads`` threads (one reader
shared by all); ``batch_join`` gets one list of tensors per thread (one reader each), so
several files are read in parallel. ``dynamic_pad`` uses a PaddingFIFOQueue: dimensions
unknown in the graph are padded with zeros to the longest example of each batch.
``allow_smaller_final_batch`` dequeues with ``dequeue_up_to``, so the last batch of a
closed queue may be short (dimension 0 unknown).

    >>> import teachflow as tf
    >>> x = tf.train.batch([tf.constant([1, 2])], batch_size=3)
    >>> x.shape
    TensorShape([Dimension(3), Dimension(2)])
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops import math_ops, summary_ops
from teachflow.ops.control_flow_cond import cond
from teachflow.ops.control_flow_ops import no_op
from teachflow.ops.data_flow_ops import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue
from teachflow.ops.partition_ops import dynamic_partition
from teachflow.ops.static_value import constant_value
from teachflow.train.queue_runner import QueueRunner, add_queue_runner

__all__ = [
    "batch",
    "batch_join",
    "maybe_batch",
    "maybe_batch_join",
    "maybe_shuffle_batch",
    "maybe_shuffle_batch_join",
    "shuffle_batch",
    "shuffle_batch_join",
]


# -- what goes in: lists of tensors (dicts become lists in sorted key order) --------------
def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return keys, [convert_to_tensor(tensors[k]) for k in keys]
    if isinstance(tensors, (list, tuple)):
        return None, [convert_to_tensor(t) for t in tensors]
    return None, [convert_to_tensor(tensors)]


def _as_tensor_list_list(tensors_list):
    if not tensors_list:
        raise ValueError("Expected at least one set of tensors")
    if isinstance(tensors_list[0], dict):
        expected = set(tensors_list[0])
        if any(set(t) != expected for t in tensors_list[1:]):
            raise ValueError("All dictionaries in tensors_list must have the same keys")
    converted = [_as_tensor_list(t) for t in tensors_list]
    lists = [tl for _, tl in converted]
    if any(len(tl) != len(lists[0]) for tl in lists[1:]):
        raise ValueError(
            "Expected the same number of tensors in every list of tensors_list: "
            + " vs. ".join(str(len(tl)) for tl in lists)
        )
    types = [t.dtype.base_dtype for t in lists[0]]
    for tl in lists[1:]:
        other = [t.dtype.base_dtype for t in tl]
        if other != types:
            # TF's words (input._dtypes).
            raise TypeError(
                "Expected types to be consistent: "
                f"{', '.join(d.name for d in types)} vs. {', '.join(d.name for d in other)}."
            )
    return converted[0][0], lists


def _shapes(tensor_list_list, shapes, enqueue_many, dynamic_pad):
    """One shape per component, merged over the lists; fully defined unless padding."""
    if shapes is not None:
        return [as_shape(s) for s in shapes]
    merged = []
    for i in range(len(tensor_list_list[0])):
        shape = TensorShape(None)
        for tl in tensor_list_list:
            s = tl[i].shape
            if s.rank is None:
                raise ValueError(f"Cannot infer Tensor's rank: {tl[i]}")
            if enqueue_many:
                s = s.with_rank_at_least(1)[1:]
            shape = shape.merge_with(s)
        merged.append(shape)
    if not dynamic_pad and not all(s.is_fully_defined() for s in merged):
        raise ValueError(f"All shapes must be fully defined: {merged}")
    return merged


def _restore(keys, dequeued):
    # As TF: a dict comes back as a dict; otherwise what dequeue gives (one component:
    # the tensor itself, even for a one-element list; several: a list).
    if keys is not None:
        parts = dequeued if isinstance(dequeued, (list, tuple)) else [dequeued]
        return dict(zip(keys, parts))
    return dequeued


def _validate_keep_input(keep_input, enqueue_many):
    keep_input = convert_to_tensor(keep_input)
    if keep_input.shape.ndims is None:
        raise ValueError("`keep_input` dimensions must be known at graph construction.")
    if not enqueue_many and keep_input.shape.ndims == 1:
        raise ValueError("`keep_input` cannot be a vector when `enqueue_many=False`.")
    if keep_input.shape.ndims > 1:
        raise ValueError("`keep_input` must be 0 or 1 dimensions.")
    return keep_input


def _maybe_enqueue(enqueue, tensor_list, keep_input):
    """The enqueue op of ``tensor_list`` that keeps only what ``keep_input`` says.

    A vector keeps the examples (rows) where it is true — partition 1 of a dynamic_partition;
    a scalar enqueues all or nothing in a cond, which TF's smart_cond skips when the value
    is known in the graph (plain `batch` passes True)."""
    if keep_input.shape.ndims == 1:
        keep = math_ops.cast(keep_input, dtypes.int32)
        return enqueue([dynamic_partition(t, keep, num_partitions=2)[1] for t in tensor_list])
    known = constant_value(keep_input)
    if known is not None:
        return enqueue(tensor_list) if bool(known) else no_op()
    return cond(keep_input, lambda: enqueue(tensor_list), no_op)


def _batch(
    default_name,
    name,
    tensors,
    num_threads,
    make_queue,
    batch_size,
    enqueue_many,
    shapes,
    dynamic_pad,
    allow_smaller_final_batch,
    keep_input,
):
    """What the eight public functions do. ``tensors`` is one list of tensors whose one
    enqueue op ``num_threads`` threads run, or, for the ``_join`` forms (``num_threads``
    None), a list of such lists, each with an enqueue op and a thread of its own.
    ``make_queue(dtypes, shapes)`` returns the queue and a function adding its fullness
    summary (TF's ``fraction_of_N_full`` scalars, which ``merge_all`` picks up)."""
    with name_scope(name, default_name, None) as scope:
        if num_threads is None:
            keys, tensor_list_list = _as_tensor_list_list(tensors)
        else:
            keys, tensor_list = _as_tensor_list(tensors)
            tensor_list_list = [tensor_list] * num_threads
        keep_input = _validate_keep_input(keep_input, enqueue_many)
        dts = [t.dtype.base_dtype for t in tensor_list_list[0]]
        shapes = _shapes(tensor_list_list, shapes, enqueue_many, dynamic_pad)
        queue, add_fullness_summary = make_queue(dts, shapes)
        enqueue = queue.enqueue_many if enqueue_many else queue.enqueue
        # The same list given for several threads (batch's num_threads) is one enqueue op
        # that each thread runs; every list of a join gets an op of its own.
        made = {}
        enqueue_ops = []
        for tl in tensor_list_list:
            if id(tl) not in made:
                made[id(tl)] = _maybe_enqueue(enqueue, tl, keep_input)
            enqueue_ops.append(made[id(tl)])
        add_queue_runner(QueueRunner(queue, enqueue_ops))
        add_fullness_summary(queue)
        if allow_smaller_final_batch:
            out = queue.dequeue_up_to(batch_size, name=scope)
        else:
            out = queue.dequeue_many(batch_size, name=scope)
        return _restore(keys, out)


def _fifo(capacity, dynamic_pad, shared_name):
    def make(dts, shapes):
        if dynamic_pad:
            queue = PaddingFIFOQueue(capacity, dts, shapes, shared_name=shared_name)
        else:
            queue = FIFOQueue(capacity, dts, shapes=shapes, shared_name=shared_name)
        return queue, fullness

    def fullness(queue):
        size = math_ops.cast(queue.size(), dtypes.float32)
        summary_ops.scalar(f"fraction_of_{capacity}_full", size * (1.0 / capacity))

    return make


def _shuffling(capacity, min_after_dequeue, seed, shared_name):
    if capacity <= min_after_dequeue:
        raise ValueError(
            f"capacity {capacity} must be bigger than min_after_dequeue {min_after_dequeue}."
        )

    def make(dts, shapes):
        queue = RandomShuffleQueue(
            capacity, min_after_dequeue, dts, shapes=shapes, seed=seed, shared_name=shared_name
        )
        return queue, fullness

    def fullness(queue):
        # Only what is above min_after_dequeue can be dequeued: that is the fullness shown.
        over = math_ops.maximum(0, queue.size() - min_after_dequeue)
        full = math_ops.cast(over, dtypes.float32) * (1.0 / (capacity - min_after_dequeue))
        name = f"fraction_over_{min_after_dequeue}_of_{capacity - min_after_dequeue}_full"
        summary_ops.scalar(name, full)

    return make


# -- the public functions -----------------------------------------------------------------
def batch(
    tensors,
    batch_size,
    num_threads=1,
    capacity=32,
    enqueue_many=False,
    shapes=None,
    dynamic_pad=False,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """Batches of ``batch_size`` examples of ``tensors``, filled by queue-runner threads.

    >>> import teachflow as tf
    >>> x, y = tf.train.batch([tf.constant(1.0), tf.constant([2, 3])], batch_size=4)
    >>> x.shape, y.shape
    (TensorShape([Dimension(4)]), TensorShape([Dimension(4), Dimension(2)]))
    """
    return _batch(
        "batch",
        name,
        tensors,
        num_threads,
        _fifo(capacity, dynamic_pad, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        True,
    )


def batch_join(
    tensors_list,
    batch_size,
    capacity=32,
    enqueue_many=False,
    shapes=None,
    dynamic_pad=False,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `batch`, with one enqueuing thread per list in ``tensors_list`` (same dtypes).

    >>> import teachflow as tf
    >>> x = tf.train.batch_join([[tf.constant(1)], [tf.constant(2)]], batch_size=4)
    >>> x.shape, len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)[-1].enqueue_ops)
    (TensorShape([Dimension(4)]), 2)
    """
    return _batch(
        "batch_join",
        name,
        tensors_list,
        None,
        _fifo(capacity, dynamic_pad, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        True,
    )


def shuffle_batch(
    tensors,
    batch_size,
    capacity,
    min_after_dequeue,
    num_threads=1,
    seed=None,
    enqueue_many=False,
    shapes=None,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `batch`, but examples come out in random order from a RandomShuffleQueue that
    keeps at least ``min_after_dequeue`` examples to mix (until it is closed).

    >>> import teachflow as tf
    >>> x = tf.train.shuffle_batch([tf.constant(1)], 2, capacity=10, min_after_dequeue=5)
    >>> x.shape
    TensorShape([Dimension(2)])
    """
    return _batch(
        "shuffle_batch",
        name,
        tensors,
        num_threads,
        _shuffling(capacity, min_after_dequeue, seed, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        True,
    )


def shuffle_batch_join(
    tensors_list,
    batch_size,
    capacity,
    min_after_dequeue,
    seed=None,
    enqueue_many=False,
    shapes=None,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `shuffle_batch`, with one enqueuing thread per list in ``tensors_list``.

    >>> import teachflow as tf
    >>> x = tf.train.shuffle_batch_join([[tf.constant(1)], [tf.constant(2)]], 2, 10, 2)
    >>> x.op.name
    'shuffle_batch_join'
    """
    return _batch(
        "shuffle_batch_join",
        name,
        tensors_list,
        None,
        _shuffling(capacity, min_after_dequeue, seed, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        True,
    )


# -- the conditional forms: keep_input says which examples go into the queue ---------------
def maybe_batch(
    tensors,
    keep_input,
    batch_size,
    num_threads=1,
    capacity=32,
    enqueue_many=False,
    shapes=None,
    dynamic_pad=False,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `batch`, enqueuing an example only where ``keep_input`` is true: a scalar bool
    tensor (the whole example, or with ``enqueue_many`` the whole list of examples) or, with
    ``enqueue_many``, a vector with one bool per example.

    Raises ValueError when ``keep_input``'s rank is unknown, above 1, or 1 without
    ``enqueue_many``.

    >>> import teachflow as tf
    >>> x = tf.train.maybe_batch([tf.constant([1, 2, 3])], [True, False, True], 2,
    ...                          enqueue_many=True)
    >>> with tf.train.MonitoredSession() as sess:
    ...     print(sess.run(x))
    [1 3]
    """
    return _batch(
        "batch",
        name,
        tensors,
        num_threads,
        _fifo(capacity, dynamic_pad, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        keep_input,
    )


def maybe_batch_join(
    tensors_list,
    keep_input,
    batch_size,
    capacity=32,
    enqueue_many=False,
    shapes=None,
    dynamic_pad=False,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `batch_join`, keeping only the examples ``keep_input`` says (see `maybe_batch`)."""
    return _batch(
        "batch_join",
        name,
        tensors_list,
        None,
        _fifo(capacity, dynamic_pad, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        keep_input,
    )


def maybe_shuffle_batch(
    tensors,
    batch_size,
    capacity,
    min_after_dequeue,
    keep_input,
    num_threads=1,
    seed=None,
    enqueue_many=False,
    shapes=None,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `shuffle_batch`, keeping only the examples ``keep_input`` says (see `maybe_batch`);
    ``keep_input`` comes after ``min_after_dequeue``, as in TF."""
    return _batch(
        "shuffle_batch",
        name,
        tensors,
        num_threads,
        _shuffling(capacity, min_after_dequeue, seed, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        keep_input,
    )


def maybe_shuffle_batch_join(
    tensors_list,
    batch_size,
    capacity,
    min_after_dequeue,
    keep_input,
    seed=None,
    enqueue_many=False,
    shapes=None,
    allow_smaller_final_batch=False,
    shared_name=None,
    name=None,
):
    """As `shuffle_batch_join`, keeping only the examples ``keep_input`` says."""
    return _batch(
        "shuffle_batch_join",
        name,
        tensors_list,
        None,
        _shuffling(capacity, min_after_dequeue, seed, shared_name),
        batch_size,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        keep_input,
    )
