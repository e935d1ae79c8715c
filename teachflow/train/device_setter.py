"""`replica_device_setter`: variables on the parameter servers, everything else on a worker.

Between-graph replication in TF1: every worker builds the same model in its own graph, wrapped
in ``tf.device(tf.train.replica_device_setter(...))``. The device function it returns places
each *variable* op on a ``ps`` task (round-robin by default) and every other op on the worker,
so all workers share one copy of the parameters and compute on their own.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
    ...     w = tf.Variable(tf.zeros([784, 10]), name="w")
    ...     b = tf.Variable(tf.zeros([10]), name="b")
    ...     y = tf.matmul(tf.ones([1, 784]), w) + b
    >>> w.device, b.device, y.device
    ('/job:ps/task:0', '/job:ps/task:1', '/job:worker')

A device the op asks for itself (an inner ``tf.device``) is merged in: its fields win, the
setter fills the rest (``/cpu:0`` inside becomes ``/job:worker/device:CPU:0``).
"""

from __future__ import annotations

import logging

import numpy as np

from teachflow.distributed.cluster import ClusterSpec
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.shapes import TensorShape

__all__ = [
    "replica_device_setter",
    "GreedyLoadBalancingStrategy",
    "byte_size_load_fn",
    "STANDARD_PS_OPS",
]

# The op types that hold state a ps task must own: TF1's variables and mutable hash tables.
# (TF 2's list adds BoostedTrees and accumulator resources that teachflow does not have.)
STANDARD_PS_OPS = (
    "Variable",
    "VariableV2",
    "AutoReloadVariable",
    "MutableHashTable",
    "MutableHashTableV2",
    "MutableHashTableOfTensors",
    "MutableHashTableOfTensorsV2",
    "MutableDenseHashTable",
    "MutableDenseHashTableV2",
    "VarHandleOp",
)

_logger = logging.getLogger("teachflow")


class _RoundRobinStrategy:
    """ps task 0, 1, ..., num_tasks - 1, 0, 1, ... for successive ps ops."""

    def __init__(self, num_tasks: int):
        self._num_tasks = num_tasks
        self._next_task = 0

    def __call__(self, unused_op) -> int:
        task = self._next_task
        self._next_task = (self._next_task + 1) % self._num_tasks
        return task


class GreedyLoadBalancingStrategy:
    """Put each ps op on the ps task with the least load so far (``tf.contrib.training``).

    ``load_fn(op)`` gives a number per op, e.g. `byte_size_load_fn`; ties go to the lowest
    task index. The result depends on the order variables are created: it is greedy.

        >>> import teachflow as tf
        >>> tf.reset_default_graph()
        >>> greedy = tf.train.GreedyLoadBalancingStrategy(2, tf.train.byte_size_load_fn)
        >>> with tf.device(tf.train.replica_device_setter(ps_tasks=2, ps_strategy=greedy)):
        ...     big = tf.Variable(tf.zeros([1000]), name="big")
        ...     small1 = tf.Variable(tf.zeros([10]), name="small1")
        ...     small2 = tf.Variable(tf.zeros([10]), name="small2")
        >>> big.device, small1.device, small2.device
        ('/job:ps/task:0', '/job:ps/task:1', '/job:ps/task:1')
    """

    def __init__(self, num_tasks: int, load_fn):
        self._num_tasks = num_tasks
        self._load_fn = load_fn
        self._ps_loads = np.zeros(num_tasks)

    def __call__(self, op) -> int:
        task = int(np.argmin(self._ps_loads))
        self._ps_loads[task] += self._load_fn(op)
        return task


def byte_size_load_fn(op) -> int:
    """Bytes held by a single-output op (a variable): elements of its shape times dtype size.

    Raises ValueError if the op has several outputs or its shape is not fully defined.

        >>> import teachflow as tf
        >>> tf.reset_default_graph()
        >>> v = tf.Variable(tf.zeros([3, 4]))
        >>> tf.train.byte_size_load_fn(v.op)
        48
    """
    if len(op.outputs) != 1:
        raise ValueError(f"Op {op.name!r} must have a single output")
    output = op.outputs[0]
    shape = output.get_shape()
    if not shape.is_fully_defined():
        # TF falls back to the "shape" attr: a variable's output shape may be set later.
        shape = TensorShape(op.get_attr("shape"))
    if not shape.is_fully_defined():
        raise ValueError(f"Shape {shape} is not fully defined")
    return shape.num_elements() * output.dtype.size


