"""The ``.meta`` file next to a checkpoint: TensorFlow's ``MetaGraphDef``.

``saver.save`` writes ``model.ckpt-100.meta`` so that a program without the model's Python
code can rebuild the graph and restore into it (``tf.train.import_meta_graph``). The file is
TensorFlow's ``MetaGraphDef`` message, so TensorFlow imports what teachflow wrote and the
reverse:

* ``meta_info_def``: the ``stripped_op_list`` (TF's OpDef of every op type the graph uses);
* ``graph_def``: ``graph.as_graph_def()``;
* ``saver_def``: the names of the saver's filename tensor, save and restore ops;
* ``collection_def``: the graph's collections: variables as serialized ``VariableDef``s,
  queue runners as ``QueueRunnerDef``s, ops and tensors (``train_op``, ``summaries``,
  ``losses``) as a ``node_list`` of names, numbers and strings as value lists.

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

import os

from google.protobuf import any_pb2, text_format

from teachflow.framework import errors
from teachflow.framework.codecs import function_def, op_defs
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.importer import import_graph_def
from teachflow.framework.operation import Operation, Tensor
from teachflow.proto import messages
from teachflow.proto import tensor_bundle_pb2 as extra_pb2

__all__ = ["export_meta_graph", "import_meta_graph"]

# Collections whose items are variables (VariableDef bytes in the file).
_VARIABLE_COLLECTIONS = frozenset(
    {
        GraphKeys.GLOBAL_VARIABLES,
        GraphKeys.TRAINABLE_VARIABLES,
        GraphKeys.LOCAL_VARIABLES,
        GraphKeys.MODEL_VARIABLES,
        GraphKeys.GLOBAL_STEP,
        GraphKeys.MOVING_AVERAGE_VARIABLES,
    }
)


# -- variables ----------------------------------------------------------------------------
def _variable_def(v) -> bytes:
    return v.to_proto().SerializeToString()


def _rebuild_variable(graph, pb, prefix):
    # A tf.Variable over ops that already exist: TF's Variable(variable_def=...).
    from teachflow.ops.variables import Variable

    v = Variable.__new__(Variable)
    v._variable = graph.get_tensor_by_name(prefix + pb.variable_name)
    v._initializer_op = graph.get_operation_by_name(prefix + pb.initializer_name)
    v._snapshot = graph.get_tensor_by_name(prefix + pb.snapshot_name)
    initial = pb.initial_value_name or pb.snapshot_name
    v._initial_value = graph.get_tensor_by_name(prefix + initial)
    v._trainable = pb.trainable
    v._constraint = None
    return v


# -- queue runners ------------------------------------------------------------------------
def _queue_runner_def(qr) -> bytes:
    pb = extra_pb2.QueueRunnerDef(
        queue_name=qr.queue.name,
        enqueue_op_name=[op.name for op in qr.enqueue_ops],
        close_op_name=qr.close_op.name,
        cancel_op_name=qr.cancel_op.name,
        queue_closed_exception_types=[
            errors.error_code_from_exception_type(t) for t in qr.queue_closed_exception_types
        ],
    )
    return pb.SerializeToString()


class _ImportedQueue:
    """A queue known by its op only (a queue runner read back from a meta graph)."""

    def __init__(self, op):
        self.queue_ref = op.outputs[0]
        self.name = op.name


def _rebuild_queue_runner(graph, pb, prefix):
    from teachflow.train.queue_runner import QueueRunner

    op = graph.get_operation_by_name
    return QueueRunner(
        queue=_ImportedQueue(op(prefix + pb.queue_name)),
        enqueue_ops=[op(prefix + n) for n in pb.enqueue_op_name],
        close_op=op(prefix + pb.close_op_name),
        cancel_op=op(prefix + pb.cancel_op_name),
        queue_closed_exception_types=tuple(
            errors.exception_type_from_error_code(c) for c in pb.queue_closed_exception_types
        )
        or None,
    )


# -- collections --------------------------------------------------------------------------
def _collection_def(key, items):
    """The ``CollectionDef`` of one collection, or None for items TF cannot store either."""
    from teachflow.ops.variables import Variable
    from teachflow.train.queue_runner import QueueRunner

    cd = messages.CollectionDef()
    if all(isinstance(x, Variable) for x in items):
        cd.bytes_list.value.extend(_variable_def(v) for v in items)
    elif all(isinstance(x, QueueRunner) for x in items):
        cd.bytes_list.value.extend(_queue_runner_def(q) for q in items)
    elif all(isinstance(x, (Operation, Tensor)) for x in items):
        cd.node_list.value.extend(x.name for x in items)
    elif all(isinstance(x, bool | int) for x in items):
        cd.int64_list.value.extend(int(x) for x in items)
    elif all(isinstance(x, float) for x in items):
        cd.float_list.value.extend(items)
    elif all(isinstance(x, any_pb2.Any) for x in items):  # a SavedModel's assets
        cd.any_list.value.extend(items)
    elif all(isinstance(x, (str, bytes)) for x in items):
        cd.bytes_list.value.extend(x.encode() if isinstance(x, str) else x for x in items)
    else:
        return None  # TF too skips (with a warning) collections it cannot serialize
    return cd


def _saver_def_proto(saver_def) -> messages.SaverDef:
    return messages.SaverDef(
        filename_tensor_name=saver_def.filename_tensor_name,
        save_tensor_name=saver_def.save_tensor_name,
        restore_op_name=saver_def.restore_op_name,
        max_to_keep=saver_def.max_to_keep,
        sharded=saver_def.sharded,
        keep_checkpoint_every_n_hours=saver_def.keep_checkpoint_every_n_hours,
        version=saver_def.version,
    )


def export_meta_graph(
    filename=None,
    graph=None,
    saver_def=None,
    collection_list=None,
    as_text=False,
    clear_devices=False,
    meta_info_def=None,
    graph_def=None,
    **unused,
) -> messages.MetaGraphDef:
    """``tf.train.export_meta_graph``: write ``graph`` (the default graph) with its
    collections and ``saver_def`` as TensorFlow's ``MetaGraphDef`` to ``filename`` (binary,
    or text with ``as_text``); returns the message.

    ``collection_list`` keeps only those collections; ``clear_devices`` drops every device.
    """
    graph = graph or get_default_graph()
    meta = messages.MetaGraphDef()
    if meta_info_def is not None:
        meta.meta_info_def.CopyFrom(meta_info_def)
    meta.graph_def.CopyFrom(graph_def if graph_def is not None else graph.as_graph_def())
    if clear_devices:
        for node in meta.graph_def.node:
            node.device = ""
    # The ops of the graph's functions too (a map's Mul), as TF's stripped_op_list_for_graph.
    meta.meta_info_def.stripped_op_list.CopyFrom(
        op_defs.op_list(function_def.op_types(meta.graph_def))
    )
    if saver_def is not None:
        meta.saver_def.CopyFrom(
            saver_def if hasattr(saver_def, "SerializeToString") else _saver_def_proto(saver_def)
        )
    # Only named collections go to the file (teachflow's own bookkeeping uses tuple keys,
    # as TF's variable store does; TF skips those too).
    keys = [k for k in graph._collections if isinstance(k, str)]
    if collection_list is not None:
        keys = [k for k in collection_list if k in graph._collections]
    for key in sorted(keys):
        items = graph.get_collection(key)
        cd = _collection_def(key, items) if items else None
        if cd is not None:
            meta.collection_def[key].CopyFrom(cd)
    if filename is not None:
        tmp = f"{filename}.tmp{os.getpid()}"
        if as_text:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text_format.MessageToString(meta))
        else:
            with open(tmp, "wb") as f:
                f.write(meta.SerializeToString(deterministic=True))
        os.replace(tmp, filename)
    return meta


def _read_meta_graph(meta_graph_or_file) -> messages.MetaGraphDef:
    if hasattr(meta_graph_or_file, "graph_def"):
        return meta_graph_or_file
    path = os.fspath(meta_graph_or_file)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise OSError(f"File {path} does not exist.") from None
    meta = messages.MetaGraphDef()
    try:
        meta.ParseFromString(data)
    except Exception:  # noqa: BLE001 - protobuf raises DecodeError or others; try text
        try:
            text_format.Parse(data.decode("utf-8"), meta)
        except (UnicodeDecodeError, text_format.ParseError):
            raise OSError(f"Cannot parse file {path}: not a MetaGraphDef.") from None
    return meta


def _add_collection(graph, key, cd, prefix, variables) -> None:
    kind = cd.WhichOneof("kind")
    if kind == "node_list":
        for name in cd.node_list.value:
            graph.add_to_collection(key, graph.as_graph_element(prefix + name))
    elif kind == "bytes_list" and key in _VARIABLE_COLLECTIONS:
        for raw in cd.bytes_list.value:
            pb = messages.VariableDef.FromString(raw)
            if pb.variable_name not in variables:
                variables[pb.variable_name] = _rebuild_variable(graph, pb, prefix)
            graph.add_to_collection(key, variables[pb.variable_name])
    elif kind == "bytes_list" and key == GraphKeys.QUEUE_RUNNERS:
        for raw in cd.bytes_list.value:
            pb = extra_pb2.QueueRunnerDef.FromString(raw)
            graph.add_to_collection(key, _rebuild_queue_runner(graph, pb, prefix))
    elif kind in ("bytes_list", "int64_list", "float_list", "any_list"):
        for value in getattr(cd, kind).value:  # as they are, as TF keeps them
            graph.add_to_collection(key, value)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **unused):
    """``tf.train.import_meta_graph``: rebuild a ``MetaGraphDef`` (a ``.meta`` file, binary or
    text, or the message) into the default graph with its collections; returns a Saver for
    its ``saver_def`` (None when it has none). ``clear_devices=True`` drops every device so
    the graph can run on other hardware. Reads TensorFlow's meta graphs too (resource
    variables included)."""
    from teachflow.train.saver import Saver, SaverDef

    meta = _read_meta_graph(meta_graph_or_file)
    graph_def = meta.graph_def
    if clear_devices:
        graph_def = messages.GraphDef.FromString(graph_def.SerializeToString())
        for node in graph_def.node:
            node.device = ""
    graph = get_default_graph()
    import_graph_def(graph_def, name=import_scope or "")
    prefix = import_scope + "/" if import_scope else ""
    variables = {}
    for key in sorted(meta.collection_def):
        _add_collection(graph, key, meta.collection_def[key], prefix, variables)
    if not meta.HasField("saver_def"):
        return None
    sd = meta.saver_def
    saver_def = SaverDef(
        filename_tensor_name=prefix + sd.filename_tensor_name,
        save_tensor_name=prefix + sd.save_tensor_name,
        restore_op_name=prefix + sd.restore_op_name,
        max_to_keep=sd.max_to_keep,
        sharded=sd.sharded,
        keep_checkpoint_every_n_hours=sd.keep_checkpoint_every_n_hours,
        version=sd.version,
    )
    return Saver(saver_def=saver_def)
