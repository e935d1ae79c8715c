"""TF1 input pipelines: ``tf.train.batch``, ``shuffle_batch`` and the input producers.

Each builds a queue plus a `QueueRunner` that fills it, added to the graph's
``QUEUE_RUNNERS`` collection; `tf.train.start_queue_runners` starts the filling threads.
``num_epochs`` limits how often a producer yields its input: it counts epochs in a local
variable (run ``tf.local_variables_initializer()``) and raises OutOfRangeError past the
limit, which closes the queue so readers drain it and then get OutOfRangeError too.

    >>> import teachflow as tf
    >>> x = tf.train.batch([tf.constant([1, 2])], batch_size=3)
    >>> x.shape
    TensorShape([3, 2])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import as_shape
from teachflow.ops.array_ops import identity
from teachflow.ops.data_flow_ops import FIFOQueue, RandomShuffleQueue
from teachflow.ops.filling import range as _range
from teachflow.ops.gathering import gather
from teachflow.ops.random_ops import random_shuffle
from teachflow.ops.variables import Variable
from teachflow.train.queue_runner import QueueRunner, add_queue_runner

__all__ = [
    "batch",
    "input_producer",
    "limit_epochs",
    "range_input_producer",
    "shuffle_batch",
    "slice_input_producer",
    "string_input_producer",
]


# -- CountUpTo: increment a counter variable, OutOfRangeError once it reaches the limit ----
def _count_up_to_kernel(op, device):
    limit = op._attrs["limit"]

    def count(ref):
        # The check and the increment must be one step: several threads share the counter.
        with ref.lock:
            value = ref.read()
            if value >= limit:
                raise errors.OutOfRangeError(None, None, f"Reached limit of {limit}")
            ref.assign(type(value)(value + 1))
        return value

    return count


registry.register(
    "CountUpTo",
    lambda op: [(op.inputs[0].dtype.base_dtype, op.inputs[0].shape)],
    _count_up_to_kernel,
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)


def limit_epochs(tensor, num_epochs=None, name=None):
    """Return ``tensor`` ``num_epochs`` times, then raise OutOfRangeError (None: forever)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        zero64 = np.int64(0)
        epochs = Variable(
            zero64, name="epochs", trainable=False, collections=[GraphKeys.LOCAL_VARIABLES]
        )
        counter = get_default_graph().create_op(
            "CountUpTo", [epochs._ref()], {"limit": int(num_epochs)}, name="CountUpTo"
        )
        with control_dependencies([counter]):
            return identity(tensor, name=scope)


# -- producers: a queue filled with (shuffled) copies of the input, epoch after epoch ----
def input_producer(
    input_tensor,
    element_shape=None,
    num_epochs=None,
    shuffle=True,
    seed=None,
    capacity=32,
    shared_name=None,
    summary_name=None,
    name=None,
    cancel_op=None,
):
    """A FIFOQueue filled with the rows of ``input_tensor`` (reshuffled each epoch)."""
    with name_scope(name, "input_producer", [input_tensor]):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        element_shape = input_tensor.shape[1:].merge_with(
            as_shape(element_shape) if element_shape is not None else input_tensor.shape[1:]
        )
        if not element_shape.is_fully_defined():
            raise ValueError(
                "Either `input_tensor` must have a fully defined shape "
                "or `element_shape` must be specified"
            )
        if shuffle:
            input_tensor = random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = FIFOQueue(
            capacity=capacity,
            dtypes=[input_tensor.dtype.base_dtype],
            shapes=[element_shape],
            shared_name=shared_name,
            name=name,
        )
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        return q


def string_input_producer(
    string_tensor,
    num_epochs=None,
    shuffle=True,
    seed=None,
    capacity=32,
    shared_name=None,
    name=None,
    cancel_op=None,
):
    """A queue of the strings (file names) in ``string_tensor``, one epoch after another.

    >>> import teachflow as tf
    >>> q = tf.train.string_input_producer(["a.csv", "b.csv"], shuffle=False)
    >>> q.dequeue().dtype
    tf.string
    """
    with name_scope(name, "input_producer", [string_tensor]) as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        if string_tensor.shape.rank is not None and string_tensor.shape.rank != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {string_tensor.shape.rank}")
        if string_tensor.shape.is_fully_defined() and string_tensor.shape[0] == 0:
            raise ValueError("string_input_producer requires a non-null input tensor")
        return input_producer(
            string_tensor,
            [],
            num_epochs,
            shuffle,
            seed,
            capacity,
            shared_name,
            f"fraction_of_{capacity}_full",
            scope,
            cancel_op,
        )


