"""The graph view as Graphviz DOT text: what ``dot`` draws when it is installed.

Boxes become nested ``cluster`` subgraphs (task > device > name scope), state nodes are
cylinders, control edges dashed, transfers red; every colour comes from
`teachflow.viz.palette`. Every string is quoted and escaped, so node names with quotes,
backslashes or ``<`` cannot break the file.

    >>> from teachflow.viz.dot import quote
    >>> print(quote('say "hi"'))
    "say \\"hi\\""
"""

from __future__ import annotations

from teachflow.viz import palette

FONT = "Helvetica,Arial,sans-serif"
# How each kind of node is drawn, as Graphviz attributes: data, not code.
NODE_SHAPES = {
    "op": {"shape": "box", "style": "rounded,filled"},
    "state": {"shape": "cylinder", "style": "filled", "penwidth": "2"},
    "transfer": {"shape": "box", "style": "rounded,filled,bold", "penwidth": "2"},
    "scope": {"shape": "folder", "style": "filled", "penwidth": "1.5"},
}
NODE_BORDERS = {
    "op": "#555555",
    "state": palette.STATE,
    "transfer": palette.TRANSFER,
    "scope": "#444444",
}
EDGE_DOT_STYLE = {"data": "solid", "control": "dashed", "transfer": "bold"}


def quote(text) -> str:
    """A DOT double-quoted string; newlines become Graphviz's centred line breaks."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s.replace("\r", "").replace("\n", "\\n") + '"'


def html(text) -> str:
    """Text escaped for a Graphviz HTML-like label."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _attrs(**kw) -> str:
    return "[" + ", ".join(f"{k}={quote(v)}" for k, v in kw.items() if v is not None) + "]"


def node_text(node) -> str:
    """The lines written in a node: its short name, then its op type (or op count)."""
    if node.kind == "scope":
        return f"{node.label}\n({node.members} ops)"
    if node.op_type and node.op_type != node.label:
        return f"{node.label}\n{node.op_type}"
    return node.label


def to_dot(model) -> str:
    """DOT source for a `teachflow.viz.graph_model.GraphModel`."""
    out = [
        "digraph teachflow {",
        f"  graph {_attrs(rankdir='TB', fontname=FONT, fontsize='11', label=model.title, labelloc='t', newrank='true', nodesep='0.25', ranksep='0.4')};",
        f"  node {_attrs(fontname=FONT, fontsize='10', margin='0.08,0.04', height='0.3')};",
        f"  edge {_attrs(fontname=FONT, fontsize='8', arrowsize='0.6')};",
    ]
    inside = {}  # innermost box id (or None) -> nodes
    children = {}  # box id (or None) -> inner box ids, in first-seen order
    for n in model.nodes:
        inside.setdefault(n.group[-1] if n.group else None, []).append(n)
        parent = None
        for b in n.group:
            kids = children.setdefault(parent, [])
            if b not in kids:
                kids.append(b)
            parent = b
    _emit_box(out, None, model, inside, children, "  ")
    for e in model.edges:
        out.append(f"  {quote(e.src)} -> {quote(e.dst)} {_edge_attrs(e)};")
    if model.aside:
        out.append(
            f"  subgraph {quote('cluster_aside')} {{ {_box_attrs(label='moved aside: many control edges', style='dashed,rounded', color='#999999')}"
        )
        for a in model.aside:
            out.append(f"    {quote(a.node.id)} {_node_attrs(a.node, a.summary)};")
        out.append("  }")
    # "_legend" cannot clash with a node: graph names never start with "_".
    out.append(f"  {quote('_legend')} [shape=plaintext, label=<{legend_table(model)}>];")
    out.extend(_legend_shape_nodes(model))
    out.append("}")
    return "\n".join(out) + "\n"


