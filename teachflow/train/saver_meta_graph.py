"""The ``.meta`` file next to a checkpoint: the graph, the saver's names and the variables.

``saver.save`` writes ``model.ckpt-100.meta`` so that a program without the model's Python code
can rebuild the graph and restore into it (``tf.train.import_meta_graph``), as in TensorFlow.
teachflow's meta graph is JSON: the graph as the same protobuf ``GraphDef`` the cluster sends
between processes (base64), the ``SaverDef`` and the variable collections by tensor names.
Nothing in it is executed or unpickled.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> d = tempfile.mkdtemp()
    >>> with tf.Graph().as_default():
    ...     v = tf.Variable(3.0, name="v")
    ...     saver = tf.train.Saver()
    ...     with tf.Session() as sess:
    ...         sess.run(v.initializer)
    ...         path = saver.save(sess, os.path.join(d, "model.ckpt"))
    >>> with tf.Graph().as_default() as g:
    ...     saver = tf.train.import_meta_graph(path + ".meta")
    ...     with tf.Session() as sess:
    ...         saver.restore(sess, path)
    ...         print(sess.run(g.get_tensor_by_name("v:0")), tf.global_variables()[0].name)
    3.0 v:0
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os

from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.importer import import_graph_def

__all__ = ["export_meta_graph", "import_meta_graph"]

FORMAT = "teachflow.meta_graph"

# Collections of variables, stored by the names of their tensors and rebuilt on import.
_VARIABLE_COLLECTIONS = (
    GraphKeys.GLOBAL_VARIABLES,
    GraphKeys.TRAINABLE_VARIABLES,
    GraphKeys.LOCAL_VARIABLES,
    GraphKeys.MODEL_VARIABLES,
    GraphKeys.GLOBAL_STEP,
)
# Collections of ops or tensors, stored by name.
_ELEMENT_COLLECTIONS = (GraphKeys.TRAIN_OP, GraphKeys.LOSSES, GraphKeys.UPDATE_OPS)


def _variable_record(v) -> dict:
    return {
        "variable_name": v._ref().name,
        "initializer_name": v.initializer.name,
        "snapshot_name": v.value().name,
        "initial_value_name": v.initial_value.name,
        "trainable": bool(v.trainable),
    }


def export_meta_graph(filename=None, graph=None, saver_def=None, **unused) -> dict:
    """Write ``graph`` (default graph) and ``saver_def`` to ``filename``; returns the record."""
    from teachflow.distributed.protocol import graphs

    graph = graph or get_default_graph()
    record = {
        "format": FORMAT,
        "version": 1,
        "graph_def": base64.b64encode(
            graphs.graph_def(graph.get_operations()).SerializeToString()
        ).decode("ascii"),
        "saver_def": dataclasses.asdict(saver_def) if saver_def is not None else None,
        "collections": {},
    }
    for key in _VARIABLE_COLLECTIONS:
        items = [v for v in graph.get_collection(key) if hasattr(v, "initializer")]
        if items:
            record["collections"][key] = {"variables": [_variable_record(v) for v in items]}
    for key in _ELEMENT_COLLECTIONS:
        items = [x.name for x in graph.get_collection(key) if hasattr(x, "name")]
        if items:
            record["collections"][key] = {"names": items}
    if filename is not None:
        tmp = f"{filename}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, filename)
    return record


def _rebuild_variable(graph, rec, prefix):
    # A tf.Variable over ops that already exist: TF's Variable(variable_def=...).
    from teachflow.ops.variables import Variable

    v = Variable.__new__(Variable)
    v._variable = graph.get_tensor_by_name(prefix + rec["variable_name"])
    v._initializer_op = graph.get_operation_by_name(prefix + rec["initializer_name"])
    v._snapshot = graph.get_tensor_by_name(prefix + rec["snapshot_name"])
    v._initial_value = graph.get_tensor_by_name(prefix + rec["initial_value_name"])
    v._trainable = rec["trainable"]
    v._constraint = None
    return v


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **unused):
    """Rebuild a saved graph into the default graph; returns a Saver for it (or None).

    ``clear_devices=True`` drops every device so the graph can run on other hardware."""
    from teachflow.distributed.protocol import graphs, teachflow_pb2
    from teachflow.train.saver import Saver, SaverDef

    record = meta_graph_or_file
    if not isinstance(record, dict):
        with open(os.fspath(meta_graph_or_file), encoding="utf-8") as f:
            record = json.load(f)
    if record.get("format") != FORMAT:
        raise ValueError(f"{meta_graph_or_file!r} is not a teachflow meta graph")
    pb = teachflow_pb2.GraphDef.FromString(base64.b64decode(record["graph_def"]))
    nodes = graphs.node_defs_from_graph_def(pb)
    if clear_devices:
        nodes = [dataclasses.replace(n, device="") for n in nodes]
    graph = get_default_graph()
    import_graph_def(nodes, name=import_scope or "")
    prefix = import_scope + "/" if import_scope else ""
    by_ref = {}
    for key, entry in record.get("collections", {}).items():
        for rec in entry.get("variables", []):
            name = rec["variable_name"]
            if name not in by_ref:
                by_ref[name] = _rebuild_variable(graph, rec, prefix)
            graph.add_to_collection(key, by_ref[name])
        for name in entry.get("names", []):
            graph.add_to_collection(key, graph.as_graph_element(prefix + name))
    saver_def = record.get("saver_def")
    if saver_def is None:
        return None
    saver_def = SaverDef(**saver_def)
    if prefix:
        for field in ("filename_tensor_name", "save_tensor_name", "restore_op_name"):
            setattr(saver_def, field, prefix + getattr(saver_def, field))
    return Saver(saver_def=saver_def)
