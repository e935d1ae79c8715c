"""Partition graphs: the per-device subgraphs a plan runs, with their send/recv nodes.

An edge from a node on device A to a node on device B is cut into a ``_Send`` on A and a
``_Recv`` on B that meet at a rendezvous key. ``RunOptions(output_partition_graphs=True)``
returns these graphs in ``RunMetadata.partition_graphs``; a worker in a cluster registers
them.
"""

from __future__ import annotations

from teachflow.framework.operation import NodeDef


def partition_graphs(plan) -> list[list[NodeDef]]:
    """One list of NodeDefs per device of ``plan``, in device order."""
    parts = {d.name: [] for d in plan.devices}
    recv_name = {}
    for x in plan.transfers:
        src, dst = x.src.name, x.dst.name
        attrs = {
            "tensor_name": x.name,
            "send_device": src,
            "recv_device": dst,
            "send_device_incarnation": x.src.incarnation,
            "client_terminated": False,
            "T": x.tensor.dtype.base_dtype,
        }
        send = NodeDef(f"{x.tensor.op.name}/_send_{x.name}", "_Send", [x.tensor.name], src, attrs)
        recv = NodeDef(f"{x.tensor.op.name}/_recv_{x.name}", "_Recv", [], dst, dict(attrs))
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
