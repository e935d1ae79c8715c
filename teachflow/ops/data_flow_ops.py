"""TF1 queues: ``tf.FIFOQueue``, ``tf.RandomShuffleQueue``, ``tf.PaddingFIFOQueue``,
``tf.PriorityQueue``.

A queue op (``FIFOQueueV2``...) outputs a reference to a queue held by its device's
resource manager, as ``VariableV2`` does for a variable; the ops built by the queue's
methods (``QueueEnqueueV2``, ``QueueDequeueV2``...) take that reference as input 0, so the
placer puts them next to the queue. Without ``shared_name`` every session gets its own
queue (TF names it ``_<n>_<op name>``); with one, every session on the same server and
every graph naming it shares one queue. Enqueue and dequeue kernels block on a pool
thread, up to the step's deadline.

    >>> import teachflow as tf
    >>> q = tf.FIFOQueue(2, tf.float32)
    >>> with tf.Session() as sess:
    ...     sess.run(q.enqueue(1.0))
    ...     print(sess.run(q.dequeue()))
    1.0
"""

from __future__ import annotations

import hashlib
import itertools

from teachflow.framework import dtypes, random_seed, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed
from teachflow.framework.shapes import TensorShape, as_shape, dimension_value, unknown_shape
from teachflow.ops import kernel_context, queue_resources

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue"]

_QUEUE_REF = dtypes.string._as_ref  # teachflow's stand-in for TF's DT_RESOURCE handle
_kernel_ids = itertools.count()


# -- the queue ops: create (once per session and device) and return the queue ------------
def _queue_kernel(make_state):
    def make(op, device):
        attrs = op._attrs
        container = attrs.get("container", "")
        # Without shared_name TF gives each kernel instance (each session) its own queue.
        name = attrs.get("shared_name") or f"_{next(_kernel_ids)}_{op.name}"
        np_dtypes = [d.as_numpy_dtype for d in attrs["component_types"]]
        shapes = attrs["shapes"]
        shapes = [tuple(s.as_list()) for s in shapes] if shapes else None
        resources = device.resources

        def create():
            return make_state(name, np_dtypes, shapes, attrs)

        return lambda: resources.lookup_or_create(container, name, create)

    return make


def _register_queue(op_type, make_state):
    registry.register(
        op_type,
        fixed((_QUEUE_REF, [])),
        _queue_kernel(make_state),
        stateful=True,
        not_differentiable=True,
    )


_register_queue(
    "FIFOQueueV2",
    lambda n, d, s, a: queue_resources.FIFOQueueState(n, d, s, a["capacity"]),
)
_register_queue(
    "PaddingFIFOQueueV2",
    lambda n, d, s, a: queue_resources.PaddingFIFOQueueState(n, d, s, a["capacity"]),
)
_register_queue(
    "PriorityQueueV2",
    lambda n, d, s, a: queue_resources.PriorityQueueState(n, d, s, a["capacity"]),
)
_register_queue(
    "RandomShuffleQueueV2",
    lambda n, d, s, a: queue_resources.RandomShuffleQueueState(
        n, d, s, a["capacity"], a["min_after_dequeue"], (a["seed"], a.get("seed2", 0))
    ),
)


# -- the ops on a queue ----------------------------------------------------------------
def _outputs_of(op):
    return list(zip(op._attrs["component_types"], op._attrs["_out_shapes"]))


def _single(fn):
    """One component comes out as the value itself; several as a tuple (one per output)."""

    def call(*args):
        r = fn(*args)
        return r[0] if len(r) == 1 else r

    return call


def _enqueue_kernel(op, device):
    many = op.type == "QueueEnqueueManyV2"
    dl = kernel_context.step_deadline

    def enqueue(queue, *components):
        (queue.enqueue_many if many else queue.enqueue)(components, dl.get())

    return enqueue


def _dequeue_kernel(op, device):
    dl = kernel_context.step_deadline
    return _single(lambda queue: queue.dequeue(dl.get()))


def _dequeue_many_kernel(op, device):
    up_to = op.type == "QueueDequeueUpToV2"
    dl = kernel_context.step_deadline
    return _single(lambda queue, n: queue.dequeue_many(int(n), dl.get(), up_to=up_to))


def _close_kernel(op, device):
    cancel = op._attrs.get("cancel_pending_enqueues", False)
    return lambda queue: queue.close(cancel)


def _register(op_type, infer, kernel, cheap, blocking=False):
    # Blocking ops must not run on the scheduling thread: cheap=False sends them off it, and
    # blocking=True gives each its own waiting thread, so they never starve the step.
    registry.register(
        op_type,
        infer,
        kernel,
        stateful=True,
        ref_inputs=(0,),
        cheap=cheap,
        blocking=blocking,
        not_differentiable=True,
    )