class _ReplicaDeviceChooser:
    """The device function: ps ops to a ps task, other ops to the worker, merged with op.device."""

    def __init__(self, ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy):
        self._ps_tasks = ps_tasks
        self._ps_device = ps_device
        self._worker_device = worker_device
        self._merge_devices = merge_devices
        self._ps_ops = ps_ops
        self._ps_strategy = ps_strategy

    def device_function(self, op) -> str:
        # Without merging, a device already requested (by an inner tf.device) is kept as is.
        if not self._merge_devices and op.device:
            return op.device

        current_device = DeviceSpec.from_string(op.device or "")

        # TF accepts an Operation or a bare NodeDef, whose type field is called "op".
        op_type = op.type if hasattr(op, "type") else op.op
        if self._ps_tasks and self._ps_device and op_type in self._ps_ops:
            ps_device = DeviceSpec.from_string(self._ps_device)
            # A ps task is chosen (and the strategy consulted) only when the op's own job,
            # if any, is the ps job: a variable pinned to "/job:foo" stays there untouched.
            current_job, ps_job = current_device.job, ps_device.job
            if ps_job and (not current_job or current_job == ps_job):
                ps_device = ps_device.replace(task=self._ps_strategy(op))
            return ps_device.make_merged_spec(current_device).to_string()

        worker_device = DeviceSpec.from_string(self._worker_device or "")
        return worker_device.make_merged_spec(current_device).to_string()


def replica_device_setter(
    ps_tasks=0,
    ps_device="/job:ps",
    worker_device="/job:worker",
    merge_devices=True,
    cluster=None,
    ps_ops=None,
    ps_strategy=None,
):
    """A device function for ``tf.device`` that spreads variables over the ps tasks.

    Args:
      ps_tasks: number of ps tasks; ignored when ``cluster`` is given.
      ps_device: the ps job's device (``"/job:ps"``); empty for no ps placement.
      worker_device: the device of every non-ps op (``"/job:worker"``, or one task's device
        such as ``"/job:worker/task:1"``).
      merge_devices: merge with the device an op already requests (its fields win); when
        False an op that has a device keeps it unchanged.
      cluster: a ``ClusterSpec``, dict or ``ClusterDef``; ``ps_tasks`` becomes the size of
        its ps job (the job named in ``ps_device``).
      ps_ops: op types placed on ps tasks; default `STANDARD_PS_OPS` (variables, tables).
      ps_strategy: callable ``op -> ps task index``; default round-robin over the ps tasks.

    Returns:
      A function ``op -> device string``, or None when there are no ps tasks (so
      ``tf.device(None)`` simply clears outer device scopes, as in TF).

        >>> import teachflow as tf
        >>> tf.train.replica_device_setter(ps_tasks=0) is None
        True
        >>> cluster = {"ps": ["p0:2222", "p1:2222"], "worker": ["w0:2222"]}
        >>> tf.reset_default_graph()
        >>> with tf.device(tf.train.replica_device_setter(cluster=cluster)):
        ...     vs = [tf.Variable(0.0, name=f"v{i}") for i in range(3)]
        >>> [v.device for v in vs]
        ['/job:ps/task:0', '/job:ps/task:1', '/job:ps/task:0']

    Raises:
      TypeError: if ``cluster`` is not a dict, ClusterSpec or ClusterDef, or ``ps_strategy``
        is not callable.
    """
    if cluster is not None:
        if isinstance(cluster, ClusterSpec):
            cluster_spec = cluster.as_dict()
        else:
            cluster_spec = ClusterSpec(cluster).as_dict()
        ps_job_name = DeviceSpec.from_string(ps_device).job
        if ps_job_name not in cluster_spec or cluster_spec[ps_job_name] is None:
            return None
        ps_tasks = len(cluster_spec[ps_job_name])

    if ps_tasks == 0:
        return None

    if ps_ops is None:
        ps_ops = list(STANDARD_PS_OPS)

    if not merge_devices:
        _logger.warning(
            "DEPRECATION: It is recommended to set merge_devices=true in replica_device_setter"
        )
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    if not callable(ps_strategy):
        raise TypeError("ps_strategy must be callable")
    chooser = _ReplicaDeviceChooser(
        ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy
    )
    return chooser.device_function
