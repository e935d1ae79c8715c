"""Partition graphs: the per-device subgraphs a plan runs, with their send/recv nodes.

An edge from a node on device A to a node on device B is cut into a ``_Send`` on A and a
``_Recv`` on B that meet at a rendezvous key. ``RunOptions(output_partition_graphs=True)``
returns these graphs in ``RunMetadata.partition_graphs``; a worker in a cluster registers
them.
"""

from __future__ import annotations

from teachflow.framework.codecs.graph_def import nodes_to_graph_def
from teachflow.framework.operation import NodeDef


def send_recv_pair(
    send_name, recv_name, value_input, tensor_name, src, incarnation, dst, dtype, shape=None
):
    """The ``_Send`` (on ``src``) and ``_Recv`` (on ``dst``) that cut one edge; both carry
    the attributes that make up their rendezvous key."""
    attrs = {
        "tensor_name": tensor_name,
        "send_device": src,
        "recv_device": dst,
        "send_device_incarnation": incarnation,
        "client_terminated": False,
        "T": dtype,
    }
    recv_attrs = dict(attrs) if shape is None else dict(attrs, shape=shape)
    return (
        NodeDef(send_name, "_Send", [value_input], src, attrs),
        NodeDef(recv_name, "_Recv", [], dst, recv_attrs),
    )


def partition_graphs(plan) -> list:
    """One TensorFlow ``GraphDef`` per device of ``plan``, in device order (as TF's
    RunMetadata)."""
    return [nodes_to_graph_def(nodes) for nodes in partition_node_defs(plan)]


def partition_node_defs(plan) -> list:
    """The `NodeDef` records of each device's partition graph, in device order (devices
    with nothing to run left out)."""
    parts = {d.name: [] for d in plan.devices}
    recv_name = {}
    for x in plan.transfers:
        src, dst = x.src.name, x.dst.name
        send, recv = send_recv_pair(
            f"{x.tensor.op.name}/_send_{x.name}",
            f"{x.tensor.op.name}/_recv_{x.name}",
            x.tensor.name,
            x.name,
            src,
            x.src.incarnation,
            dst,
            x.tensor.dtype.base_dtype,
        )
        parts[src].append(send)
        parts[dst].append(recv)
        recv_name[(x.tensor, dst)] = recv.name
    for op in plan.ops:
        dev = plan.placement[op.name]
        nd = op.node_def
        nd.device = dev
        nd.input = [recv_name.get((t, dev), t._as_node_def_input()) for t in op._inputs] + [
            "^" + c.name for c in op._control_inputs
        ]
        parts[dev].append(nd)
    return [parts[d.name] for d in plan.devices if parts[d.name]]
