"""teachflow graphs <-> TensorFlow's ``GraphDef``: the file a graph is saved as.

``Graph.as_graph_def()`` returns TensorFlow's own ``GraphDef`` message: ``versions`` as
TensorFlow 2.21 writes them, one ``NodeDef`` per op with TensorFlow's attrs (types filled
in from the op's inputs and outputs, defaults added, see `op_defs`), and a ``library``
with the functions its ops hold (``MapDataset.f``..., see `function_def`). Its bytes parse
in TensorFlow (``tf.compat.v1.GraphDef.FromString``) and a GraphDef TensorFlow wrote comes
back as teachflow's `NodeDef` records, ready for `tf.import_graph_def`.

    >>> import teachflow as tf
    >>> from teachflow.framework.codecs import graph_def
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     y = tf.reshape(tf.constant([1.0, 2.0], name="x"), [2, 1], name="y")
    >>> gd = graph_def.graph_to_graph_def(g)
    >>> gd.versions.producer, [n.op for n in gd.node]
    (2474, ['Const', 'Const', 'Reshape'])
    >>> sorted(gd.node[2].attr)
    ['T', 'Tshape']
    >>> [nd.name for nd in graph_def.node_defs_from_graph_def(gd)]
    ['x', 'y/shape', 'y']
"""

from __future__ import annotations

from google.protobuf import text_format

from teachflow.framework.codecs import attr_value, function_def, op_defs
from teachflow.framework.operation import NodeDef
from teachflow.proto import messages

__all__ = [
    "PRODUCER",
    "MIN_CONSUMER",
    "node_def_to_proto",
    "node_def_from_proto",
    "graph_to_graph_def",
    "nodes_to_graph_def",
    "node_defs_from_graph_def",
    "extras_by_node",
    "is_tensorflow_graph_def",
    "to_text",
]

# TensorFlow 2.21's GRAPH_DEF_VERSION and min consumer, as its compat.v1 ``as_graph_def``
# writes them (recorded by tests/fixtures/tensorflow/record_formats.py).
PRODUCER = 2474
MIN_CONSUMER = 0

# Attrs TensorFlow never reads back: shapes that import recomputes.
_IGNORED_ON_IMPORT = frozenset({"_output_shapes"})


def node_def_to_proto(
    node_def: NodeDef, input_dtypes=None, output_dtypes=None, extras=None, library=None
) -> messages.NodeDef:
    """A `NodeDef` record as TensorFlow's ``NodeDef``, attrs completed from TF's OpDef.

    ``input_dtypes``/``output_dtypes`` (the op's tensors' dtypes) fill the type attrs
    (``T``...) teachflow's ops do not keep. ``extras`` (a ``NodeDef`` from `extras_by_node`)
    adds back the fields TensorFlow wrote that teachflow does not model. A function attr
    (``MapDataset.f``) is written as the function's name, its body to ``library`` (a
    `function_def.FunctionLibrary`; without one, the body is not kept).
    """
    pb = messages.NodeDef(
        name=node_def.name, op=node_def.op, input=list(node_def.input), device=node_def.device
    )
    attrs = {}
    functions = function_def.function_attr_names(node_def.op)
    for key, value in node_def.attr.items():
        try:
            if key in functions and isinstance(value, tuple):
                # One node alone (op.node_def as TF shows it) names its function; the
                # body goes to a library only a whole GraphDef keeps.
                if library is None:
                    library = function_def.FunctionLibrary(_op_to_proto)
                encoded = library.func_attr(value, node_def.op)
            else:
                encoded = attr_value.to_proto(value)
        except TypeError as e:
            raise TypeError(
                f"Attr '{key}' of node '{node_def.name}' (op: '{node_def.op}'): {e}"
            ) from None
        if encoded is not None:
            attrs[key] = encoded
    op_defs.complete_attrs(node_def.op, attrs, input_dtypes, output_dtypes)
    for key in sorted(attrs):
        pb.attr[key].CopyFrom(attrs[key])
    if extras is not None:
        pb.MergeFrom(extras)
    return pb


def _op_to_proto(op, library=None) -> messages.NodeDef:
    return node_def_to_proto(
        op.node_def,
        [t.dtype for t in op.inputs],
        [t.dtype for t in op.outputs],
        getattr(op, "_tf_node_extras", None),
        library,
    )


