"""Cut a placed graph into one partition per task, with send/recv pairs at the cuts.

For one step signature (feeds, fetches, targets) the master keeps the nodes the step
needs and gives each task the nodes placed on it. Every edge between two tasks becomes a
``_Send`` node on the producing task and a ``_Recv`` node on the consuming task, named by
one rendezvous key; a control edge between tasks sends a dummy scalar. Fed tensors become
placeholders in the partitions that read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.runtime.partition import send_recv_pair
from teachflow.runtime.plan import prune


def task_of(device_name: str) -> str:
    d = DeviceSpec.from_string(device_name)
    return f"/job:{d.job}/replica:{d.replica or 0}/task:{d.task}"


@dataclass
class Partition:
    task: str
    # NodeDefs in creation order: ops are visited by creation id, and every send, receive,
    # feed or control marker is appended before the node that reads it.
    nodes: list = field(default_factory=list)
    feeds: list = field(default_factory=list)  # (partition tensor name, client tensor name)
    fetches: list = field(default_factory=list)  # tensor names to return


def partition(graph, placement, fetch_tensors, target_ops, feed_tensors, incarnations):
    """``placement``: op -> full device name; ``incarnations``: device name -> int.

    Returns ({task: Partition}, {fetch tensor name: task that returns it or None if fed}).
    """
    fed = set(feed_tensors)
    needed = prune(fetch_tensors, target_ops, fed)
    cut = _Cut(placement, incarnations, fed, needed)
    for op in sorted(needed, key=lambda op: op._id):
        dev = placement[op]
        task = task_of(dev)
        nd = op.node_def
        nd.device = dev
        nd.input = cut.data_inputs(op, task, dev) + cut.control_inputs(op, task, dev)
        cut.part(task).nodes.append(nd)
    return cut.parts, cut.assign_fetches(fetch_tensors)


class _Cut:
    """One step's partitions as they are built, with the nodes already added at the cuts
    (so that a tensor read twice on a device crosses once)."""

    def __init__(self, placement, incarnations, fed, needed):
        self.placement = placement
        self.incarnations = incarnations
        self.fed = fed
        self.needed = needed
        self.parts = {}  # task -> Partition
        self.feed_nodes = {}  # (tensor, task) -> input string in that task's partition
        # As TF's partitioner cuts per *device*, every device of another task that reads a
        # tensor has its own _Recv (two GPUs of a worker reading a ps variable pull it twice).
        self.cut_nodes = {}  # (tensor, dst device) -> input string of the _Recv
        self.ctrl_nodes = {}  # (op, dst device) -> name of the _Recv standing for op

    def part(self, task) -> Partition:
        p = self.parts.get(task)
        if p is None:
            p = self.parts[task] = Partition(task)
        return p

    def data_inputs(self, op, task, dev) -> list:
        """``op``'s data inputs in its partition: a placeholder for a fed tensor, a _Recv
        for a tensor from another task, the tensor itself otherwise."""
        inputs = []
        for t in op._inputs:
            if t in self.fed:
                inputs.append(self._feed_input(t, task, dev))
            elif task_of(self.placement[t.op]) != task:
                key = (t, dev)
                if key not in self.cut_nodes:
                    self.cut_nodes[key] = self._send_recv(
                        t.op,
                        t._as_node_def_input(),
                        t.dtype.base_dtype,
                        t.shape,
                        task,
                        dev,
                        str(t.value_index),
                    )
                inputs.append(self.cut_nodes[key])
            else:
                inputs.append(t._as_node_def_input())
        return inputs

    def control_inputs(self, op, task, dev) -> list:
        """``op``'s control inputs the step needs; one from another task arrives as a _Recv
        of a dummy scalar produced after the controlling op has run."""
        inputs = []
        for c in op._control_inputs:
            if c not in self.needed:
                continue
            if task_of(self.placement[c]) == task:
                inputs.append("^" + c.name)
                continue
            key = (c, dev)
            if key not in self.ctrl_nodes:
                marker = f"{c.name}/_control_{len(self.ctrl_nodes)}"
                self.part(task_of(self.placement[c])).nodes.append(
                    NodeDef(
                        marker,
                        "Const",
                        ["^" + c.name],
                        self.placement[c],
                        {"value": _ZERO, "dtype": dtypes.float32},
                    )
                )
                self.ctrl_nodes[key] = self._send_recv(
                    c, marker, dtypes.float32, TensorShape([]), task, dev, "control"
                )
            inputs.append("^" + self.ctrl_nodes[key])
        return inputs

    def assign_fetches(self, fetch_tensors) -> dict:
        """Which task returns each fetch (None: the client fed it, and has it)."""
        fetch_task = {}
        for t in fetch_tensors:
            if t in self.fed:
                fetch_task[t.name] = None
                continue
            task = task_of(self.placement[t.op])
            if t.name not in fetch_task:  # each fetch once, without scanning the task's list
                self.part(task).fetches.append(t.name)
            fetch_task[t.name] = task
        return fetch_task

    def _feed_input(self, t, task, device):
        key = (t, task)
        name = self.feed_nodes.get(key)
        if name is None:
            node = f"{t.op.name}/_feed_{t.value_index}"
            p = self.part(task)
            p.nodes.append(
                NodeDef(
                    node, "Placeholder", [], device, {"dtype": t.dtype.base_dtype, "shape": t.shape}
                )
            )
            p.feeds.append((node + ":0", t.name))
            name = self.feed_nodes[key] = node
        return name

    def _send_recv(self, src_op, value_input, dtype, shape, dst_task, dst_device, tag):
        src_dev = self.placement[src_op]
        d = DeviceSpec.from_string(dst_device)
        suffix = f"{tag}_{d.job}_{d.task}"  # the receiving task ...
        if (d.device_type, d.device_index) != ("CPU", 0):
            suffix += f"_{d.device_type.lower()}{d.device_index}"  # ... and device
        send, recv = send_recv_pair(
            f"{src_op.name}/_send_{suffix}",
            f"{src_op.name}/_recv_{suffix}",
            value_input,
            f"edge_{src_op._id}_{src_op.name}_{tag}",
            src_dev,
            _int64(self.incarnations.get(src_dev, 0)),
            dst_device,
            dtype,
            shape,
        )
        self.part(task_of(src_dev)).nodes.append(send)
        self.part(dst_task).nodes.append(recv)
        return recv.name


def _int64(incarnation: int) -> int:
    """An incarnation as the int64 attr holds it: TensorFlow's devices have uint64 ones
    (teachflow's fit in 63 bits and are unchanged); the rendezvous key reads them back
    unsigned."""
    return incarnation - (1 << 64) if incarnation >= 1 << 63 else incarnation


_ZERO = np.zeros((), np.float32)
_ZERO.flags.writeable = False
