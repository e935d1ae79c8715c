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
    order = sorted(needed, key=lambda op: op._id)
    parts = {}

    def part(task):
        p = parts.get(task)
        if p is None:
            p = parts[task] = Partition(task)
        return p

    feed_nodes = {}  # (tensor, task) -> input string in that task's partition
    # As TF's partitioner cuts per *device*, every device of another task that reads a
    # tensor has its own _Recv (two GPUs of a worker reading a ps variable pull it twice).
    cut_nodes = {}  # (tensor, dst device) -> input string of the _Recv
    ctrl_nodes = {}  # (op, dst device) -> name of the _Recv standing for op

    def feed_input(t, task, device):
        key = (t, task)
        name = feed_nodes.get(key)
        if name is None:
            node = f"{t.op.name}/_feed_{t.value_index}"
            part(task).nodes.append(
                NodeDef(
                    node, "Placeholder", [], device, {"dtype": t.dtype.base_dtype, "shape": t.shape}
                )
            )
            part(task).feeds.append((node + ":0", t.name))
            name = feed_nodes[key] = node
        return name

    def send_recv(src_op, value_input, dtype, shape, dst_task, dst_device, tag):
        src_dev = placement[src_op]
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
            incarnations.get(src_dev, 0),
            dst_device,
            dtype,
            shape,
        )
        part(task_of(src_dev)).nodes.append(send)
        part(dst_task).nodes.append(recv)
        return recv.name

    for op in order:
        dev = placement[op]
        task = task_of(dev)
        nd = op.node_def
        nd.device = dev
        inputs = []
        for t in op._inputs:
            if t in fed:
                inputs.append(feed_input(t, task, dev))
            elif task_of(placement[t.op]) != task:
                key = (t, dev)
                if key not in cut_nodes:
                    cut_nodes[key] = send_recv(
                        t.op,
                        t._as_node_def_input(),
                        t.dtype.base_dtype,
                        t.shape,
                        task,
                        dev,
                        str(t.value_index),
                    )
                inputs.append(cut_nodes[key])
            else:
                inputs.append(t._as_node_def_input())
        for c in op._control_inputs:
            if c not in needed:
                continue
            if task_of(placement[c]) == task:
                inputs.append("^" + c.name)
                continue
            key = (c, dev)
            if key not in ctrl_nodes:
                # A control edge across tasks: send a scalar produced after c has run.
                src_task = task_of(placement[c])
                marker = f"{c.name}/_control_{len(ctrl_nodes)}"
                part(src_task).nodes.append(
                    NodeDef(
                        marker,
                        "Const",
                        ["^" + c.name],
                        placement[c],
                        {"value": _ZERO, "dtype": dtypes.float32},
                    )
                )
                ctrl_nodes[key] = send_recv(
                    c, marker, dtypes.float32, TensorShape([]), task, dev, "control"
                )
            inputs.append("^" + ctrl_nodes[key])
        nd.input = inputs
        part(task).nodes.append(nd)

    fetch_task = {}
    for t in fetch_tensors:
        if t in fed:
            fetch_task[t.name] = None
            continue
        task = task_of(placement[t.op])
        if t.name not in fetch_task:  # each fetch once, without scanning the task's list
            part(task).fetches.append(t.name)
        fetch_task[t.name] = task
    return parts, fetch_task


_ZERO = np.zeros((), np.float32)
_ZERO.flags.writeable = False
