"""Where the graph view learns its nodes and their devices from.

- the graph: every op, its inputs and control inputs, the device it *requested*;
- a run's partition graphs: the nodes that really ran, each on its device, with the
  ``_Send``/``_Recv`` pairs cut into edges that cross devices or tasks (paired here by
  their rendezvous key: tensor name, sending and receiving device);
- a session's placement records and a traced run's step stats: the actual device of each
  node of the graph, and why it went there.

Each node becomes a `RawNode`; `teachflow.viz.graph_model` decides how to draw them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from teachflow.viz import palette

REQUESTED = "requested devices"  # the source when nothing was placed yet
# Nodes the partitioner adds are named after the op they stand for: "w/read/_send_0_..."
CUT_MARK = re.compile(r"/_(send|recv|feed|control)_")


@dataclass
class RawNode:
    """One node to draw, before any decision about how."""

    name: str
    op_type: str
    inputs: list  # (source id, "data" | "control", tensor label)
    requested: str = ""
    device: str = ""
    placed: bool = False
    reason: str = ""
    state: bool = False
    id: str = ""
    attrs: dict = field(default_factory=dict)


def tensor_label(t) -> str:
    shape = t.shape
    dims = (
        "?"
        if shape.ndims is None
        else ",".join("?" if d is None else str(d) for d in shape.as_list())
    )
    return f"{t.dtype.base_dtype.name} [{dims}]"


def _is_state(op) -> bool:
    # A variable or queue owns state; Assign only passes a reference on, so a ref *input*
    # means "uses state", a ref output with no ref input means "is state".
    if palette.is_state_op_type(op.type):
        return True
    outs = any(t.dtype.is_ref_dtype for t in op.outputs)
    return outs and not any(t.dtype.is_ref_dtype for t in op.inputs)


def from_graph(graph, edge_labels):
    raws = []
    for op in graph.get_operations():
        inputs = [(t.op.name, "data", tensor_label(t) if edge_labels else "") for t in op.inputs]
        inputs += [(c.name, "control", "") for c in op.control_inputs]
        raws.append(
            RawNode(
                op.name,
                op.type,
                inputs,
                requested=op.device,
                device=op.device,
                state=_is_state(op),
                id=op.name,
                attrs=op._attrs,
            )
        )
    return raws


def from_partitions(partitions, graph, edge_labels):
    """Nodes of every partition; a name used in two partitions gets its device added."""
    counts = Counter(nd.name for part in partitions for nd in part)
    raws, transfers = [], []
    sends, recvs = {}, {}
    ops = graph._ops_by_name if graph is not None else {}
    for part in partitions:
        local = {}
        for nd in part:
            nid = nd.name if counts[nd.name] == 1 else f"{nd.name} @ {nd.device}"
            local[nd.name] = nid
        for nd in part:
            op = ops.get(nd.name)
            inputs = []
            for s in nd.input:
                kind = "control" if s.startswith("^") else "data"
                src, _, index = s.lstrip("^").partition(":")
                label = ""
                if edge_labels and kind == "data":
                    label = _label_from_graph(ops, src, index, nd)
                inputs.append((local.get(src, src), kind, label))
            raw = RawNode(
                nd.name,
                nd.op,
                inputs,
                requested=op.device if op is not None else "",
                device=nd.device,
                placed=bool(nd.device),
                reason="partition graph",
                state=_is_state(op) if op is not None else palette.is_state_op_type(nd.op),
                id=local[nd.name],
                attrs=dict(nd.attr),
            )
            raws.append(raw)
            if nd.op in ("_Send", "_Recv"):
                key = tuple(
                    text(nd.attr.get(k)) for k in ("tensor_name", "send_device", "recv_device")
                )
                (sends if nd.op == "_Send" else recvs)[key] = raw
    for key, send in sends.items():
        recv = recvs.get(key)
        if recv is not None:
            label = text(send.attrs.get("T", "")) if edge_labels else ""
            transfers.append((send.id, recv.id, label))
    return raws, transfers


def _label_from_graph(ops, src, index, nd):
    op = ops.get(src)
    if op is None:
        op = ops.get(CUT_MARK.split(src)[0]) if nd.op != "_Send" else None
    try:
        return tensor_label(op.outputs[int(index or 0)]) if op is not None else ""
    except (IndexError, ValueError):
        return ""


def text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if v is None:
        return ""
    return getattr(v, "name", None) or str(v)  # a DType prints as its name


def overlay_placement(raws, session, run_metadata) -> str:
    """Replace requested devices by actual ones; returns where they came from."""
    by_name = {r.name: r for r in raws}
    sources = []
    records = []
    if session is not None:
        try:
            records = list(session.placement_records())
        except (AttributeError, TypeError):  # a remote session: placement is on the master
            records = []
    for rec in records:
        r = by_name.get(rec.node)
        if r is not None:
            r.device, r.placed, r.reason = rec.device, True, str(rec.reason)
            if "placement records" not in sources:
                sources.append("placement records")
    stats = getattr(run_metadata, "step_stats", None) if run_metadata is not None else None
    for dev in getattr(stats, "dev_stats", None) or []:
        for ns in dev.node_stats:
            r = by_name.get(ns.node_name)
            if r is not None:
                if not r.placed:
                    r.reason = "ran there (step stats)"
                r.device, r.placed = dev.device, True
                if "step stats" not in sources:
                    sources.append("step stats")
    return " and ".join(sources) or REQUESTED
