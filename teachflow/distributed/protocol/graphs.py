"""Graphs, attributes, events and devices <-> their protobuf messages.

A graph travels between processes as a ``GraphDef``: one ``NodeDef`` per op with its
inputs (``"op"``, ``"op:1"``, control inputs ``"^op"``), its device string and typed
attributes. Every attribute value an op stores in ``op._attrs`` maps onto one field of
``AttrValue``, and comes back as the same Python value, so the receiving process
rebuilds exactly the graph the client built. Nothing is pickled or evaluated.

    >>> import teachflow as tf
    >>> from teachflow.distributed.protocol import graphs
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.constant([1.0, 2.0], name="x")
    ...     y = tf.cast(x, tf.int32, name="y")
    >>> pb = graphs.graph_def(g.get_operations())
    >>> [n.name for n in pb.node], list(pb.node[1].input)
    (['x', 'y'], ['x'])
    >>> graphs.node_def_from_proto(pb.node[1]).attr["DstT"]
    tf.int32
"""

from __future__ import annotations

import numpy as np

from teachflow.distributed.protocol import teachflow_pb2, tensors
from teachflow.framework import dtypes, errors
from teachflow.framework.codecs import graph_def as proto_graph_def
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.runtime.devices import DeviceAttributes
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent

__all__ = [
    "attr_to_proto",
    "attr_from_proto",
    "shape_to_proto",
    "shape_from_proto",
    "node_def_to_proto",
    "node_def_from_proto",
    "graph_def",
    "node_defs_from_graph_def",
    "event_to_proto",
    "event_from_proto",
    "device_attributes_to_proto",
    "device_attributes_from_proto",
]


# -- shapes --------------------------------------------------------------------------------
def shape_to_proto(shape) -> teachflow_pb2.TensorShapeProto:
    """A static shape as a message: unknown rank flagged, unknown dimensions as -1."""
    shape = TensorShape(shape)
    if shape.ndims is None:
        return teachflow_pb2.TensorShapeProto(unknown_rank=True)
    dims = [
        teachflow_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in shape.as_list()
    ]
    return teachflow_pb2.TensorShapeProto(dim=dims)


def shape_from_proto(pb) -> TensorShape:
    if pb.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in pb.dim])


# -- attribute values ----------------------------------------------------------------------
def attr_to_proto(value) -> teachflow_pb2.AttrValue:
    """One attribute value as an ``AttrValue``; TypeError for a type it cannot carry.

    >>> import teachflow as tf
    >>> attr_to_proto(tf.float32).type, attr_to_proto((1, "a")).list.is_tuple
    (1, True)
    """
    Attr = teachflow_pb2.AttrValue
    # bool before int: True is an int to Python, but a distinct attr kind to TensorFlow.
    if value is None:
        return Attr(none=True)
    if isinstance(value, bool):
        return Attr(b=value)
    if isinstance(value, int):
        return Attr(i=value)
    if isinstance(value, float):
        return Attr(f=value)
    if isinstance(value, str):
        return Attr(text=value)
    if isinstance(value, bytes):
        return Attr(s=value)
    if isinstance(value, dtypes.DType):
        return Attr(type=value.enum)
    if isinstance(value, TensorShape):
        return Attr(shape=shape_to_proto(value))
    if isinstance(value, np.ndarray):
        return Attr(tensor=tensors.to_proto(value))
    if isinstance(value, np.generic):
        # A numpy scalar is a tensor without an array around it; AttrValue has no field
        # for the difference, so its TensorProto says "unknown rank" (never a valid
        # shape for a stored tensor) and comes back as a scalar, not a 0-d array.
        proto = tensors.to_proto(value)
        proto.tensor_shape.unknown_rank = True
        return Attr(tensor=proto)
    if isinstance(value, (list, tuple)):
        items = [attr_to_proto(v) for v in value]
        return Attr(list=Attr.ListValue(values=items, is_tuple=isinstance(value, tuple)))
    raise TypeError(
        f"Cannot serialize an attribute value of type {type(value).__module__}."
        f"{type(value).__qualname__}: {value!r}"
    )


def _tensor_attr(pb):
    if pb.tensor_shape.unknown_rank:
        return tensors.array_from_proto(pb, shape=())[()]
    arr = tensors.array_from_proto(pb)
    # Const values are shared by every kernel that reads them: read-only, as when built.
    arr.flags.writeable = False
    return arr


def _list_attr(pb):
    items = [attr_from_proto(v) for v in pb.values]
    return tuple(items) if pb.is_tuple else items


_ATTR_DECODERS = {
    "none": lambda pb: None,
    "b": lambda pb: pb.b,
    "i": lambda pb: pb.i,
    "f": lambda pb: pb.f,
    "text": lambda pb: pb.text,
    "s": lambda pb: pb.s,
    "type": lambda pb: tensors.dtype_from_enum(pb.type),
    "shape": lambda pb: shape_from_proto(pb.shape),
    "tensor": lambda pb: _tensor_attr(pb.tensor),
    "list": lambda pb: _list_attr(pb.list),
}


def attr_from_proto(pb):
    """The Python value an ``AttrValue`` carries (the inverse of `attr_to_proto`)."""
    kind = pb.WhichOneof("value")
    if kind is None:
        raise errors.InvalidArgumentError(None, None, "An AttrValue carries no value.")
    return _ATTR_DECODERS[kind](pb)


