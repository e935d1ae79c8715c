"""What the graph view shows, as data: nodes, edges, boxes and a legend. Nothing is drawn here.

The model is read from three places, the best one available winning:

- the run's *partition graphs* (``RunOptions(output_partition_graphs=True)``): the nodes
  that really ran, on the device that ran them, with the ``_Send``/``_Recv`` pairs the
  runtime added where an edge crosses a device or a task;
- the run's *step stats* (a traced run) and the session's *placement records*: the actual
  device of each node of the graph;
- the graph itself: the device each op *requested* (``tf.device``), or none.

Then two things keep a large graph readable: nodes with many control edges (``init``) are
moved aside with their edges counted, and name scopes are collapsed into one node each,
the largest first, until at most ``max_nodes`` remain.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from teachflow.distributed.protocol.graphs import node_defs_from_graph_def
from teachflow.viz import palette
from teachflow.viz.graph_sources import (
    CUT_MARK,
    REQUESTED,
    from_graph,
    from_partitions,
    overlay_placement,
    text,
)


@dataclass
class ViewNode:
    id: str  # unique in the view: the node's name (or a box id for a collapsed scope)
    name: str  # the full node name, or the scope's path
    label: str  # what is written in the node
    op_type: str  # "" for a collapsed scope
    kind: str  # "op", "state", "transfer" or "scope"
    device: str  # the device shown: actual when known, else the requested one ("" if none)
    placed: bool  # True when ``device`` is where the node actually ran / was placed
    color_key: str
    fill: str = palette.UNPLACED
    group: tuple = ()  # the ids of the boxes it sits in, outermost first
    members: int = 1  # ops behind a collapsed scope
    detail: str = ""  # the tooltip: name, op, devices, why it is there


@dataclass
class ViewEdge:
    src: str
    dst: str
    kind: str  # "data", "control" or "transfer"
    label: str = ""
    count: int = 1  # edges merged into this one (collapsed scopes)


@dataclass
class ViewBox:
    id: str
    label: str
    kind: str  # "task", "device" or "scope"
    color: str | None = None  # a device box is drawn in its device's colour
    detail: str = ""


@dataclass
class AsideNode:
    """A high-degree node drawn apart from the graph, its edges only counted."""

    node: ViewNode
    counts: dict  # "control inputs" -> 24, ...

    @property
    def summary(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)


@dataclass
class LegendEntry:
    label: str
    color: str
    kind: str  # "fill" (a node colour), "edge" (a line style) or "shape"
    style: str = ""  # fill: the colour key; edge: solid/dashed/bold; shape: cylinder/folder


@dataclass
class GraphModel:
    nodes: list
    edges: list
    boxes: dict  # box id -> ViewBox
    aside: list
    legend: list
    color_by: str
    source: str  # where devices came from: "partition graphs", "step stats", ...
    title: str = ""
    collapsed: list = field(default_factory=list)  # box ids of collapsed scopes


COLOR_BY = ("device", "op", "task")
UNPLACED_KEY = "unplaced"  # the colour key of nodes with no device (grey)
# Above this many nodes, name scopes are folded: a bigger drawing fitted into a notebook
# cell shrinks its labels below what anyone can read (lab 09's 150 nodes gave 4 px).
MAX_NODES = 60


def build_model(
    graph,
    *,
    color_by="device",
    run_metadata=None,
    session=None,
    collapse=None,
    max_nodes=MAX_NODES,
    aside_degree=10,
    edge_labels=False,
    expand=None,
) -> GraphModel:
    """The view model of ``graph`` (see `teachflow.viz.show_graph` for the arguments)."""
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}, got {color_by!r}")
    partitions = [
        node_defs_from_graph_def(p) if hasattr(p, "node") else p
        for p in getattr(run_metadata, "partition_graphs", None) or []
    ]
    if partitions:
        raws, transfers = from_partitions(partitions, graph, edge_labels)
        source = "partition graphs"
    else:
        raws, transfers = from_graph(graph, edge_labels), []
        source = overlay_placement(raws, session, run_metadata)
    by_id = {r.id: r for r in raws}
    keys = {r.id: _color_key(r, color_by, source) for r in raws}
    colors = _colors(keys.values(), color_by)
    single_task = len({_task(r.device) for r in raws if r.placed}) <= 1
    groups, boxes = _groups(raws, partitions != [], colors, single_task)
    aside_ids = _aside(raws, aside_degree)
    aside_set = set(aside_ids)
    if collapse is False:  # everything drawn: a big graph scrolls
        collapse, max_nodes = None, None
    elif collapse is True:
        collapse = None
    collapsed = _choose_collapsed(raws, groups, boxes, aside_ids, collapse, max_nodes, expand)

    nodes, visible = [], {}
    collapsed_members = {}
    for r in raws:
        if r.id in aside_set:
            continue
        top = next((b for b in groups[r.id] if b in collapsed), None)
        if top is not None:
            visible[r.id] = top
            collapsed_members.setdefault(top, []).append(r)
            continue
        visible[r.id] = r.id
        nodes.append(_view_node(r, keys[r.id], colors, groups[r.id], single_task))
    for box_id, members in collapsed_members.items():
        path = groups[members[0].id]
        outer = path[: path.index(box_id)]
        nodes.append(_scope_node(boxes[box_id], members, keys, colors, outer, single_task))
    edges = _merge_edges(raws, transfers, visible)
    aside = [_aside_node(by_id[i], keys[i], colors, single_task, raws) for i in aside_ids]
    used_boxes = {b for n in nodes for b in n.group}
    legend = _legend(nodes, aside, edges, colors, color_by, source, single_task)
    model = GraphModel(
        nodes=nodes,
        edges=edges,
        boxes={b: boxes[b] for b in boxes if b in used_boxes},
        aside=aside,
        legend=legend,
        color_by=color_by,
        source=source,
        collapsed=sorted(collapsed_members),
    )
    model.title = _title(model, len(raws))
    return model


# -- colours -------------------------------------------------------------------------------


def _task(device: str) -> str:
    fields = dict(re.findall(r"/(job|replica|task):([^/]*)", device or ""))
    if "job" not in fields:
        return ""
    return (
        f"/job:{fields['job']}/replica:{fields.get('replica', '0')}/task:{fields.get('task', '0')}"
    )


def _color_key(r, color_by, source) -> str:
    if color_by == "op":
        return palette.op_family(r.op_type)
    actual_known = source != REQUESTED
    if actual_known and not r.placed:
        return UNPLACED_KEY
    if color_by == "task":
        return _task(r.device) or UNPLACED_KEY
    return r.device or UNPLACED_KEY


def _colors(keys, color_by) -> dict:
    if color_by == "op":
        return dict(palette.OP_FAMILY_COLORS)
    return palette.color_table(set(keys), fixed={UNPLACED_KEY: palette.UNPLACED})


_DEVICE_TAIL = re.compile(r"/(?:device:)?([A-Za-z_]+):(\d+|\*)$")


def short_device(name: str, single_task: bool) -> str:
    """``GPU:1`` when every device is in one task, else ``/job:worker/task:0/GPU:1``."""
    m = _DEVICE_TAIL.search(name)
    if m is None:
        return name
    kind = m.group(1).upper() if m.group(1).lower() in ("cpu", "gpu") else m.group(1)
    task = _task(name)
    if single_task or not task:
        return f"{kind}:{m.group(2)}"
    return f"{task.replace('/replica:0', '')}/{kind}:{m.group(2)}"


def _key_label(key, color_by, source, single_task) -> str:
    if key == UNPLACED_KEY:
        if source == REQUESTED:
            return "no device requested"
        return "not placed"
    if color_by == "op":
        return key
    if color_by == "task":
        return key.replace("/replica:0", "")
    if source == REQUESTED:
        return f"{key} (requested)"
    return short_device(key, single_task)


# -- boxes ---------------------------------------------------------------------------------
def _scope_of(name: str, scopes: set) -> str:
    cut = CUT_MARK.search(name)
    if cut is not None:  # a node the partitioner added belongs with the op it cut
        return _scope_of(name[: cut.start()], scopes)
    if name in scopes:  # "w" joins its own scope "w/..." (Assign, read), as in TensorBoard
        return name
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _groups(raws, partitioned, colors, single_task):
    """Each node's box path, and the boxes: tasks and devices (partitioned), scopes with
    at least two members."""
    boxes = {}
    scopes = set()
    for r in raws:
        base = CUT_MARK.split(r.name)[0]
        parts = base.split("/")
        scopes.update("/".join(parts[:k]) for k in range(1, len(parts)))
    place = {}
    counts = Counter()
    for r in raws:
        outer = ()
        if partitioned:
            task = _task(r.device) or "(no task)"
            outer = (f"task:{task}", f"device:{r.device}")
        scope = _scope_of(r.name, scopes)
        parts = scope.split("/") if scope else []
        paths = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        place[r.id] = (outer, paths)
        for p in paths:
            counts[(outer, p)] += 1
    groups = {}
    for r in raws:
        outer, paths = place[r.id]
        path = list(outer)
        if partitioned:
            task_id, dev_id = outer
            boxes.setdefault(
                task_id, ViewBox(task_id, task_id[5:].replace("/replica:0", ""), "task")
            )
            color = colors.get(r.device) if r.device in colors else None
            boxes.setdefault(
                dev_id,
                ViewBox(dev_id, short_device(r.device, True), "device", color, detail=r.device),
            )
        for p in paths:
            if counts[(outer, p)] < 2:
                continue
            box_id = f"scope:{p}" if not partitioned else f"scope:{r.device}|{p}"
            boxes.setdefault(box_id, ViewBox(box_id, p.rsplit("/", 1)[-1], "scope", detail=p))
            path.append(box_id)
        groups[r.id] = tuple(path)
    return groups, boxes


# -- moving aside and collapsing -----------------------------------------------------------
def _aside(raws, aside_degree) -> list:
    """Nodes that only order others (``init``, a train op: a NoOp with many control
    inputs): at least ``aside_degree`` control edges and no data edge."""
    if not aside_degree:
        return []
    control, data = Counter(), Counter()
    for r in raws:
        for src, kind, _ in r.inputs:
            counter = control if kind == "control" else data
            counter[r.id] += 1
            counter[src] += 1
    return [r.id for r in raws if control[r.id] >= aside_degree and not data[r.id]]


def _choose_collapsed(raws, groups, boxes, aside_ids, collapse, max_nodes, expand=None) -> set:
    """Scopes to draw as one node: those named in ``collapse``; then, while more than
    ``max_nodes`` nodes remain, the scope with the most ops (``gradients`` first, as a
    person would), unless folding it would leave under a quarter of ``max_nodes`` while
    its inner scopes could be folded instead (one scope around a whole model). Scopes
    named in ``expand`` (a click in the graph widget), and the scopes around them, stay
    open."""
    aside = set(aside_ids)
    shown = [r.id for r in raws if r.id not in aside]
    members = Counter(b for i in shown for b in groups[i] if boxes[b].kind == "scope")
    if isinstance(collapse, str):
        collapse = [collapse]
    wanted = {w.strip("/") for w in collapse or ()}
    opened = {e.strip("/") for e in expand or ()}
    collapsed = {b for b in members if boxes[b].detail in wanted}
    if max_nodes is None:
        return collapsed
    for b in list(members):
        detail = boxes[b].detail
        if any(o == detail or o.startswith(detail + "/") for o in opened):
            del members[b]  # kept open
    has_inner = {b for i in shown for b in groups[i][:-1] if b in members}

    def count(extra=None):
        tops = set()
        n = 0
        for i in shown:
            top = next((b for b in groups[i] if b in collapsed or b == extra), None)
            if top is None:
                n += 1
            else:
                tops.add(top)
        return n + len(tops)

    order = sorted(members, key=lambda b: (-members[b], b))
    n = count()
    for careful in (True, False):
        for b in order:
            if n <= max_nodes:
                return collapsed
            if b in collapsed:
                continue
            after = count(b)
            if careful and after < max_nodes // 4 and b in has_inner:
                continue
            collapsed.add(b)
            n = after
    # A scope inside a collapsed one is hidden with it: the caller keeps the outermost.
    return collapsed


# -- view nodes and edges ------------------------------------------------------------------
def _node_kind(r) -> str:
    if r.op_type in ("_Send", "_Recv"):
        return "transfer"
    return "state" if r.state else "op"


# What a node the partitioner added is called, after the op it stands for.
_CUT_LABELS = {"send": "{}", "recv": "{}", "feed": "{} (fed)", "control": "{} done"}


def _node_label(r) -> str:
    cut = CUT_MARK.search(r.name)
    if cut is not None:
        base = r.name[: cut.start()].rsplit("/", 1)[-1]
        return _CUT_LABELS[cut.group(1)].format(base)
    return r.name.rsplit("/", 1)[-1]


def _detail(r, single_task) -> str:
    lines = [r.name, f"op: {r.op_type}"]
    if r.placed:
        lines.append(f"device: {r.device}")
        if r.requested and r.requested != r.device:
            lines.append(f"requested: {r.requested}")
        if r.reason:
            lines.append(f"why: {r.reason}")
    else:
        lines.append(f"requested: {r.requested or '(nothing)'}")
    if r.op_type in ("_Send", "_Recv"):
        frm = short_device(text(r.attrs.get("send_device", "")), single_task)
        to = short_device(text(r.attrs.get("recv_device", "")), single_task)
        lines.append(f"transfer: {frm} -> {to}")
    return "\n".join(lines)


def _view_node(r, key, colors, group, single_task) -> ViewNode:
    return ViewNode(
        id=r.id,
        name=r.name,
        label=_node_label(r),
        op_type=r.op_type,
        kind=_node_kind(r),
        device=r.device,
        placed=r.placed,
        color_key=key,
        fill=colors.get(key, palette.UNPLACED),
        group=group,
        detail=_detail(r, single_task),
    )


def _scope_node(box, members, keys, colors, outer, single_task) -> ViewNode:
    key_counts = Counter(keys[r.id] for r in members)
    # The colour most of its ops have; ties go to the first in legend order.
    key = min(key_counts, key=lambda k: (-key_counts[k], palette.device_sort_key(k)))
    devices = Counter(short_device(r.device, single_task) or "(none)" for r in members)
    types = Counter(r.op_type for r in members)
    detail = [f"{box.detail}/ ({len(members)} ops, collapsed)"]
    detail.append("devices: " + ", ".join(f"{d} x{n}" for d, n in sorted(devices.items())))
    detail.append("ops: " + ", ".join(f"{t} x{n}" for t, n in types.most_common(6)))
    first = members[0]
    return ViewNode(
        id=box.id,
        name=box.detail,
        label=box.label,
        op_type="",
        kind="scope",
        device=first.device if len(devices) == 1 else "",
        placed=all(r.placed for r in members),
        color_key=key,
        fill=colors.get(key, palette.UNPLACED),
        group=outer,
        members=len(members),
        detail="\n".join(detail),
    )


def _merge_edges(raws, transfers, visible) -> list:
    merged = {}
    listed = [(src, r.id, kind, label) for r in raws for src, kind, label in r.inputs]
    listed += [(s, d, "transfer", label) for s, d, label in transfers]
    for src, dst, kind, label in listed:
        a, b = visible.get(src), visible.get(dst)
        if a is None or b is None or a == b:
            continue
        e = merged.get((a, b, kind))
        if e is None:
            merged[(a, b, kind)] = ViewEdge(a, b, kind, label)
        else:
            e.count += 1
            e.label = f"x{e.count}"
    return list(merged.values())


def _aside_node(r, key, colors, single_task, raws) -> AsideNode:
    counts = Counter()
    for _src, kind, _ in r.inputs:
        counts[f"{kind} inputs"] += 1
    for other in raws:
        for src, kind, _ in other.inputs:
            if src == r.id:
                counts[f"{kind} outputs"] += 1
    node = _view_node(r, key, colors, (), single_task)
    order = ("control inputs", "control outputs", "data inputs", "data outputs")
    return AsideNode(node, {k: counts[k] for k in order if counts[k]})


def _legend(nodes, aside, edges, colors, color_by, source, single_task) -> list:
    keys = {n.color_key for n in nodes} | {a.node.color_key for a in aside}
    if color_by == "op":
        ordered = [k for k in palette.OP_FAMILY_COLORS if k in keys]
    else:
        ordered = sorted(keys - {UNPLACED_KEY}, key=palette.device_sort_key)
        ordered += [UNPLACED_KEY] if UNPLACED_KEY in keys else []
    out = [
        LegendEntry(_key_label(k, color_by, source, single_task), colors[k], "fill", k)
        for k in ordered
    ]
    kinds = {e.kind for e in edges}
    if "data" in kinds:
        out.append(LegendEntry("data", palette.DATA, "edge", "solid"))
    if "control" in kinds:
        out.append(LegendEntry("control dependency", palette.CONTROL, "edge", "dashed"))
    if "transfer" in kinds:
        out.append(LegendEntry("transfer (_Send -> _Recv)", palette.TRANSFER, "edge", "bold"))
    node_kinds = {n.kind for n in nodes}
    if "state" in node_kinds:
        out.append(LegendEntry("state (variable, queue)", palette.STATE, "shape", "cylinder"))
    if "scope" in node_kinds:
        out.append(LegendEntry("collapsed name scope", palette.CONTROL, "shape", "folder"))
    return out


def _title(model, n_ops) -> str:
    what = {"device": "device", "task": "task", "op": "op type"}[model.color_by]
    parts = [f"{n_ops} nodes"]
    if len(model.nodes) + len(model.aside) != n_ops:
        parts.append(f"{len(model.nodes)} shown")
    parts.append(f"coloured by {what}")
    if model.color_by != "op":
        parts.append(f"from {model.source}")
    return " | ".join(parts)
