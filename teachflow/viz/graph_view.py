"""``show_graph``: the dataflow graph, coloured by where each node actually ran.

    >>> import teachflow as tf
    >>> from teachflow.viz import show_graph
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     with tf.device("/cpu:0"):
    ...         a = tf.constant(1.0, name="a")
    ...     b = tf.identity(a, name="b")
    >>> view = show_graph(g)
    >>> [n.id for n in view.nodes]
    ['a', 'b']
    >>> '"a" -> "b"' in view.dot
    True
    >>> view.svg(engine="python").startswith("<svg")
    True

In a notebook the view draws itself (an inline SVG). The picture always says where its
colours come from: a run's partition graphs or step stats, the session's placement
records, or, before anything ran, the devices the ops *asked* for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from teachflow.runtime.config import RunMetadata
from teachflow.viz import tensorflow_sources
from teachflow.viz.dot import to_dot
from teachflow.viz.graph_model import COLOR_BY, MAX_NODES, build_model
from teachflow.viz.svg import layout_model, render_svg

ENGINES = ("auto", "python", "graphviz")


def graphviz_available() -> bool:
    """True when Graphviz's ``dot`` program is on PATH and the ``graphviz`` package imports."""
    if shutil.which("dot") is None:
        return False
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return True


class GraphView:
    """A drawn graph: DOT text, SVG (Graphviz or the built-in layout) and notebook display.

    ``nodes``, ``edges``, ``boxes``, ``legend`` and ``aside`` are the data the drawing is
    made from (see `teachflow.viz.graph_model`), for tests and for widgets.
    """

    def __init__(self, model, engine="auto"):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.model = model
        self.engine = engine
        self._dot = None
        self._layout = None
        self._svg = {}

    nodes = property(lambda self: self.model.nodes)
    edges = property(lambda self: self.model.edges)
    boxes = property(lambda self: self.model.boxes)
    legend = property(lambda self: self.model.legend)
    aside = property(lambda self: self.model.aside)
    title = property(lambda self: self.model.title)

    def node(self, name: str):
        """The drawn node for ``name`` (a node name, or a collapsed scope's box id)."""
        for n in self.model.nodes:
            if n.id == name or n.name == name:
                return n
        for a in self.model.aside:
            if a.node.id == name:
                return a.node
        raise KeyError(f"No node {name!r} in this view")

    @property
    def dot(self) -> str:
        """Graphviz DOT source."""
        if self._dot is None:
            self._dot = to_dot(self.model)
        return self._dot

    def layout(self):
        """The built-in layered layout (`teachflow.viz.layout.Layout`) of this view."""
        if self._layout is None:
            self._layout = layout_model(self.model)
        return self._layout

    def svg(self, engine=None) -> str:
        """An SVG document: Graphviz's drawing when ``dot`` is installed (engine "auto" or
        "graphviz"), else, or with engine "python", the built-in layout's."""
        engine = engine or self.engine
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        if engine == "auto":
            engine = "graphviz" if graphviz_available() else "python"
        if engine not in self._svg:
            if engine == "graphviz":
                self._svg[engine] = _graphviz_svg(self.dot)
            else:
                self._svg[engine] = render_svg(self.model, self.layout())
        return self._svg[engine]

    # -- notebook display ------------------------------------------------------------------
    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        # Drawn at its own size in a scrolling box: a notebook fits an SVG image to the
        # cell's width, which shrank a big graph's labels to 4 px.
        svg = self.svg().replace("<svg", '<svg style="max-width:none;height:auto"', 1)
        return (
            '<div class="teachflow-graph-view" style="max-width:100%;max-height:720px;'
            f'overflow:auto">{svg}</div>'
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {
            "text/html": self._repr_html_(),
            "image/svg+xml": self.svg(),
            "text/plain": repr(self),
        }
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle

    def __repr__(self) -> str:
        colours = ", ".join(e.label for e in self.model.legend if e.kind == "fill")
        return (
            f"<GraphView {len(self.model.nodes)} nodes, {len(self.model.edges)} edges, "
            f"{len(self.model.aside)} aside; {self.model.title}; colours: {colours}>"
        )

    # -- files -----------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write ``.svg``, ``.dot``/``.gv`` or ``.png`` (PNG needs Graphviz or matplotlib)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif suffix in (".dot", ".gv"):
            path.write_text(self.dot, encoding="utf-8")
        elif suffix == ".png":
            if graphviz_available() and self.engine != "python":
                import graphviz

                path.write_bytes(graphviz.Source(self.dot).pipe(format="png"))
            else:
                from teachflow.viz.graph_png import save_png

                save_png(self.model, self.layout(), path)
        else:
            raise ValueError(
                f"Cannot save a graph as {suffix or 'a file without suffix'!r}: use .svg, .dot or .png"
            )
        return path


def _graphviz_svg(dot_source: str) -> str:
    import graphviz

    text = graphviz.Source(dot_source).pipe(format="svg").decode("utf-8")
    return text[text.index("<svg") :]  # no XML prolog or DOCTYPE: it is inlined in HTML


def show_graph(
    graph=None,
    *,
    color_by="device",
    run_metadata=None,
    session=None,
    collapse=None,
    max_nodes=MAX_NODES,
    aside_degree=10,
    edge_labels=False,
    engine="auto",
    expand=None,
) -> GraphView:
    """Draw ``graph`` (the default graph, or the session's) with nodes coloured by device.

    - ``color_by``: "device" (where each node ran), "task" (job and task) or "op" (the
      op type's family: math, nn, state, ...).
    - ``session``: a local session that has run: its placement records give each node's
      device and the reason for it.
    - ``graph`` may also be a ``GraphDef`` (TensorFlow's message, its bytes, or a ``.pb`` /
      ``.pbtxt`` file): its nodes are drawn on the devices they name.
    - ``run_metadata``: a run's `tf.RunMetadata` (or TensorFlow's, or its bytes). Its ``partition_graphs``
      (``RunOptions(output_partition_graphs=True)``) make the view show what really ran,
      boxed by task and device, with the ``_Send``/``_Recv`` pairs as red edges; its
      ``step_stats`` (a traced run) give each node's device.
    - ``collapse``: name scopes to draw as one node each (e.g. ``["gradients"]``); beyond
      ``max_nodes`` nodes (60) scopes are collapsed automatically as well, the biggest
      first, so that labels stay legible. ``collapse=False`` draws every node (a big graph
      then scrolls rather than shrinks); ``expand``: scopes kept open all the same.
    - ``aside_degree``: nodes with at least this many control edges (``init``) are drawn
      apart, their edges counted instead of drawn; 0 keeps them in place.
    - ``edge_labels``: write dtype and shape on data edges.
    - ``engine``: "auto" draws SVG with Graphviz when its ``dot`` program is installed and
      with the built-in layout otherwise; "python" or "graphviz" choose.

    Raises ValueError for an unknown ``color_by`` or ``engine``.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}, got {color_by!r}")
    if run_metadata is not None:
        run_metadata = tensorflow_sources.run_metadata_of(run_metadata)
    if graph is not None and tensorflow_sources.is_graph_def_source(graph):
        # A GraphDef (TensorFlow's or teachflow's, a .pb/.pbtxt file): drawn from its nodes,
        # each on the device it names, without importing it (it may use ops teachflow lacks).
        if not getattr(run_metadata, "partition_graphs", None):
            run_metadata = RunMetadata(partition_graphs=[tensorflow_sources.graph_def_of(graph)])
        graph = None
    elif graph is None and getattr(run_metadata, "partition_graphs", None):
        pass  # a TensorFlow run's partition graphs are the whole picture
    elif graph is None:
        if session is not None:
            graph = session.graph
        else:
            from teachflow.framework.graph import get_default_graph

            graph = get_default_graph()
    model = build_model(
        graph,
        color_by=color_by,
        run_metadata=run_metadata,
        session=session,
        collapse=collapse,
        max_nodes=max_nodes,
        aside_degree=aside_degree,
        edge_labels=edge_labels,
        expand=expand,
    )
    return GraphView(model, engine)
