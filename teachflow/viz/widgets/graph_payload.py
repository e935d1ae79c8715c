"""A graph view as plain JSON-able data for the browser: where to draw every node, edge,
box and legend entry, in the coordinates of the pure-Python layered layout.

`GraphWidget` sends this to its page script, which draws it with no Graphviz and no
layout code of its own, so that the live graph and the static SVG look the same.

    >>> import teachflow as tf
    >>> from teachflow.viz import show_graph
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     a = tf.constant(1.0, name="a")
    ...     b = tf.identity(a, name="b")
    >>> p = graph_payload(show_graph(g))
    >>> [n["name"] for n in p["nodes"]], [(e["src"], e["dst"], e["kind"]) for e in p["edges"]]
    (['a', 'b'], [('a', 'b', 'data')])
    >>> base_name("mul/_send_0_to_gpu1"), base_name("mul:0")
    ('mul', 'mul')
"""

from __future__ import annotations

from teachflow.viz import palette
from teachflow.viz.dot import node_text
from teachflow.viz.graph_sources import CUT_MARK
from teachflow.viz.svg import NODE_STROKES

__all__ = ["graph_payload", "base_name"]


def base_name(name: str) -> str:
    """The op a node, a tensor (``mul:0``) or a cut node (``mul/_send_...``) stands for.

    Both widgets compare selections by it: clicking a transfer of ``mul:0`` in the
    timeline highlights ``mul`` and its ``_Send``/``_Recv`` nodes in the graph.
    """
    op = (name or "").split(":", 1)[0]
    return CUT_MARK.split(op, maxsplit=1)[0]


def _r(v: float) -> float:
    return round(float(v), 1)


def _node(n, lay) -> dict:
    w, h = lay.sizes[n.id]
    stroke, stroke_width = NODE_STROKES[n.kind]
    return {
        "id": n.id,
        "name": n.name,
        "base": base_name(n.name),
        "label": node_text(n).split("\n"),
        "op": n.op_type,
        "kind": n.kind,
        "device": n.device,
        "placed": n.placed,
        "fill": n.fill,
        "ink": palette.text_color(n.fill),
        "stroke": stroke,
        "stroke_width": stroke_width,
        "x": _r(lay.x[n.id]),
        "y": _r(lay.y[n.id]),
        "w": _r(w),
        "h": _r(h),
        "members": n.members,
        "detail": n.detail,
    }


def _edge(e, route) -> dict:
    style = palette.EDGE_STYLES[e.kind]
    return {
        "src": e.src,
        "dst": e.dst,
        "kind": e.kind,
        "label": e.label,
        "count": e.count,
        "points": [[_r(x), _r(y)] for x, y in route],
        "color": style["color"],
        "width": style["width"],
        "dash": style["dash"] or "",
    }


def _box(box, rect, depth) -> dict:
    style = palette.BOX_STYLES[box.kind]
    x0, y0, x1, y1 = rect
    return {
        "id": box.id,
        "label": box.label,
        "kind": box.kind,
        "detail": box.detail or box.label,
        "depth": depth,
        "x0": _r(x0),
        "y0": _r(y0),
        "x1": _r(x1),
        "y1": _r(y1),
        "fill": palette.tint(box.color, 0.9) if box.color else style["fill"],
        "stroke": box.color or style["stroke"] or "#999999",
        "dash": style["dash"] or "",
        "width": 2 if box.kind == "device" else 1,
        "ink": style["label"],
    }


_EDGE_KIND_OF_STYLE = {"solid": "data", "dashed": "control", "bold": "transfer"}


def _legend(entry) -> dict:
    out = {"label": entry.label, "color": entry.color, "kind": entry.kind, "style": entry.style}
    if entry.kind == "edge":
        style = palette.EDGE_STYLES[_EDGE_KIND_OF_STYLE[entry.style]]
        out.update(dash=style["dash"] or "", width=style["width"])
    return out


def graph_payload(view) -> dict:
    """Everything the graph widget's page draws, for a `GraphView` ``view``.

    Keys: ``nodes``, ``edges`` (with their routed ``points``), ``boxes`` (outermost
    first), ``legend``, ``aside`` (nodes drawn apart, with their edge counts), ``colors``
    (colour key, e.g. a device name, -> fill), ``width``, ``height`` and ``title``.
    """
    model = view.model
    lay = view.layout()
    boxes = [
        _box(model.boxes[path[-1]], rect, len(path))
        for path, rect in sorted(lay.boxes.items(), key=lambda kv: len(kv[0]))
    ]
    return {
        "nodes": [_node(n, lay) for n in model.nodes],
        "edges": [_edge(e, route) for e, route in zip(model.edges, lay.routes) if route],
        "boxes": boxes,
        "legend": [_legend(entry) for entry in model.legend],
        "aside": [
            {
                "name": a.node.name,
                "label": a.node.label,
                "fill": a.node.fill,
                "device": a.node.device,
                "summary": a.summary,
                "detail": a.node.detail,
            }
            for a in model.aside
        ],
        "colors": {e.style: e.color for e in model.legend if e.kind == "fill"},
        "width": _r(lay.width),
        "height": _r(lay.height),
        "title": model.title,
    }
