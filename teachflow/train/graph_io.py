"""Writing a graph to a file: ``tf.train.write_graph``.

The text form is the ``GraphDef`` message printed as protobuf text (what a student opens
in an editor); the binary form is the serialized message, which
``type(graph_def).FromString`` reads back for `tf.import_graph_def`. The schema is
teachflow's own (the one its cluster sends), so TensorFlow's tools do not read it.

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
        with open(path, "w", encoding="utf-8") as f:
            f.write(str(graph_def))
    else:
        with open(path, "wb") as f:
            f.write(graph_def.SerializeToString())
    return path
