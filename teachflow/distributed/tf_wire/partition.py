"""TensorFlow's partition conventions, and how teachflow reads a TF partition graph.

A TensorFlow master cuts a step's graph at every edge between two devices into a
``_Send`` on the producing device and a ``_Recv`` on the consuming one
(``core/graph/graph_partition.cc``). Both carry the same attrs — ``tensor_name``
(``edge_<id>_<src node>``), ``send_device``, ``send_device_incarnation``,
``recv_device``, ``client_terminated`` — from which each side spells the same
*rendezvous key* (``core/framework/rendezvous.cc``)::

    send_device;incarnation as 16 hex digits;recv_device;tensor_name;frame_id:iter_id

The receiving worker pulls the tensor with ``RecvTensor`` naming that key; the sending
worker checks that the incarnation is its device's (a restarted task must not hand out a
tensor meant for its predecessor). Feeds and fetches of the client cross the same way:
the master's own partition holds them, so the partitions a TF master registers on other
workers are plain graphs with ``_Send``/``_Recv`` nodes, run with no feeds.

teachflow's ``_Send``/``_Recv`` kernels use the same key, so a TF partition runs on a
teachflow worker after two renamings, both undone on the way back (the incarnation,
an int64 attr holding a uint64's bits, is spelled unsigned in the key on both sides):

- ``_Recv``'s dtype attr is TF's ``tensor_type``; teachflow's kernels read ``T``;
- TF's internal nodes start with ``_`` (``_recv_x_0``: the feed ``x``), which TF's graph
  constructor accepts only for internal graphs; teachflow's graph keeps user-name rules,
  so they live under ``tf_internal/``.

    >>> key = parse_key("/job:ps/replica:0/task:0/device:CPU:0;efc127de273b2cf1;"
    ...                 "/job:worker/replica:0/task:0/device:CPU:0;edge_5_b/read;0:0")
    >>> key.tensor_name, hex(key.src_incarnation)
    ('edge_5_b/read', '0xefc127de273b2cf1')
    >>> str(key) == make_key(key.src_device, key.src_incarnation, key.dst_device, "edge_5_b/read")
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from teachflow.distributed.tf_wire import convert
from teachflow.framework import errors
from teachflow.framework.operation import NodeDef
from teachflow.runtime.rendezvous_key import make_key

__all__ = [
    "INTERNAL_SCOPE",
    "ClientKeys",
    "RendezvousKey",
    "TFPartition",
    "from_tensorflow",
    "key_of",
    "parse_key",
    "to_tensorflow",
]

UINT64 = (1 << 64) - 1
# Where TF's internal node names (leading "_") live in a teachflow graph.
INTERNAL_SCOPE = "tf_internal/"


def unsigned(incarnation: int) -> int:
    """An incarnation as TensorFlow's uint64 (its int64 attr holds the same bits)."""
    return int(incarnation) & UINT64


@dataclass(frozen=True, slots=True)
class RendezvousKey:
    """TensorFlow's parsed rendezvous key (``Rendezvous::ParsedKey``)."""

    src_device: str
    src_incarnation: int
    dst_device: str
    tensor_name: str
    frame_iter: str = "0:0"

    def __str__(self) -> str:
        return (
            f"{self.src_device};{self.src_incarnation:016x};{self.dst_device};"
            f"{self.tensor_name};{self.frame_iter}"
        )


def parse_key(key: str) -> RendezvousKey:
    """TensorFlow's ``Rendezvous::ParseKey``: five ``;``-separated parts, the second the
    source device's incarnation in hex; anything else is `InvalidArgumentError`."""
    parts = key.split(";")
    if len(parts) == 5 and all(parts[:4]):
        try:
            return RendezvousKey(parts[0], int(parts[1], 16), parts[2], parts[3], parts[4])
        except ValueError:
            pass
    raise errors.InvalidArgumentError(None, None, f"Invalid rendezvous key: {key}")


@dataclass(slots=True)
class TFPartition:
    """A TF partition graph as teachflow registers it."""

    node_defs: list  # teachflow NodeDefs, ready for import_nodes
    tf_names: dict = field(default_factory=dict)  # teachflow node name -> TF's, where renamed

    def tf_name(self, name: str) -> str:
        """The name TensorFlow gave the node teachflow calls ``name``."""
        return self.tf_names.get(name, name)


def _local_name(name: str) -> str:
    return INTERNAL_SCOPE + name if name.startswith("_") else name


def _local_input(text: str) -> str:
    control = text.startswith("^")
    name = text[1:] if control else text
    return ("^" if control else "") + _local_name(name)


