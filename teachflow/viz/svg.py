"""The graph view as a standalone SVG, laid out in plain Python (no Graphviz needed).

`layout_model` turns a view model into `teachflow.viz.layout.LayoutNode`s (sizes from the
label text), `render_svg` writes the drawing: boxes, then edges, then nodes (one ``<g>``
each, with a ``<title>`` tooltip and ``data-name``/``data-device`` attributes a widget can
link to), then a side panel with the legend and the nodes moved aside. Text is escaped
for XML; ids carry a suffix made from the content, so two graphs inline in one page do
not share arrowheads.
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape, quoteattr

from teachflow.viz import palette
from teachflow.viz.dot import node_text
from teachflow.viz.layout import LayoutNode, Spacing, layered_layout

FONT = "Helvetica, Arial, sans-serif"
FONT_SIZE = 11
SMALL = 9
CHAR_W = 6.3  # mean advance of an 11px sans-serif character
LINE_H = 13
PAD_X, PAD_Y = 9, 6
CAP = 5  # the height of a cylinder's elliptic cap
TITLE_H = 22
PANEL_GAP = 24

# Node outline per kind: (stroke colour, stroke width).
NODE_STROKES = {
    "op": ("#555555", 1.0),
    "state": (palette.STATE, 2.0),
    "transfer": (palette.TRANSFER, 2.0),
    "scope": ("#444444", 1.2),
}


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * CHAR_W * size / FONT_SIZE


def node_size(node, extra="") -> tuple:
    lines = node_text(node).split("\n") + ([extra] if extra else [])
    w = max(text_width(line, FONT_SIZE if i == 0 else SMALL) for i, line in enumerate(lines))
    h = 2 * PAD_Y + LINE_H * len(lines) + (2 * CAP if node.kind == "state" else 0)
    return max(w + 2 * PAD_X, 36.0), float(h)


def layout_model(model, spacing=None):
    """Lay out the model's nodes and edges (`teachflow.viz.layout.layered_layout`)."""
    nodes = [LayoutNode(n.id, *node_size(n), tuple(n.group)) for n in model.nodes]
    widths = {}
    for n in model.nodes:
        for k in range(1, len(n.group) + 1):
            box = model.boxes[n.group[k - 1]]
            widths[n.group[:k]] = text_width(box.label) + 2 * PAD_X
    return layered_layout(
        nodes, [(e.src, e.dst, e.kind) for e in model.edges], box_min_width=widths, spacing=spacing
    )


def render_svg(model, layout=None) -> str:
    """A standalone SVG document of ``model`` (laid out here unless ``layout`` is given)."""
    lay = layout if layout is not None else layout_model(model, Spacing())
    uid = hashlib.sha1(
        "\n".join([model.title] + [n.id for n in model.nodes]).encode("utf-8")
    ).hexdigest()[:8]
    panel, panel_w, panel_h = _panel(model, uid)
    width = lay.width + (PANEL_GAP + panel_w if panel else 0)
    height = TITLE_H + max(lay.height, panel_h + 16)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="teachflow-graph" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">',
        f"<title>{escape(model.title)}</title>",
        _defs(uid),
        f'<rect class="background" width="100%" height="100%" fill="{palette.IDLE}"/>',
        f'<text class="title" x="8" y="15" fill="{palette.TEXT}">{escape(model.title)}</text>',
        f'<g class="graph" transform="translate(0,{TITLE_H})">',
    ]
    out.append('<g class="boxes">')
    for path in sorted(lay.boxes, key=len):
        out.append(_box(model.boxes[path[-1]], lay.boxes[path]))
    out.append("</g>")
    out.append('<g class="edges">')
    for e, route in zip(model.edges, lay.routes):
        if route:
            out.append(_edge(e, route, uid))
    out.append("</g>")
    out.append('<g class="nodes">')
    for n in model.nodes:
        w, h = lay.sizes[n.id]
        out.append(_node(n, lay.x[n.id], lay.y[n.id], w, h))
    out.append("</g>")
    out.append("</g>")
    if panel:
        out.append(
            f'<g class="panel" transform="translate({lay.width + PANEL_GAP:.1f},{TITLE_H})">'
        )
        out.extend(panel)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _defs(uid) -> str:
    markers = []
    for kind, style in palette.EDGE_STYLES.items():
        size = 9 if kind == "transfer" else 7
        markers.append(
            f'<marker id="tf-arrow-{kind}-{uid}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerUnits="userSpaceOnUse" markerWidth="{size}" markerHeight="{size}" '
            f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{style["color"]}"/></marker>'
        )
    return "<defs>" + "".join(markers) + "</defs>"


def _box(box, rect) -> str:
    x0, y0, x1, y1 = rect
    style = palette.BOX_STYLES[box.kind]
    stroke = box.color or style["stroke"] or "#999999"
    fill = palette.tint(box.color, 0.9) if box.color else style["fill"]
    dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
    width = 2 if box.kind == "device" else 1
    return (
        f'<g class="box {box.kind}" data-box={quoteattr(box.id)}>'
        f"<title>{escape(box.detail or box.label)}</title>"
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text x="{x0 + 7:.1f}" y="{y0 + 13:.1f}" fill="{style["label"]}" font-size="{SMALL + 1}">'
        f"{escape(box.label)}</text></g>"
    )


