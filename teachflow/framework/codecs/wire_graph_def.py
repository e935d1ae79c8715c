"""Reading teachflow's wire ``GraphDef`` (``teachflow.GraphDef``) into TensorFlow's.

Until the cluster speaks TensorFlow's services, a remote run's partition graphs arrive in
teachflow's own wire schema (``teachflow/distributed/protocol/teachflow.proto``: attr values
with ``text`` and ``none`` kinds, tuples flagged). This module reads such a message by its
field names, without importing the distributed layer, so that `RunMetadata` can hand every
partition graph out as TensorFlow's ``GraphDef``.

    >>> import teachflow as tf
    >>> from teachflow.distributed.protocol import graphs
    >>> from teachflow.framework.codecs import wire_graph_def
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     _ = tf.cast(tf.constant([1.5]), tf.int32, name="y")
    >>> wire = graphs.graph_def(g.get_operations())
    >>> gd = wire_graph_def.to_tensorflow(wire)
    >>> gd.node[1].attr["DstT"].type == tf.int32.enum
    True
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.codecs import attr_value, graph_def
from teachflow.framework.operation import NodeDef
from teachflow.proto import messages, tensor_proto

__all__ = ["node_defs", "to_tensorflow"]


def _tensor(pb):
    # The wire TensorProto uses TensorFlow's field numbers for the fields it has.
    tf_pb = messages.TensorProto.FromString(pb.SerializeToString())
    if tf_pb.tensor_shape.unknown_rank:  # the wire's mark of a numpy scalar
        tf_pb.tensor_shape.Clear()
        tf_pb.tensor_shape.SetInParent()
    arr = tensor_proto.make_ndarray(tf_pb)
    arr.flags.writeable = False
    return arr


def _value(pb):
    kind = pb.WhichOneof("value")
    if kind == "list":
        items = [_value(v) for v in pb.list.values]
        return tuple(items) if pb.list.is_tuple else items
    if kind in (None, "none"):
        return None
    if kind == "type":
        return dtypes.as_dtype(pb.type)
    if kind == "shape":
        return attr_value.shape_from_proto(pb.shape)
    if kind == "tensor":
        return _tensor(pb.tensor)
    return getattr(pb, kind)  # b, i, f, s (bytes), text (str)


def node_defs(wire) -> list:
    """The `NodeDef` records of a wire ``GraphDef``."""
    return [
        NodeDef(n.name, n.op, list(n.input), n.device, {k: _value(v) for k, v in n.attr.items()})
        for n in wire.node
    ]


def to_tensorflow(wire) -> messages.GraphDef:
    """TensorFlow's ``GraphDef`` of a wire ``GraphDef`` (a TF one is returned as it is)."""
    if graph_def.is_tensorflow_graph_def(wire):
        return wire
    return graph_def.nodes_to_graph_def(node_defs(wire))
