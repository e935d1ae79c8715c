"""The graph view as a PNG drawn by matplotlib, for when Graphviz is not installed.

It draws the same layout as the SVG (`teachflow.viz.svg.layout_model`): boxes, edges with
arrowheads (dashed for control, red for transfers) and nodes with their labels; the
legend goes below the graph. matplotlib is imported only when a PNG is asked for.
"""

from __future__ import annotations

from teachflow.viz import palette
from teachflow.viz.dot import node_text
from teachflow.viz.svg import TITLE_H

DPI = 100
_LINESTYLES = {"data": "-", "control": (0, (4, 3)), "transfer": "-"}


def save_png(model, layout, path) -> None:
    # A bare Figure renders without pyplot, so a notebook's backend is left alone.
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

    legend_h = 18 * (len(model.legend) + len(model.aside)) + 30
    w, h = layout.width, layout.height + TITLE_H + legend_h
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)  # y grows downward, as in the SVG
    ax.axis("off")
    ax.text(8, 14, model.title, fontsize=8, va="center")

    def y(v):
        return v + TITLE_H

    for box_path, (x0, y0, x1, y1) in sorted(layout.boxes.items(), key=lambda kv: len(kv[0])):
        box = model.boxes[box_path[-1]]
        style = palette.BOX_STYLES[box.kind]
        ax.add_patch(
            Rectangle(
                (x0, y(y0)),
                x1 - x0,
                y1 - y0,
                facecolor=palette.tint(box.color, 0.9) if box.color else style["fill"],
                edgecolor=box.color or style["stroke"] or "#999999",
                linestyle="--" if style["dash"] else "-",
                linewidth=1.5 if box.kind == "device" else 0.8,
            )
        )
        ax.text(x0 + 6, y(y0) + 9, box.label, fontsize=7, color=style["label"], va="center")
    for e, route in zip(model.edges, layout.routes):
        if not route:
            continue
        style = palette.EDGE_STYLES[e.kind]
        xs, ys = [p[0] for p in route], [y(p[1]) for p in route]
        ax.plot(xs[:-1], ys[:-1], color=style["color"], lw=style["width"], ls=_LINESTYLES[e.kind])
        ax.add_patch(
            FancyArrowPatch(
                (xs[-2], ys[-2]),
                (xs[-1], ys[-1]),
                arrowstyle="-|>",
                mutation_scale=8,
                color=style["color"],
                lw=style["width"],
                linestyle=_LINESTYLES[e.kind],
            )
        )
    for n in model.nodes:
        nw, nh = layout.sizes[n.id]
        cx, cy = layout.x[n.id], y(layout.y[n.id])
        border = {"state": palette.STATE, "transfer": palette.TRANSFER}.get(n.kind, "#555555")
        ax.add_patch(
            FancyBboxPatch(
                (cx - nw / 2, cy - nh / 2),
                nw,
                nh,
                boxstyle="round,pad=0,rounding_size=4",
                facecolor=n.fill,
                edgecolor=border,
                linewidth=2 if n.kind in ("state", "transfer") else 0.8,
            )
        )
        ax.text(
            cx,
            cy,
            node_text(n),
            ha="center",
            va="center",
            fontsize=7,
            color=palette.text_color(n.fill),
        )
    handles = []
    for entry in model.legend:
        if entry.kind == "fill":
            handles.append(Patch(facecolor=entry.color, edgecolor="#555555", label=entry.label))
        else:
            handles.append(Patch(facecolor="#ffffff", edgecolor=entry.color, label=entry.label))
    for a in model.aside:
        handles.append(Patch(facecolor=a.node.fill, label=f"aside: {a.node.name} ({a.summary})"))
    if handles:
        fig.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    fig.savefig(path, format="png")