_register("QueueEnqueueV2", lambda op: [], _enqueue_kernel, cheap=False, blocking=True)
_register("QueueEnqueueManyV2", lambda op: [], _enqueue_kernel, cheap=False, blocking=True)
_register("QueueDequeueV2", _outputs_of, _dequeue_kernel, cheap=False, blocking=True)
_register("QueueDequeueManyV2", _outputs_of, _dequeue_many_kernel, cheap=False, blocking=True)
_register("QueueDequeueUpToV2", _outputs_of, _dequeue_many_kernel, cheap=False, blocking=True)
_register("QueueCloseV2", lambda op: [], _close_kernel, cheap=True)
_register(
    "QueueSizeV2",
    fixed((dtypes.int32, [])),
    lambda op, device: lambda queue: dtypes.int32.as_numpy_dtype(queue.size()),
    cheap=True,
)
_register(
    "QueueIsClosedV2",
    fixed((dtypes.bool_, [])),
    lambda op, device: lambda queue: dtypes.bool_.as_numpy_dtype(queue.closed),
    cheap=True,
)


# -- the Python API ----------------------------------------------------------------------
def _as_dtype_list(dtypes_):
    if not isinstance(dtypes_, (list, tuple)):
        dtypes_ = [dtypes_]
    return [dtypes.as_dtype(d) for d in dtypes_]


def _check_compatible(got, want):
    if not got.is_compatible_with(want):
        # TF's words (TensorShape.assert_is_compatible_with).
        raise ValueError(f"Shapes {got} and {want} are incompatible")


class QueueBase:
    """What every queue offers: enqueue/dequeue of tuples of tensors, close, size."""

    def __init__(self, dtypes_, shapes, names, queue_ref):
        self._dtypes = dtypes_
        if shapes is not None:
            if len(shapes) != len(dtypes_):
                raise ValueError("Queue shapes must have the same length as dtypes")
            self._shapes = [as_shape(s) for s in shapes]
        else:
            self._shapes = [unknown_shape() for _ in dtypes_]
        if names is not None:
            if len(names) != len(dtypes_):
                raise ValueError("Queue names must have the same length as dtypes")
            self._names = list(names)
        else:
            self._names = None
        self._queue_ref = queue_ref
        # As TF: ops on the queue are named after its last name component
        # ("fifo_queue_enqueue"), inside whatever name scope they are built in.
        self._name = queue_ref.op.name.split("/")[-1]

    @property
    def queue_ref(self):
        return self._queue_ref

    @property
    def name(self):
        return self._queue_ref.op.name

    @property
    def dtypes(self):
        return self._dtypes

    @property
    def shapes(self):
        return self._shapes

    @property
    def names(self):
        return self._names

    def _graph_op(self, op_type, inputs, name, attrs=None, out_shapes=None):
        attrs = dict(attrs or {})
        if out_shapes is not None:
            attrs["component_types"] = list(self._dtypes)
            attrs["_out_shapes"] = out_shapes
        return get_default_graph().create_op(op_type, [self._queue_ref, *inputs], attrs, name=name)

    def _check_enqueue_dtypes(self, vals):
        if isinstance(vals, dict):
            if not self._names:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names) != sorted(vals.keys()):
                raise ValueError(
                    "Keys in dictionary to enqueue do not match names of Queue.  "
                    f"Dictionary: {sorted(vals.keys())},Queue: {sorted(self._names)}"
                )
            vals = [vals[k] for k in self._names]
        else:
            if self._names:
                raise ValueError("You must enqueue a dictionary in a Queue with names")
            if not isinstance(vals, (list, tuple)):
                vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components to enqueue, got {len(vals)}")
        return [
            convert_to_tensor(v, dtype=dt, name=f"component_{i}")
            for i, (v, dt) in enumerate(zip(vals, self._dtypes))
        ]

    def enqueue(self, vals, name=None):
        """Enqueue one element (a tensor, a tuple, or a dict when the queue has names)."""
        tensors = self._check_enqueue_dtypes(vals)
        for t, s in zip(tensors, self._shapes):
            _check_compatible(t.shape, s)
        return self._graph_op("QueueEnqueueV2", tensors, name or f"{self._name}_enqueue")

    def enqueue_many(self, vals, name=None):
        """Enqueue the slices of ``vals`` along dimension 0, each an element."""
        tensors = self._check_enqueue_dtypes(vals)
        batch = None
        for t, s in zip(tensors, self._shapes):
            shape = t.shape.with_rank_at_least(1)
            batch = dimension_value(shape[0]) if batch is None else batch
            _check_compatible(shape[1:], s)
        return self._graph_op("QueueEnqueueManyV2", tensors, name or f"{self._name}_EnqueueMany")

    def _wrap(self, outs):
        if self._names:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else list(outs)

    def dequeue(self, name=None):
        """Dequeue one element; blocks while the queue is empty."""
        op = self._graph_op(
            "QueueDequeueV2", [], name or f"{self._name}_Dequeue", out_shapes=self._shapes
        )
        return self._wrap(op.outputs)

    def _batched(self, n):
        from teachflow.ops.static_value import constant_value

        nv = constant_value(n) if hasattr(n, "op") else n
        dim = int(nv) if nv is not None else None
        return [TensorShape([dim]).concatenate(s) for s in self._shapes]

    def dequeue_many(self, n, name=None):
        """Dequeue ``n`` elements stacked along a new dimension 0 (all at once)."""
        n_t = convert_to_tensor(n, dtype=dtypes.int32, name="n")
        op = self._graph_op(
            "QueueDequeueManyV2",
            [n_t],
            name or f"{self._name}_DequeueMany",
            out_shapes=self._batched(n),
        )
        return self._wrap(op.outputs)

    def dequeue_up_to(self, n, name=None):
        """As `dequeue_many`, but a closed queue gives what is left (dimension 0 unknown)."""
        n_t = convert_to_tensor(n, dtype=dtypes.int32, name="n")
        op = self._graph_op(
            "QueueDequeueUpToV2",
            [n_t],
            name or f"{self._name}_DequeueUpTo",
            out_shapes=[TensorShape([None]).concatenate(s) for s in self._shapes],
        )
        return self._wrap(op.outputs)

    def close(self, cancel_pending_enqueues=False, name=None):
        """Close the queue: enqueues fail (CancelledError), dequeues drain it then fail."""
        return self._graph_op(
            "QueueCloseV2",
            [],
            name or f"{self._name}_Close",
            {"cancel_pending_enqueues": bool(cancel_pending_enqueues)},
        )

    def is_closed(self, name=None):
        return self._graph_op("QueueIsClosedV2", [], name or f"{self._name}_Is_Closed").outputs[0]

    def size(self, name=None):
        return self._graph_op("QueueSizeV2", [], name or f"{self._name}_Size").outputs[0]


