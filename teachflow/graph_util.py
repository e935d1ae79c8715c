"""``tf.graph_util``: freezing a trained graph and the GraphDef surgery around it.

Freezing is the classic last step of a TF1 training script: the variables' current values
are read from a session and written into the graph as ``Const`` nodes, so that one
``GraphDef`` file holds the whole model. ``convert_variables_to_constants`` first keeps
only what the outputs need (`extract_sub_graph`), then turns each ``VariableV2`` into a
``Const`` of the same name and each ``ReadVariableOp`` of a resource variable into an
``Identity`` -- node for node what TensorFlow 2.21's ``convert_to_constants`` writes.

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.placeholder(tf.float32, [None, 2], name="x")
    ...     w = tf.Variable([[1.0], [2.0]], name="w")
    ...     y = tf.matmul(x, w, name="y")
    ...     with tf.Session() as sess:
    ...         sess.run(w.initializer)
    ...         frozen = tf.graph_util.convert_variables_to_constants(
    ...             sess, g.as_graph_def(), ["y"])
    >>> [(n.name, n.op) for n in frozen.node]
    [('x', 'Placeholder'), ('w', 'Const'), ('w/read', 'Identity'), ('y', 'MatMul')]
"""

from __future__ import annotations

import copy
import re
from collections import deque

from teachflow.framework import dtypes
from teachflow.framework.codecs import graph_def as graph_def_codec
from teachflow.framework.importer import import_graph_def
from teachflow.proto import messages, tensor_proto

__all__ = [
    "convert_variables_to_constants",
    "extract_sub_graph",
    "import_graph_def",
    "must_run_on_cpu",
    "remove_training_nodes",
    "tensor_shape_from_node_def_name",
]

_VARIABLE_OPS = frozenset(
    {
        "Assign",
        "AssignAdd",
        "AssignSub",
        "Queue",
        "ScatterAdd",
        "ScatterSub",
        "ScatterUpdate",
        "TruncatedNormal",
        "Variable",
        "VariableV2",
    }
)
# Ops whose value a frozen variable flows through unchanged: their type attr ``T`` takes
# the variable's dtype and their recorded ``_output_shapes`` go (convert_to_constants'
# _Intermediate).
_PASS_THROUGH_OPS = frozenset({"Enter", "Exit", "Identity", "NextIteration", "Switch", "_SwitchN"})


def _node_name(name: str) -> str:
    return name[1:] if name.startswith("^") else name.split(":")[0]


def _colocated_names(node) -> list:
    """The nodes a ``_class: loc:@name`` attr ties ``node`` to (kept alongside it)."""
    if "_class" not in node.attr:
        return []
    names = [s.decode("utf-8") for s in node.attr["_class"].list.s]
    return [s[len("loc:@") :] if s.startswith("loc:@") else s for s in names]


def must_run_on_cpu(node, pin_variables_on_cpu=False) -> bool:
    """Whether TensorFlow's GPU kernels rule ``node`` (an `Operation` or ``NodeDef``) out.

    int32 and string constants, int32 ``DynamicStitch`` and casts from int32 stay on the
    host; with ``pin_variables_on_cpu`` so do variables and the ops that write them.

        >>> import teachflow as tf
        >>> with tf.Graph().as_default():
        ...     c = tf.constant([1, 2], name="c")
        ...     tf.graph_util.must_run_on_cpu(c.op)
        True
    """
    node_def = node if isinstance(node, messages.NodeDef) else graph_def_codec._op_to_proto(node)
    if pin_variables_on_cpu and node_def.op in _VARIABLE_OPS:
        return True
    host_types = {
        "Const": ("dtype", (dtypes.int32.enum, dtypes.string.enum)),
        "DynamicStitch": ("T", (dtypes.int32.enum,)),
        "ParallelDynamicStitch": ("T", (dtypes.int32.enum,)),
        "Cast": ("SrcT", (dtypes.int32.enum,)),
    }
    if node_def.op not in host_types:
        return False
    attr, types = host_types[node_def.op]
    return node_def.attr[attr].type in types


