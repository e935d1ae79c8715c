"""TF1 input producers: ``tf.train.string_input_producer`` and its kin.

Each builds a queue plus a `QueueRunner` that fills it, added to the graph's
``QUEUE_RUNNERS`` collection; `tf.train.start_queue_runners` starts the filling threads.
(Batching them lives in `teachflow.train.batching`.)
``num_epochs`` limits how often a producer yields its input: it counts epochs in a local
variable (run ``tf.local_variables_initializer()``) and raises OutOfRangeError past the
limit, which closes the queue so readers drain it and then get OutOfRangeError too.

    >>> import teachflow as tf
    >>> q = tf.train.range_input_producer(3, shuffle=False)
    >>> q.dequeue().dtype
    tf.int32
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import as_shape, dimension_value
from teachflow.ops import math_ops, summary_ops
from teachflow.ops.array_ops import identity
from teachflow.ops.constant_op import constant
from teachflow.ops.data_flow_ops import FIFOQueue
from teachflow.ops.filling import range as _range
from teachflow.ops.gathering import gather
from teachflow.ops.io_ops import matching_files
from teachflow.ops.random_ops import random_shuffle
from teachflow.ops.variables import Variable
from teachflow.train.queue_runner import QueueRunner, add_queue_runner

__all__ = [
    "input_producer",
    "limit_epochs",
    "match_filenames_once",
    "range_input_producer",
    "slice_input_producer",
    "string_input_producer",
]


def limit_epochs(tensor, num_epochs=None, name=None):
    """Return ``tensor`` ``num_epochs`` times, then raise OutOfRangeError (None: forever)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        # A Const node ("limit_epochs/Const") is the initial value, as in TF's graph.
        zero64 = constant(0, dtype=dtypes.int64)
        epochs = Variable(
            zero64, name="epochs", trainable=False, collections=[GraphKeys.LOCAL_VARIABLES]
        )
        counter = epochs.count_up_to(int(num_epochs))
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
        if summary_name is not None:
            # TensorBoard shows how full the queue stays: near 0 means input is the bottleneck.
            size = math_ops.cast(q.size(), dtypes.float32)
            summary_ops.scalar(summary_name, size * (1.0 / capacity))
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
        if string_tensor.shape.is_fully_defined() and dimension_value(string_tensor.shape[0]) == 0:
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
            rng,
            [],
            num_epochs,
            shuffle,
            seed,
            capacity,
            shared_name,
            f"fraction_of_{capacity}_full",
            scope,
        )


def slice_input_producer(
    tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None
):
    """Slices (rows) of each tensor in ``tensor_list``, the same row index for all."""
    with name_scope(name, "input_producer", list(tensor_list)):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        size = dimension_value(tensor_list[0].shape[0])
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


def match_filenames_once(pattern, name=None):
    """A local variable holding the files matching ``pattern`` (a glob), listed once
    when ``tf.local_variables_initializer()`` runs.

    >>> import teachflow as tf
    >>> files = tf.train.match_filenames_once("*.csv")
    >>> files.op.name
    'matching_filenames'
    """
    with name_scope(name, "matching_filenames", [pattern]) as scope:
        return Variable(
            matching_files(pattern),
            trainable=False,
            validate_shape=False,
            name=scope,
            collections=[GraphKeys.LOCAL_VARIABLES],
        )