def _edge(e, route, uid) -> str:
    style = palette.EDGE_STYLES[e.kind]
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in route)
    dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
    parts = [
        f'<g class="edge {e.kind}" data-src={quoteattr(e.src)} data-dst={quoteattr(e.dst)}>',
        f"<title>{escape(f'{e.src} -> {e.dst} ({e.kind})')}</title>",
        f'<path d="{d}" fill="none" stroke="{style["color"]}" stroke-width="{style["width"]}"'
        f'{dash} marker-end="url(#tf-arrow-{e.kind}-{uid})"/>',
    ]
    if e.label:
        (xa, ya), (xb, yb) = route[len(route) // 2 - 1], route[len(route) // 2]
        parts.append(
            f'<text class="edge-label" x="{(xa + xb) / 2 + 4:.1f}" y="{(ya + yb) / 2 + 3:.1f}" '
            f'font-size="{SMALL - 1}" fill="{palette.TEXT}" stroke="{palette.IDLE}" '
            f'stroke-width="3" paint-order="stroke">{escape(e.label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _node(n, cx, cy, w, h, extra="", cls="node") -> str:
    stroke, sw = NODE_STROKES[n.kind]
    x0, y0 = cx - w / 2, cy - h / 2
    paint = f'fill="{n.fill}" stroke="{stroke}" stroke-width="{sw}"'
    if n.kind == "state":
        x1, y1 = x0 + w, y0 + h
        rx = w / 2
        shape = (
            f'<path d="M{x0:.1f},{y0 + CAP:.1f} L{x0:.1f},{y1 - CAP:.1f} '
            f"A{rx:.1f},{CAP} 0 0 0 {x1:.1f},{y1 - CAP:.1f} L{x1:.1f},{y0 + CAP:.1f} "
            f'A{rx:.1f},{CAP} 0 0 0 {x0:.1f},{y0 + CAP:.1f} Z" {paint}/>'
            f'<ellipse cx="{cx:.1f}" cy="{y0 + CAP:.1f}" rx="{rx:.1f}" ry="{CAP}" {paint}/>'
        )
    elif n.kind == "scope":
        # A stack of cards: the ops folded into this one box.
        shape = (
            f'<rect x="{x0 + 4:.1f}" y="{y0 - 4:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3" '
            f'{paint} opacity="0.6"/>'
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3" {paint}/>'
        )
    else:
        rx = 10 if n.kind == "transfer" else 5
        shape = (
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" {paint}/>'
        )
    lines = node_text(n).split("\n") + ([extra] if extra else [])
    ink = palette.text_color(n.fill)
    top = cy - LINE_H * len(lines) / 2 + (CAP if n.kind == "state" else 0) / 2
    texts = []
    for i, line in enumerate(lines):
        size = FONT_SIZE if i == 0 else SMALL
        weight = ' font-weight="bold"' if i == 0 else ""
        texts.append(
            f'<text x="{cx:.1f}" y="{top + LINE_H * (i + 1) - 3:.1f}" text-anchor="middle" '
            f'font-size="{size}"{weight} fill="{ink}">{escape(line)}</text>'
        )
    return (
        f'<g class="{cls} {n.kind}" data-name={quoteattr(n.name)} '
        f"data-device={quoteattr(n.device)}>"
        f"<title>{escape(n.detail)}</title>{shape}{''.join(texts)}</g>"
    )


def _panel(model, uid):
    """The legend, then the nodes moved aside, stacked in a column."""
    out = ['<g class="legend">']
    y = 4.0
    heading = {"device": "device", "task": "task", "op": "op type"}[model.color_by]
    out.append(f'<text x="0" y="{y + 10:.1f}" font-weight="bold">colour = {escape(heading)}</text>')
    y += 20
    width = 120.0
    for entry in model.legend:
        out.append(_legend_row(entry, y, uid))
        width = max(width, 34 + text_width(entry.label))
        y += 18
    out.append("</g>")
    if model.aside:
        y += 12
        out.append(f'<g class="aside" transform="translate(0,{y:.1f})">')
        out.append('<text x="0" y="10" font-weight="bold">moved aside</text>')
        ya = 22.0
        for a in model.aside:
            w, h = node_size(a.node, a.summary)
            out.append(_node(a.node, w / 2, ya + h / 2, w, h, a.summary, cls="node aside"))
            width = max(width, w)
            ya += h + 10
        out.append("</g>")
        y += ya
    return out, width, y


_EDGE_KIND_OF_STYLE = {"solid": "data", "dashed": "control", "bold": "transfer"}


def _legend_row(entry, y, uid) -> str:
    mid = y + 5
    if entry.kind == "fill":
        swatch = (
            f'<rect x="0" y="{y:.1f}" width="22" height="11" rx="2" fill="{entry.color}" '
            f'stroke="#555555" stroke-width="0.6"/>'
        )
    elif entry.kind == "edge":
        kind = _EDGE_KIND_OF_STYLE[entry.style]
        style = palette.EDGE_STYLES[kind]
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        swatch = (
            f'<path d="M0,{mid:.1f} L22,{mid:.1f}" stroke="{entry.color}" '
            f'stroke-width="{style["width"]}"{dash} marker-end="url(#tf-arrow-{kind}-{uid})"/>'
        )
    elif entry.style == "cylinder":
        swatch = (
            f'<rect x="4" y="{y:.1f}" width="14" height="12" fill="#ffffff" '
            f'stroke="{entry.color}" stroke-width="2"/>'
            f'<ellipse cx="11" cy="{y:.1f}" rx="7" ry="2.5" fill="#ffffff" '
            f'stroke="{entry.color}" stroke-width="2"/>'
        )
    else:
        swatch = (
            f'<rect x="6" y="{y - 3:.1f}" width="16" height="11" fill="#ffffff" stroke="{entry.color}"/>'
            f'<rect x="2" y="{y:.1f}" width="16" height="11" fill="#ffffff" stroke="{entry.color}"/>'
        )
    return (
        f'<g class="legend-entry {entry.kind}">{swatch}'
        f'<text x="30" y="{y + 9:.1f}" fill="{palette.TEXT}">{escape(entry.label)}</text></g>'
    )