def range_input_producer(
    limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None
):
    """A queue of the int32s ``0 .. limit-1``, one epoch after another."""
    with name_scope(name, "input_producer", [limit]) as scope:
        rng = _range(limit, dtype=dtypes.int32)
        return input_producer(
            rng, [], num_epochs, shuffle, seed, capacity, shared_name, None, scope
        )


def slice_input_producer(
    tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None
):
    """Slices (rows) of each tensor in ``tensor_list``, the same row index for all."""
    with name_scope(name, "input_producer", list(tensor_list)):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        size = tensor_list[0].shape[0]
        if size is None:
            raise ValueError("slice_input_producer needs tensors of a known first dimension")
        queue = range_input_producer(
            size,
            num_epochs=num_epochs,
            shuffle=shuffle,
            seed=seed,
            capacity=capacity,
            shared_name=shared_name,
        )
        index = queue.dequeue()
        return [gather(t, index) for t in tensor_list]


# -- batching: a queue of single elements, dequeued batch_size at a time --------------
def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return keys, [convert_to_tensor(tensors[k]) for k in keys]
    if isinstance(tensors, (list, tuple)):
        return None, [convert_to_tensor(t) for t in tensors]
    return None, [convert_to_tensor(tensors)]


def _shapes_for(tensor_list, shapes, enqueue_many):
    if shapes is not None:
        return [as_shape(s) for s in shapes]
    got = [t.shape[1:] if enqueue_many else t.shape for t in tensor_list]
    if enqueue_many:
        for t in tensor_list:
            t.shape.with_rank_at_least(1)
    for s in got:
        if not s.is_fully_defined():
            raise ValueError(f"All shapes must be fully defined: {got}")
    return got


def _restore(keys, dequeued):
    # As TF: a dict comes back as a dict; otherwise what dequeue gives (one component:
    # the tensor itself, even for a one-element list; several: a list).
    if keys is not None:
        parts = dequeued if isinstance(dequeued, (list, tuple)) else [dequeued]
        return dict(zip(keys, parts))
    return dequeued


def _batch(
    queue_factory,
    tensors,
    batch_size,
    num_threads,
    enqueue_many,
    shapes,
    allow_smaller_final_batch,
    shared_name,
    name,
    default_name,
):
    with name_scope(name, default_name, None) as scope:
        keys, tensor_list = _as_tensor_list(tensors)
        shapes = _shapes_for(tensor_list, shapes, enqueue_many)
        queue = queue_factory([t.dtype.base_dtype for t in tensor_list], shapes)
        enqueue = queue.enqueue_many if enqueue_many else queue.enqueue
        add_queue_runner(QueueRunner(queue, [enqueue(tensor_list)] * num_threads))
        if allow_smaller_final_batch:
            out = queue.dequeue_up_to(batch_size, name=scope)
        else:
            out = queue.dequeue_many(batch_size, name=scope)
        return _restore(keys, out)


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
    """Batches of ``batch_size`` elements of ``tensors``, filled by queue-runner threads.

    >>> import teachflow as tf
    >>> x, y = tf.train.batch([tf.constant(1.0), tf.constant([2, 3])], batch_size=4)
    >>> x.shape, y.shape
    (TensorShape([4]), TensorShape([4, 2]))
    """
    if dynamic_pad:
        raise ValueError("dynamic_pad=True is not supported by teachflow's tf.train.batch")

    def make_queue(dts, shps):
        return FIFOQueue(capacity, dts, shapes=shps, shared_name=shared_name)

    return _batch(
        make_queue,
        tensors,
        batch_size,
        num_threads,
        enqueue_many,
        shapes,
        allow_smaller_final_batch,
        shared_name,
        name,
        "batch",
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
    """As `batch`, but elements come out in random order from a RandomShuffleQueue.

    >>> import teachflow as tf
    >>> x = tf.train.shuffle_batch([tf.constant(1)], 2, capacity=10, min_after_dequeue=5)
    >>> x.shape
    TensorShape([2])
    """

    def make_queue(dts, shps):
        return RandomShuffleQueue(
            capacity, min_after_dequeue, dts, shapes=shps, seed=seed, shared_name=shared_name
        )

    return _batch(
        make_queue,
        tensors,
        batch_size,
        num_threads,
        enqueue_many,
        shapes,
        allow_smaller_final_batch,
        shared_name,
        name,
        "shuffle_batch",
    )
