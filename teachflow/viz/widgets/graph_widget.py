"""The dataflow graph as a live notebook widget (anywidget): zoom, pan, hover, select.

The layout is the pure-Python layered one of `teachflow.viz.layout` (no Graphviz, no
layout code in the browser); the page script draws what `graph_payload` lists: nodes
coloured by device with a legend, data edges solid, control edges dashed, variables and
queues as state, task/device/scope boxes, and the ``_Send``/``_Recv`` pairs of a
partitioned run in red. Clicking a node sets ``selected``; `LiveTimeline.link` shares
that trait with a timeline and makes the graph flash the ops as they run (``active``).
Where no widget runs (nbconvert, nbmake, GitHub) the output is the static SVG.

    >>> import teachflow as tf
    >>> from teachflow.viz import GraphWidget
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     with tf.device("/cpu:0"):
    ...         a = tf.constant(1.0, name="a")
    ...     b = tf.identity(a, name="b")
    >>> w = GraphWidget(g)
    >>> [n["name"] for n in w.nodes], w.colors
    (['a', 'b'], {'/device:CPU:0': '#1f77b4', 'unplaced': '#c7c7c7'})
    >>> w.selected = "b"
    >>> w.node("b")["op"]
    'Identity'
"""

from __future__ import annotations

from importlib import resources

import anywidget
import traitlets

from teachflow.viz.graph_view import GraphView, show_graph
from teachflow.viz.widgets.graph_payload import graph_payload
from teachflow.viz.widgets.static_picture import with_static_picture

__all__ = ["GraphWidget"]

_PAYLOAD_TRAITS = ("nodes", "edges", "boxes", "legend", "aside", "colors", "width", "height")


def _asset(name: str) -> str:
    # Read from the installed package: no CDN, so the widget works offline.
    return resources.files("teachflow.viz.widgets").joinpath(name).read_text(encoding="utf-8")


class GraphWidget(anywidget.AnyWidget):
    """A graph drawn in the page, coloured by where each node ran.

    Takes what `teachflow.viz.show_graph` takes (``graph``, ``session``,
    ``run_metadata``, ``color_by``, ``collapse``, ...), or a `GraphView`. ``view_height``
    is the drawing's height in pixels (the graph is fitted into it; zoom and pan from
    there). `update` redraws it, after another run say.

    Raises ValueError for an unknown ``color_by`` (as `show_graph`).
    """

    _esm = traitlets.Unicode(_asset("graph_widget.js")).tag(sync=True)
    _css = traitlets.Unicode(_asset("graph_widget.css")).tag(sync=True)

    nodes = traitlets.List(traitlets.Dict()).tag(sync=True)
    edges = traitlets.List(traitlets.Dict()).tag(sync=True)
    boxes = traitlets.List(traitlets.Dict()).tag(sync=True)
    legend = traitlets.List(traitlets.Dict()).tag(sync=True)
    aside = traitlets.List(traitlets.Dict()).tag(sync=True)
    colors = traitlets.Dict().tag(sync=True)  # colour key (a device, task or op family) -> fill
    width = traitlets.Float(0.0).tag(sync=True)  # of the layout, in its units
    height = traitlets.Float(0.0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)  # a node name; "" for none
    active = traitlets.List(traitlets.Unicode()).tag(sync=True)  # ops that just ran: flashed
    view_height = traitlets.Int(460).tag(sync=True)

    def __init__(
        self,
        graph=None,
        *,
        session=None,
        run_metadata=None,
        color_by="device",
        view_height=460,
        **show_graph_kwargs,
    ):
        super().__init__(view_height=view_height)
        self.view = None
        self._source = None  # what `update` drew last, redrawn when a scope is opened
        self.on_msg(self._on_page_message)
        self.update(
            graph,
            session=session,
            run_metadata=run_metadata,
            color_by=color_by,
            **show_graph_kwargs,
        )

    def update(
        self, graph=None, *, session=None, run_metadata=None, color_by="device", **show_graph_kwargs
    ) -> GraphWidget:
        """Draw ``graph`` (or a `GraphView`) again, e.g. with a new run's metadata."""
        if isinstance(graph, GraphView):
            view = graph
            self._source = None
        else:
            self._source = (graph, session, run_metadata, color_by, dict(show_graph_kwargs))
            view = show_graph(
                graph,
                session=session,
                run_metadata=run_metadata,
                color_by=color_by,
                **show_graph_kwargs,
            )
        payload = graph_payload(view)
        self.view = view
        # One message to the page: the drawing changes as a whole.
        with self.hold_sync():
            for name in _PAYLOAD_TRAITS:
                setattr(self, name, payload[name])
            self.title = payload["title"]
        return self

    def expand(self, scope: str) -> GraphWidget:
        """Open the collapsed name scope ``scope`` (what a click on it in the page does):
        the graph is drawn again with its ops shown. ValueError for a scope not collapsed."""
        box = "scope:" + scope.strip("/")
        if self.view is None or box not in self.view.model.collapsed:
            raise ValueError(f"No collapsed scope {scope!r} in this graph widget")
        if self._source is None:
            raise ValueError("This widget draws a GraphView: make it from the graph to expand")
        graph, session, run_metadata, color_by, kwargs = self._source
        kwargs["expand"] = [*(kwargs.get("expand") or ()), scope.strip("/")]
        return self.update(
            graph, session=session, run_metadata=run_metadata, color_by=color_by, **kwargs
        )

    def _on_page_message(self, _widget, content, _buffers) -> None:
        if content.get("type") == "expand":
            try:
                self.expand(str(content.get("scope", "")))
            except ValueError:
                pass  # a stale click: the drawing changed before the message came

    def node(self, name: str) -> dict:
        """The drawn node called ``name`` (its dict in ``nodes``)."""
        for n in self.nodes:
            if n["name"] == name or n["id"] == name:
                return n
        raise KeyError(f"No node {name!r} in this graph widget")

    def flash(self, names) -> None:
        """Make the nodes ``names`` flash in the page, as ops that have just run."""
        self.active = sorted(set(names))

    # -- where no widget runs ------------------------------------------------------------
    def __repr__(self) -> str:
        sel = f", selected={self.selected!r}" if self.selected else ""
        return (
            f"GraphWidget({len(self.nodes)} nodes, {len(self.edges)} edges, "
            f"{len(self.colors)} colours{sel})"
        )

    def svg(self) -> str:
        """The same drawing as a static SVG document (the built-in layout, as in the page)."""
        return self.view.svg(engine="python")

    def _repr_mimebundle_(self, **kwargs):
        return with_static_picture(super()._repr_mimebundle_(**kwargs), repr(self), self.svg())