def _make_queue(op_type, name, dtypes_, shapes, shared_name, attrs):
    attrs = dict(attrs)
    attrs.update(
        component_types=list(dtypes_),
        shapes=[as_shape(s) for s in shapes] if shapes is not None else [],
        container="",
        shared_name=shared_name or "",
    )
    return get_default_graph().create_op(op_type, [], attrs, name=name).outputs[0]


class FIFOQueue(QueueBase):
    """Elements leave in the order they arrived.

    >>> import teachflow as tf
    >>> q = tf.FIFOQueue(3, [tf.int32, tf.float32], shapes=[[], [2]])
    >>> q.dequeue()[1].shape
    TensorShape([Dimension(2)])
    """

    def __init__(
        self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"
    ):
        dts = _as_dtype_list(dtypes)
        ref = _make_queue(
            "FIFOQueueV2", name, dts, shapes, shared_name, {"capacity": int(capacity)}
        )
        super().__init__(dts, shapes, names, ref)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose `dequeue_many` pads None dims to the longest element (zeros)."""

    def __init__(
        self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"
    ):
        dts = _as_dtype_list(dtypes)
        if shapes is None or len(shapes) != len(dts):
            raise ValueError(
                "Shapes must be provided for all components, but received "
                f"{len(dts)} dtypes and {0 if shapes is None else len(shapes)} shapes."
            )
        ref = _make_queue(
            "PaddingFIFOQueueV2", name, dts, shapes, shared_name, {"capacity": int(capacity)}
        )
        super().__init__(dts, shapes, names, ref)


class RandomShuffleQueue(QueueBase):
    """Dequeues elements in random order, keeping ``min_after_dequeue`` until closed."""

    def __init__(
        self,
        capacity,
        min_after_dequeue,
        dtypes,
        shapes=None,
        names=None,
        seed=None,
        shared_name=None,
        name="random_shuffle_queue",
    ):
        dts = _as_dtype_list(dtypes)
        seed1, seed2 = random_seed.get_seed(seed)
        if seed1 is not None and seed is None and shared_name is not None:
            # TF: a shared queue seeded by the graph alone gets a seed2 from the graph seed
            # and its name, so every graph that shares it draws the same numbers.
            digest = hashlib.md5((str(seed1) + shared_name).encode("utf-8")).hexdigest()
            seed2 = int(digest[:8], 16) & 0x7FFFFFFF
        ref = _make_queue(
            "RandomShuffleQueueV2",
            name,
            dts,
            shapes,
            shared_name,
            {
                "capacity": int(capacity),
                "min_after_dequeue": int(min_after_dequeue),
                # TF's int attributes; both 0 means "not seeded".
                "seed": seed1 or 0,
                "seed2": seed2 or 0,
            },
        )
        super().__init__(dts, shapes, names, ref)


class PriorityQueue(QueueBase):
    """Dequeues the element with the smallest int64 priority first.

    Elements are ``(priority, *values)``: ``types``/``shapes`` describe the values."""

    def __init__(
        self, capacity, types, shapes, names=None, shared_name=None, name="priority_queue"
    ):
        dts = [dtypes.int64, *_as_dtype_list(types)]
        shapes = [[], *shapes]
        ref = _make_queue(
            "PriorityQueueV2", name, dts, shapes, shared_name, {"capacity": int(capacity)}
        )
        super().__init__(dts, shapes, names, ref)