# -- nodes and graphs ----------------------------------------------------------------------
def node_def_to_proto(node_def: NodeDef) -> teachflow_pb2.NodeDef:
    """A `NodeDef` (name, op, inputs, device, attrs) as its message."""
    pb = teachflow_pb2.NodeDef(
        name=node_def.name, op=node_def.op, input=list(node_def.input), device=node_def.device
    )
    for key, value in node_def.attr.items():
        try:
            pb.attr[key].CopyFrom(attr_to_proto(value))
        except TypeError as e:
            raise TypeError(
                f"Attr '{key}' of node '{node_def.name}' (op: '{node_def.op}'): {e}"
            ) from None
    return pb


def node_def_from_proto(pb) -> NodeDef:
    attrs = {key: attr_from_proto(value) for key, value in pb.attr.items()}
    return NodeDef(pb.name, pb.op, list(pb.input), pb.device, attrs)


def graph_def(ops, version: int = 0) -> teachflow_pb2.GraphDef:
    """A ``GraphDef`` of ``ops`` (teachflow Operations), in the order given."""
    return teachflow_pb2.GraphDef(
        node=[node_def_to_proto(op.node_def) for op in ops], version=version
    )


def graph_def_of(graph, from_version=None, add_shapes=False) -> teachflow_pb2.GraphDef:
    """The graph as teachflow's wire ``GraphDef`` (the schema the cluster sends). The
    public ``graph.as_graph_def()`` is TensorFlow's message, see `teachflow.framework.codecs.graph_def`.
    ``from_version`` keeps the ops added after the graph had that version; ``add_shapes``
    adds each node's ``_output_shapes``."""
    ops = [op for op in graph.get_operations() if from_version is None or op._id > from_version]
    gd = graph_def(ops, graph.version)
    if add_shapes:
        for node, op in zip(gd.node, ops):
            shapes = [t.shape for t in op.outputs]
            node.attr["_output_shapes"].CopyFrom(attr_to_proto(shapes))
    return gd


def node_defs_from_graph_def(pb) -> list:
    """The `NodeDef` dataclasses of a ``GraphDef``, in message order: teachflow's wire
    message, or TensorFlow's (``Graph.as_graph_def()``, a TF partition graph or file)."""
    if proto_graph_def.is_tensorflow_graph_def(pb):
        return proto_graph_def.node_defs_from_graph_def(pb)
    return [node_def_from_proto(n) for n in pb.node]


# -- events --------------------------------------------------------------------------------
# (dataclass field, Event field) per event kind: data, not code.
_EVENT_FIELDS = {
    "op": (
        OpEvent,
        [
            ("step_id", "step_id"),
            ("device", "device"),
            ("node", "node"),
            ("op_type", "op_type"),
            ("start_ns", "start_ns"),
            ("end_ns", "end_ns"),
            ("thread_id", "thread_id"),
            ("output_bytes", "bytes"),
            ("inputs", "inputs"),
        ],
    ),
    "transfer": (
        TransferEvent,
        [
            ("step_id", "step_id"),
            ("src_device", "src_device"),
            ("dst_device", "dst_device"),
            ("tensor", "tensor"),
            ("nbytes", "bytes"),
            ("start_ns", "start_ns"),
            ("end_ns", "end_ns"),
            ("thread_id", "thread_id"),
        ],
    ),
    "memory": (
        MemoryEvent,
        [
            ("step_id", "step_id"),
            ("device", "device"),
            ("allocator", "allocator"),
            ("time_ns", "start_ns"),
            ("delta", "delta"),
            ("live_bytes", "live_bytes"),
            ("node", "node"),
        ],
    ),
    "step": (
        StepEvent,
        [
            ("step_id", "step_id"),
            ("phase", "phase"),
            ("time_ns", "start_ns"),
            ("fetches", "inputs"),
            ("error", "error"),
        ],
    ),
}
_REPEATED = {"inputs"}


def event_to_proto(event, task: str = "") -> teachflow_pb2.Event:
    """A trace event as an ``Event`` message; ``task`` names the process that made it."""
    _, fields = _EVENT_FIELDS[event.kind]
    pb = teachflow_pb2.Event(kind=event.kind, task=task)
    for ours, theirs in fields:
        value = getattr(event, ours)
        if theirs in _REPEATED:
            getattr(pb, theirs).extend(str(v) for v in value)
        else:
            setattr(pb, theirs, value)
    return pb


def event_from_proto(pb):
    """The `teachflow.trace.events` record of an ``Event`` (times unchanged)."""
    try:
        cls, fields = _EVENT_FIELDS[pb.kind]
    except KeyError:
        raise errors.InvalidArgumentError(
            None, None, f"Unknown event kind {pb.kind!r}; expected one of {sorted(_EVENT_FIELDS)}."
        ) from None
    kwargs = {}
    for ours, theirs in fields:
        value = getattr(pb, theirs)
        kwargs[ours] = tuple(value) if theirs in _REPEATED else value
    return cls(**kwargs)


# -- devices -------------------------------------------------------------------------------
def device_attributes_to_proto(attrs: DeviceAttributes) -> teachflow_pb2.DeviceAttributes:
    return teachflow_pb2.DeviceAttributes(
        name=attrs.name,
        device_type=attrs.device_type,
        memory_limit=attrs.memory_limit_bytes,
        incarnation=attrs.incarnation,
        physical_device_desc=attrs.physical_device_desc,
    )


def device_attributes_from_proto(pb) -> DeviceAttributes:
    return DeviceAttributes(
        pb.name, pb.device_type, pb.memory_limit, pb.incarnation, pb.physical_device_desc
    )
