"""Writing a graph to a file: ``tf.train.write_graph``.

The text form is the ``GraphDef`` message printed as protobuf text exactly as TensorFlow
prints it (what a student opens in an editor); the binary form is the serialized message.
Both are TensorFlow's own ``GraphDef``: TensorFlow, TensorBoard and Netron read them, and
`tf.import_graph_def` reads TensorFlow's back (``tf.GraphDef.FromString(data)``).

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     _ = tf.constant(1.0, name="a")
    >>> path = tf.train.write_graph(g, tempfile.mkdtemp(), "graph.pbtxt")
    >>> open(path).read().splitlines()[:2]
    ['node {', '  name: "a"']
"""

from __future__ import annotations

import os

__all__ = ["write_graph"]


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Write the graph (a `tf.Graph` or a GraphDef) to ``logdir/name``; returns the path."""
    graph_def = graph_or_graph_def
    if hasattr(graph_or_graph_def, "as_graph_def"):
        graph_def = graph_or_graph_def.as_graph_def()
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    if as_text:
        from teachflow.framework.codecs.graph_def import to_text

        with open(path, "w", encoding="utf-8") as f:
            f.write(to_text(graph_def))
    else:
        with open(path, "wb") as f:
            # Deterministic: attr maps in key order, so the same graph gives the same bytes.
            f.write(graph_def.SerializeToString(deterministic=True))
    return path