def _emit_box(out, box_id, model, inside, children, pad):
    if box_id is not None:
        box = model.boxes[box_id]
        style = palette.BOX_STYLES[box.kind]
        stroke = box.color or style["stroke"] or "#999999"
        fill = palette.tint(box.color, 0.9) if box.color else style["fill"]
        dashes = "dashed,rounded,filled" if style["dash"] else "rounded,filled"
        out.append(
            f"{pad}subgraph {quote('cluster_' + box_id)} {{ "
            + _box_attrs(
                label=box.label,
                tooltip=box.detail or box.label,
                style=dashes,
                color=stroke,
                fillcolor=fill,
                fontcolor=style["label"],
                penwidth="2" if box.kind == "device" else "1",
            )
        )
        pad += "  "
    for n in inside.get(box_id, ()):
        out.append(f"{pad}{quote(n.id)} {_node_attrs(n)};")
    for child in children.get(box_id, ()):
        _emit_box(out, child, model, inside, children, pad)
    if box_id is not None:
        out.append(pad[:-2] + "}")


def _box_attrs(**kw) -> str:
    return " ".join(f"{k}={quote(v)};" for k, v in kw.items() if v is not None)


def _node_attrs(n, extra="") -> str:
    text = node_text(n) + (f"\n{extra}" if extra else "")
    shape = NODE_SHAPES[n.kind]
    return _attrs(
        label=text,
        tooltip=n.detail,
        fillcolor=n.fill,
        fontcolor=palette.text_color(n.fill),
        color=NODE_BORDERS[n.kind],
        **shape,
    )


def _edge_attrs(e) -> str:
    style = palette.EDGE_STYLES[e.kind]
    return _attrs(
        style=EDGE_DOT_STYLE[e.kind],
        color=style["color"],
        penwidth=str(style["width"]),
        label=e.label or None,
        tooltip=f"{e.src} -> {e.dst} ({e.kind}{f', {e.count} edges' if e.count > 1 else ''})",
    )


_LEGEND_SAMPLES = {
    "solid": "&#9472;&#9472;&#9472;",
    "dashed": "- - -",
    "bold": "&#9473;&#9473;&#9473;",
}
# Legend shapes are drawn as the nodes are, not as a glyph that merely resembles them.
_SHAPE_KIND = {"cylinder": "state", "folder": "scope"}


def _legend_shape_nodes(model) -> list:
    """The legend's shapes (state, collapsed scope) as small nodes of the very shape the
    graph uses, hung under the legend table by invisible edges."""
    out = []
    above = quote("_legend")
    for entry in (e for e in model.legend if e.kind == "shape"):
        shape = dict(NODE_SHAPES[_SHAPE_KIND[entry.style]])
        attrs = ", ".join(f"{k}={quote(v)}" for k, v in shape.items())
        name = quote(f"_legend_{entry.style}")
        out.append(
            f"  {name} [{attrs}, label={quote(entry.label)}, color={quote(entry.color)}, "
            f'fillcolor="#ffffff", fontsize=9, fontname={quote(FONT)}, height=0.3];'
        )
        out.append(f'  {above} -> {name} [style="invis"];')
        above = name
    return out


def legend_table(model) -> str:
    """The legend as a Graphviz HTML-like table: one row per colour and line; the shapes
    follow as nodes (`_legend_shape_nodes`)."""
    rows = [f'<TR><TD COLSPAN="2"><B>{html(_legend_heading(model))}</B></TD></TR>']
    for entry in model.legend:
        if entry.kind == "fill":
            swatch = f'<TD BGCOLOR="{entry.color}" WIDTH="18"> </TD>'
        elif entry.kind == "edge":
            swatch = f'<TD><FONT COLOR="{entry.color}">{_LEGEND_SAMPLES[entry.style]}</FONT></TD>'
        else:
            continue
        rows.append(f'<TR>{swatch}<TD ALIGN="LEFT">{html(entry.label)}</TD></TR>')
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">' + "".join(rows) + "</TABLE>"


def _legend_heading(model) -> str:
    what = {"device": "device", "task": "task", "op": "op type"}[model.color_by]
    return f"colour = {what}"