def extract_sub_graph(graph_def, dest_nodes):
    """The nodes of ``graph_def`` that ``dest_nodes`` reach back to, in their first order.

    A node's inputs, control inputs and colocation targets (``_class``) all count;
    ``library`` and ``versions`` are copied. TypeError if ``graph_def`` is not a
    ``GraphDef`` or ``dest_nodes`` is a single string; AssertionError for a name the
    graph lacks.

        >>> import teachflow as tf
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     a = tf.constant(1.0, name="a")
        ...     b = tf.add(a, 1.0, name="b")
        ...     c = tf.constant(3.0, name="c")
        >>> sub = tf.graph_util.extract_sub_graph(g.as_graph_def(), ["b"])
        >>> [n.name for n in sub.node]
        ['a', 'b/y', 'b']
    """
    if not isinstance(graph_def, messages.GraphDef):
        raise TypeError(
            f"graph_def must be a graph_pb2.GraphDef proto, but got type {type(graph_def)}."
        )
    if isinstance(dest_nodes, str):
        raise TypeError(
            f"dest_nodes must be an iterable of strings, but got type {type(dest_nodes)}."
        )
    nodes, order, inputs_of = {}, {}, {}
    for seq, node in enumerate(graph_def.node):
        name = _node_name(node.name)
        nodes[name] = node
        order[name] = seq
        inputs_of[name] = [_node_name(i) for i in node.input] + _colocated_names(node)
    for name in dest_nodes:
        assert name in nodes, f"{name} is not in graph"
    keep, to_visit = set(), deque(dest_nodes)
    while to_visit:
        name = to_visit.popleft()
        if name not in keep:
            keep.add(name)
            to_visit.extend(inputs_of.get(name, ()))
    out = messages.GraphDef()
    out.node.extend(copy.deepcopy(nodes[n]) for n in sorted(keep, key=order.__getitem__))
    out.library.CopyFrom(graph_def.library)
    out.versions.CopyFrom(graph_def.versions)
    return out


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of the tensor a GraphDef input string names (``"y"`` is ``"y:0"``).

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.placeholder(tf.float32, [None, 3], name="x")
    >>> tf.graph_util.tensor_shape_from_node_def_name(g, "x")
    TensorShape([Dimension(None), Dimension(3)])
    """
    name = input_name if ":" in input_name else input_name + ":0"
    return graph.get_tensor_by_name(name).get_shape()


def _without_inputs(nodes, drop):
    """Copies of ``nodes`` minus those named in ``drop`` and the inputs from them."""
    kept = []
    for node in nodes:
        if node.name in drop:
            continue
        new = messages.NodeDef()
        new.CopyFrom(node)
        del new.input[:]
        new.input.extend(i for i in node.input if re.sub(r"^\^", "", i) not in drop)
        kept.append(new)
    return kept


def remove_training_nodes(input_graph, protected_nodes=None):
    """``input_graph`` without what only training needs: every ``CheckNumerics`` node, and
    ``Identity``/``StopGradient`` nodes spliced out (their consumers read their input).

    An identity that has or is a control input, or that another node is colocated with,
    stays, as do the ``protected_nodes``. The result has nodes only (no versions).

        >>> import teachflow as tf
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     a = tf.constant(2.0, name="a")
        ...     b = tf.identity(a, name="b")
        ...     c = tf.multiply(b, b, name="c")
        >>> out = tf.graph_util.remove_training_nodes(g.as_graph_def())
        >>> [(n.name, list(n.input)) for n in out.node]
        [('a', []), ('c', ['a', 'a'])]
    """
    protected = set(protected_nodes or ())
    removed = {
        n.name for n in input_graph.node if n.op == "CheckNumerics" and n.name not in protected
    }
    nodes = _without_inputs(input_graph.node, removed)
    control_inputs, with_control_input, colocated = set(), set(), set()
    for node in nodes:
        for name in node.input:
            if "^" in name:
                control_inputs.add(name.replace("^", ""))
                with_control_input.add(node.name)
        colocated.update(_colocated_names(node))
    splice = {
        node.name: node.input[0]
        for node in nodes
        if node.op in ("Identity", "StopGradient")
        and node.name not in protected
        and node.name not in colocated
        and node.name not in with_control_input
        and node.name not in control_inputs
    }
    out = messages.GraphDef()
    for node in nodes:
        if node.name in splice:
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        for full in node.input:
            name = re.sub(r"^\^", "", full)
            while name in splice:
                full = splice[name]
                name = re.sub(r"^\^", "", full)
            new.input.append(full)
    return out


def _variables_to_freeze(graph_def, allowlist, denylist):
    """(node, tensor to read) for each variable the caller asked to freeze."""
    chosen = []
    for node in graph_def.node:
        if node.op not in ("Variable", "VariableV2", "VarHandleOp"):
            continue
        if allowlist is not None and node.name not in allowlist:
            continue
        if denylist is not None and node.name in denylist:
            continue
        read = node.name + ("/Read/ReadVariableOp" if node.op == "VarHandleOp" else "")
        chosen.append((node, read + ":0"))
    return chosen


def _consumers(graph_def) -> dict:
    """node name -> [(consumer NodeDef, input index)] over data edges."""
    out = {}
    for node in graph_def.node:
        for index, name in enumerate(node.input):
            if not name.startswith("^"):
                out.setdefault(_node_name(name), []).append((node, index))
    return out


def _set_type(node, attr_name, index, dtype_enum):
    attr = node.attr[attr_name]
    if attr.HasField("list") and len(attr.list.type) > index:
        attr.list.type[index] = dtype_enum
    elif attr.HasField("type") and index == 0:
        attr.type = dtype_enum
    else:
        raise ValueError(
            f"`index` {index:d} is out of range for node({node.name}).attr({attr_name})."
        )


def _freeze_downstream(name, dtype_enum, consumers):
    """Retype the identities (and other pass-through ops) a frozen value flows through, and
    turn the ``ReadVariableOp`` of a resource variable into an ``Identity``."""
    for node, index in consumers.get(name, ()):
        if node.op in _PASS_THROUGH_OPS:
            _set_type(node, "T", index, dtype_enum)
            if "_output_shapes" in node.attr:
                del node.attr["_output_shapes"]
            _freeze_downstream(node.name, dtype_enum, consumers)
        elif node.op == "ReadVariableOp":
            name, source, attrs = node.name, node.input[0], copy.deepcopy(node.attr)
            node.Clear()
            node.name, node.op = name, "Identity"
            node.input.append(source)
            node.attr["T"].CopyFrom(attrs["dtype"])
            if "_class" in attrs:
                node.attr["_class"].CopyFrom(attrs["_class"])


def convert_variables_to_constants(
    sess,
    input_graph_def,
    output_node_names,
    variable_names_whitelist=None,
    variable_names_blacklist=None,
):
    """A copy of ``input_graph_def`` cut down to ``output_node_names``, its variables
    replaced by ``Const`` nodes holding their values in ``sess``.

    Only variables the outputs need are read (one ``sess.run``); ``variable_names_whitelist``
    / ``_blacklist`` choose among them. A variable that is not initialized raises
    `tf.errors.FailedPreconditionError` from that run. See the module docstring.
    """
    graph = extract_sub_graph(input_graph_def, output_node_names)
    chosen = _variables_to_freeze(graph, variable_names_whitelist, variable_names_blacklist)
    values = sess.run([tensor for _, tensor in chosen]) if chosen else []
    consumers = _consumers(graph)
    for (node, _), value in zip(chosen, values):
        dtype_enum = node.attr["dtype"].type
        name = node.name
        node.Clear()
        node.name, node.op = name, "Const"
        node.attr["dtype"].type = dtype_enum
        node.attr["value"].tensor.CopyFrom(tensor_proto.make_tensor_proto(value, dtype_enum))
        _freeze_downstream(name, dtype_enum, consumers)
    return graph