def from_tensorflow(graph_def) -> TFPartition:
    """A partition graph a TensorFlow master registers (``RegisterGraphRequest.graph_def``)
    as teachflow `NodeDef` records. A graph with functions raises `InvalidArgumentError`."""
    out = TFPartition([])
    for nd in convert.node_defs(graph_def):
        attrs = dict(nd.attr)
        if nd.op in ("_Recv", "_HostRecv") and "T" not in attrs:
            attrs["T"] = attrs.get("tensor_type")
        name = _local_name(nd.name)
        if name != nd.name:
            out.tf_names[name] = nd.name
        inputs = [_local_input(t) for t in nd.input]
        out.node_defs.append(NodeDef(name, nd.op, inputs, nd.device, attrs))
    return out


def key_of(send_device: str, incarnation: int, recv_device: str, tensor_name: str) -> str:
    """The rendezvous key TF's ``_Send``/``_Recv`` with these attrs use."""
    return make_key(send_device, unsigned(incarnation), recv_device, tensor_name)


# -- the other way: a teachflow master's partition for a TensorFlow worker --------------------
# The attrs TF's _Send and _Recv ops define; teachflow's extras (a _Recv's static shape)
# would make TF's graph constructor refuse the node.
_SEND_RECV_ATTRS = frozenset(
    {
        "T",
        "tensor_type",
        "tensor_name",
        "send_device",
        "send_device_incarnation",
        "recv_device",
        "client_terminated",
    }
)


@dataclass(slots=True)
class ClientKeys:
    """The rendezvous keys through which a RunGraph feeds and fetches a TF partition."""

    feeds: dict  # teachflow's partition tensor name (the feed placeholder's) -> key
    fetches: dict  # tensor name -> key


def _int64(value: int) -> int:
    value = unsigned(value)
    return value - (1 << 64) if value >= 1 << 63 else value


def to_tensorflow(node_defs, feeds, fetches, incarnations):
    """A partition teachflow's master cut (`NodeDef` records), as a TF worker runs it:
    TF's worker takes feeds and gives fetches only through client-terminated ``_Recv`` and
    ``_Send`` nodes, named by rendezvous keys. Each fed placeholder becomes such a
    ``_Recv`` (same name, so its readers are unchanged); each fetch gets such a ``_Send``.
    The client end of those keys is the node's own device, as TF's ``RunGraph`` accepts
    only keys whose sender is local. ``incarnations``: device name -> incarnation.

    Returns (TensorFlow's ``GraphDef``, `ClientKeys`)."""
    from teachflow.framework.codecs import graph_def
    from teachflow.framework.graph import Graph
    from teachflow.framework.importer import import_nodes

    graph = Graph()
    import_nodes(graph, node_defs)  # for the dtypes of the fetched tensors
    feeds, keys = set(feeds), ClientKeys({}, {})

    def key_on(device, tensor_name):
        return key_of(device, incarnations.get(device, 0), device, tensor_name)

    out = []
    for nd in node_defs:
        attrs = dict(nd.attr)
        if f"{nd.name}:0" in feeds:
            tensor = f"{nd.name}:0"
            keys.feeds[tensor] = key_on(nd.device, tensor)
            attrs = _client_attrs(nd.device, incarnations, tensor, tensor_type=attrs["dtype"])
            out.append(NodeDef(nd.name, "_Recv", [], nd.device, attrs))
            continue
        if nd.op in ("_Send", "_Recv"):
            attrs = {k: v for k, v in attrs.items() if k in _SEND_RECV_ATTRS or k[0] == "_"}
            if nd.op == "_Recv":
                attrs["tensor_type"] = attrs.pop("T")
            attrs["send_device_incarnation"] = _int64(attrs["send_device_incarnation"])
            attrs["client_terminated"] = False
        out.append(NodeDef(nd.name, nd.op, list(nd.input), nd.device, attrs))
    for i, name in enumerate(fetches):
        t = graph.get_tensor_by_name(name)
        device = t.op.device
        keys.fetches[name] = key_on(device, name)
        attrs = _client_attrs(device, incarnations, name, T=t.dtype.base_dtype)
        source = t.op.name if t.value_index == 0 else name
        out.append(NodeDef(f"{t.op.name}/_fetch_{i}", "_Send", [source], device, attrs))
    return graph_def.nodes_to_graph_def(out), keys


def _client_attrs(device, incarnations, tensor_name, **dtype):
    return {
        **dtype,
        "tensor_name": tensor_name,
        "send_device": device,
        "send_device_incarnation": _int64(incarnations.get(device, 0)),
        "recv_device": device,
        "client_terminated": True,
    }