def _versioned(nodes) -> messages.GraphDef:
    gd = messages.GraphDef(node=nodes)
    gd.versions.producer = PRODUCER
    gd.versions.min_consumer = MIN_CONSUMER
    return gd


def graph_to_graph_def(graph, from_version=None, add_shapes=False) -> messages.GraphDef:
    """``graph.as_graph_def()``: nodes in creation order; ``from_version`` keeps the ops
    added after the graph had that version; ``add_shapes`` adds ``_output_shapes``."""
    ops = [op for op in graph.get_operations() if from_version is None or op._id > from_version]
    library = function_def.FunctionLibrary(_op_to_proto)
    gd = _versioned([_op_to_proto(op, library) for op in ops])
    library.write_to(gd)
    if add_shapes:
        for node, op in zip(gd.node, ops):
            shapes = [t.shape for t in op.outputs]
            node.attr["_output_shapes"].CopyFrom(attr_value.to_proto(shapes))
    return gd


def nodes_to_graph_def(node_defs) -> messages.GraphDef:
    """A ``GraphDef`` of `NodeDef` records that have no op behind them (a partition graph
    rebuilt from another process): attrs as recorded, defaults added."""
    library = function_def.FunctionLibrary(_op_to_proto)
    gd = _versioned([node_def_to_proto(nd, library=library) for nd in node_defs])
    library.write_to(gd)
    return gd


def node_def_from_proto(pb, functions=None) -> NodeDef:
    """TensorFlow's ``NodeDef`` as teachflow's record (``_output_shapes`` dropped).

    ``functions`` (a `function_def.FunctionReader` of the GraphDef's library) turns a
    ``func`` attr into the function it names; without it the ``AttrValue`` is kept."""
    attrs = {}
    for key, value in pb.attr.items():
        if key in _IGNORED_ON_IMPORT:
            continue
        if functions is not None and value.WhichOneof("value") == "func":
            attrs[key] = functions.function(value.func.name)
        else:
            attrs[key] = attr_value.from_proto(value, key)
    return NodeDef(pb.name, pb.op, list(pb.input), pb.device, attrs)


def is_tensorflow_graph_def(message) -> bool:
    """True for TensorFlow's ``GraphDef``: tensorboard's copy (``tensorboard.GraphDef``,
    the one teachflow uses) or TensorFlow's own, not teachflow's wire ``teachflow.GraphDef``."""
    return message.DESCRIPTOR.full_name in ("tensorboard.GraphDef", "tensorflow.GraphDef")


def node_defs_from_graph_def(graph_def) -> list:
    """The `NodeDef` records of a ``GraphDef`` (message or its bytes), in message order;
    a ``func`` attr comes back as the function of the ``library`` it names.

    Raises ValueError for a function the library does not define, or one teachflow cannot
    run (polymorphic argument types).
    """
    if isinstance(graph_def, (bytes, bytearray, memoryview)):
        graph_def = messages.GraphDef.FromString(bytes(graph_def))
    functions = function_def.FunctionReader(graph_def.library, node_def_from_proto)
    return [node_def_from_proto(n, functions) for n in graph_def.node]


# NodeDef fields teachflow does not model but keeps for the way back out: TF's debug info
# (original node names, stack frames) and its full type annotations.
_PASSTHROUGH = ("experimental_debug_info", "experimental_type")


def extras_by_node(graph_def) -> dict:
    """name -> a ``NodeDef`` holding only the passthrough fields that node carries
    (kept on import, merged back on export)."""
    out = {}
    for n in graph_def.node:
        fields = [f for f in _PASSTHROUGH if n.HasField(f)]
        # A tensor attr keeps TF's encoding too: ``tf.zeros([3, 1])`` stores one 0 that
        # teachflow's array would write back as twelve bytes of tensor_content.
        tensors = [k for k, v in n.attr.items() if v.WhichOneof("value") == "tensor"]
        if fields or tensors:
            extra = messages.NodeDef()
            for f in fields:
                getattr(extra, f).CopyFrom(getattr(n, f))
            for k in tensors:
                extra.attr[k].CopyFrom(n.attr[k])
            out[n.name] = extra
    return out


def to_text(message) -> str:
    """Protobuf text format exactly as TensorFlow's ``write_graph`` writes ``.pbtxt`` files
    (``text_format.MessageToString``: map entries such as attrs sorted by key)."""
    return text_format.MessageToString(message)
