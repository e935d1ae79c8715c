"""Rebuilding ops from `NodeDef` records: how a graph arrives in another process.

A server receives a client's graph as NodeDefs (``name``, ``op``, inputs written
``"x"``, ``"x:1"`` or ``"^x"`` for a control input, ``device``, ``attr``) and must build
*the same* graph: the same names, devices and attributes, so that a fetch named
``"loss:0"`` on the client means the same tensor on the server. `import_nodes` does
that; the nodes may come in any order (they are sorted so that inputs come first).

    >>> import teachflow as tf
    >>> from teachflow.framework import importer
    >>> src = tf.Graph()
    >>> with src.as_default():
    ...     a = tf.constant(2.0, name="a")
    ...     b = tf.multiply(a, a, name="b")
    >>> dst = tf.Graph()
    >>> ops = importer.import_nodes(dst, [op.node_def for op in reversed(src.get_operations())])
    >>> [op.name for op in ops]
    ['a', 'b']
    >>> with tf.Session(graph=dst) as sess:
    ...     print(sess.run("b:0"))
    4.0

`import_graph_def` is TensorFlow's public form: it copies nodes under a name prefix,
can rewire inputs (``input_map``) and returns chosen ops or tensors.
"""

from __future__ import annotations

import contextlib
import heapq

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.codecs import graph_def as proto_graph_def
from teachflow.framework.codecs import op_defs
from teachflow.framework.operation import NodeDef, Operation, Tensor

__all__ = ["import_nodes", "import_graph_def"]


def _parse_input(text: str):
    """``"x"`` -> (x, 0, False); ``"x:2"`` -> (x, 2, False); ``"^x"`` -> (x, None, True)."""
    if text.startswith("^"):
        return text[1:], None, True
    name, sep, index = text.rpartition(":")
    if sep and index.isdigit():
        return name, int(index), False
    return text, 0, False


def _invalid(message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, message)


def _creation_order(graph, node_defs, skip_existing):
    """The node defs to create, inputs before consumers (Kahn's algorithm).

    Ties are broken by the given position, so an already-sorted list keeps its order.
    """
    by_name = {}
    for pos, nd in enumerate(node_defs):
        if nd.name in by_name:
            raise _invalid(f"Node '{nd.name}' appears twice in the imported nodes.")
        by_name[nd.name] = pos
    todo = {}
    for pos, nd in enumerate(node_defs):
        if nd.name in graph._ops_by_name:
            if not skip_existing:
                raise _invalid(f"Node '{nd.name}' already exists in the graph.")
            continue
        todo[pos] = nd
    waiting = {pos: 0 for pos in todo}
    consumers = {pos: [] for pos in todo}
    for pos, nd in todo.items():
        for text in nd.input:
            src, _, _ = _parse_input(text)
            src_pos = by_name.get(src)
            if _is_back_edge(nd, node_defs[src_pos] if src_pos is not None else None):
                continue  # a loop's NextIteration -> Merge: connected once both exist
            if src_pos in todo:
                waiting[pos] += 1
                consumers[src_pos].append(pos)
            elif src not in graph._ops_by_name:
                raise _invalid(f"Node '{nd.name}': Unknown input node '{text}'")
    ready = [pos for pos, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        pos = heapq.heappop(ready)
        order.append(todo[pos])
        for c in consumers[pos]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, c)
    if len(order) != len(todo):
        stuck = sorted(todo[pos].name for pos, n in waiting.items() if n > 0)
        raise _invalid(f"The imported nodes contain a cycle among: {', '.join(stuck)}")
    return order


_MERGES = ("Merge", "RefMerge")
_NEXT_ITERATIONS = ("NextIteration", "RefNextIteration")


def _is_back_edge(nd, src_nd) -> bool:
    """A while loop's back edge (TF's importer makes the same exception to its order)."""
    return nd.op in _MERGES and src_nd is not None and src_nd.op in _NEXT_ITERATIONS


def _without_back_edges(graph, nd):
    """A loop Merge whose NextIteration input does not exist yet reads its first other
    input for now (as TF's while_loop builds it: ``merge([enter, enter])``); returns the
    node def to create and the (index, input) pairs to connect afterwards."""
    if nd.op not in _MERGES:
        return nd, []
    later = []
    for i, text in enumerate(nd.input):
        src = _parse_input(text)[0]
        src_op = graph._ops_by_name.get(src)
        if src_op is None and not text.startswith("^"):
            later.append((i, text))
    if not later:
        return nd, []
    stand_in = next((t for i, t in enumerate(nd.input) if i not in dict(later)), None)
    if stand_in is None:
        return nd, []
    inputs = [stand_in if i in dict(later) else t for i, t in enumerate(nd.input)]
    return NodeDef(nd.name, nd.op, inputs, nd.device, nd.attr), later


def _connect_back_edge(graph, op, index, text):
    src, out, _ = _parse_input(text)
    src_op = graph._ops_by_name.get(src)
    if src_op is None:
        raise _invalid(f"Node '{op.name}': Unknown input node '{text}'")
    tensor = src_op._outputs[out]
    old = op._inputs[index]
    op._inputs = op._inputs[:index] + (tensor,) + op._inputs[index + 1 :]
    old._consumers.remove(op)
    tensor._consumers.append(op)


def _resolve_inputs(graph, nd):
    inputs, control_inputs = [], []
    for text in nd.input:
        src, index, is_control = _parse_input(text)
        op = graph._ops_by_name[src]
        if is_control:
            control_inputs.append(op)
        elif index >= len(op.outputs):
            raise _invalid(
                f"Node '{nd.name}': Connecting to invalid output {index} of source node "
                f"{src} which has {len(op.outputs)} outputs."
            )
        else:
            inputs.append(op.outputs[index])
    return inputs, control_inputs


def _check_registered(nd):
    try:
        op_def = registry.get(nd.op)
    except KeyError:
        op_def = None
    if op_def is None or op_def.infer is None:
        raise _invalid(f"Op type not registered '{nd.op}' (in node '{nd.name}').")


def _check_input_types(nd, inputs):
    """Each input's dtype against the type the node's attrs declare for it (TF's OpDef says
    which attr types which input):
    a NodeDef from a file or the wire may say ``T: int32`` over a float input, and its
    kernel would then compute in a dtype the graph does not declare."""
    op_def = op_defs.get(nd.op)
    if op_def is None:
        return
    for i, arg in enumerate(op_def.input_arg):
        if arg.number_attr or arg.type_list_attr or i >= len(inputs):
            return  # after a list input the positions depend on its length: not checked
        # Only types the node's own attrs declare: teachflow's queues and readers keep TF1's
        # string_ref handles where TF's current OpDefs fix the type to resource.
        expected = nd.attr.get(arg.type_attr) if arg.type_attr else None
        if not isinstance(expected, dtypes.DType):
            continue
        actual = inputs[i].dtype
        if actual.base_dtype != expected.base_dtype:
            # TF's importer words (graph_constructor.cc): a ValueError from import_graph_def.
            want = dtypes.type_string(expected._as_ref if arg.is_ref else expected)
            raise _invalid(
                f"Input {i} of node {nd.name} was passed {dtypes.type_string(actual)} from "
                f"{inputs[i].name} incompatible with expected {want}."
            )


def _create(graph, nd) -> Operation:
    _check_registered(nd)
    inputs, control_inputs = _resolve_inputs(graph, nd)
    _check_input_types(nd, inputs)
    try:
        op = graph.create_op(
            nd.op, inputs, dict(nd.attr), nd.name, control_inputs, _verbatim_name=True
        )
    except (ValueError, TypeError, KeyError) as e:
        raise _invalid(f"Node '{nd.name}' (op: '{nd.op}') cannot be imported: {e}") from None
    op._set_device(nd.device)
    return op


# Graph state that shapes new ops (name, device, control-dependency, colocation and
# container scopes, gradient overrides): an imported node must get none of it.
_SCOPE_STATE = {
    "_name_stack": "",
    "_device_function_stack": [],
    "_control_dependencies_stack": [],
    "_colocation_stack": [],
    "_container": "",
    "_gradient_override_map": {},
}


@contextlib.contextmanager
def _without_scopes(graph):
    saved = {k: getattr(graph, k) for k in _SCOPE_STATE}
    for k, v in _SCOPE_STATE.items():
        setattr(graph, k, type(v)())
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(graph, k, v)


def _remove(graph, first):
    """Take back the ops a failed import created (``graph._ops[first:]``, newest first),
    so it changes nothing. They are the newest ops: one cut off the end of the list, where
    a `list.remove` per op scanned the whole graph each time."""
    ops = graph._ops[first:]
    del graph._ops[first:]
    for op in reversed(ops):
        del graph._ops_by_name[op.name]
        for t in op.inputs:
            t._consumers.remove(op)
        for c in op._control_inputs:
            c._control_outputs.remove(op)


def import_nodes(graph, node_defs, validate: bool = True, skip_existing: bool = False) -> list:
    """Create one op per `NodeDef` in ``graph``, with exactly its name, device and attrs.

    Inputs may name nodes of the list or ops already in ``graph``. Raises
    `InvalidArgumentError` for an unknown input node or op type, a cycle, an invalid
    output index, a failed shape inference, or (unless ``skip_existing``, which reuses
    the op already there) a name already in the graph. An import that fails leaves the
    graph as it was (``validate=False`` only skips checking every op type up front).
    Returns the new ops in creation order.
    """
    with graph._lock, _without_scopes(graph):
        order = _creation_order(graph, list(node_defs), skip_existing)
        if validate:
            # Fail before building anything: an unknown op type is the common bad message.
            for nd in order:
                _check_registered(nd)
        created = []
        names_in_use = dict(graph._names_in_use)
        first = len(graph._ops)
        back_edges = []  # (merge op, input index, NextIteration input), connected at the end
        try:
            for nd in order:
                nd, later = _without_back_edges(graph, nd)
                op = _create(graph, nd)
                back_edges.extend((op, i, text) for i, text in later)
                created.append(op)
            for op, i, text in back_edges:
                _connect_back_edge(graph, op, i, text)
        except Exception:
            _remove(graph, first)
            graph._names_in_use = names_in_use
            raise
        return created


def _node_defs_of(graph_def) -> list:
    if isinstance(graph_def, (bytes, bytearray)) or (
        hasattr(graph_def, "SerializeToString")
        and proto_graph_def.is_tensorflow_graph_def(graph_def)
    ):
        # TensorFlow's GraphDef (Graph.as_graph_def(), a .pb file, a graph TF wrote).
        return proto_graph_def.node_defs_from_graph_def(graph_def)
    if hasattr(graph_def, "SerializeToString"):
        raise TypeError(
            f"import_graph_def takes TensorFlow's GraphDef, not a {graph_def.DESCRIPTOR.full_name}"
            " (teachflow's wire schema: decode it with teachflow.distributed.protocol.graphs)."
        )
    nodes = getattr(graph_def, "node", graph_def)
    out = []
    for nd in nodes:
        if not isinstance(nd, NodeDef):
            raise TypeError(
                "import_graph_def takes a GraphDef (graph.as_graph_def()) or teachflow "
                f"NodeDef records (op.node_def); got {type(nd).__name__}."
            )
        out.append(nd)
    return out


def _tensor_key(name: str) -> str:
    return name if name.startswith("^") or ":" in name else name + ":0"


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None):
    """Copy the nodes of ``graph_def`` into the default graph under the prefix ``name/``.

    ``input_map`` maps tensor names of ``graph_def`` (``"x:0"``, or ``"^x"`` for a
    control input) to Tensors (Operations) of the default graph, which replace them.
    ``return_elements`` names ops (``"x"``) or tensors (``"x:0"``) of ``graph_def`` to
    return. As in TensorFlow, an invalid graph raises ValueError.

        >>> import teachflow as tf
        >>> from teachflow.framework import importer
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     y = tf.add(tf.constant(1.0, name="x"), 1.0, name="y")
        >>> with tf.Graph().as_default():
        ...     x = tf.constant(10.0)
        ...     (out,) = importer.import_graph_def(
        ...         [op.node_def for op in g.get_operations()],
        ...         input_map={"x:0": x}, return_elements=["y:0"])
        ...     print(out.name, tf.Session().run(out))
        import/y:0 11.0
    """
    from teachflow.framework.graph import get_default_graph

    graph = get_default_graph()
    nodes = _node_defs_of(graph_def)
    input_map = {_tensor_key(k): v for k, v in (input_map or {}).items()}
    for k, v in input_map.items():
        expected = Operation if k.startswith("^") else Tensor
        if not isinstance(v, expected) or v.graph is not graph:
            raise ValueError(
                f"input_map[{k!r}] must be a {expected.__name__} of the default graph."
            )
    known = {nd.name for nd in nodes}
    for nd in nodes:
        for text in nd.input:
            if _tensor_key(text) not in input_map and _parse_input(text)[0] not in known:
                raise ValueError(f"Node '{nd.name}': Unknown input node '{text}'")
    for element in return_elements or ():
        if element.split(":")[0] not in known:
            what = "tensor" if ":" in element else "node"
            raise ValueError(f"Requested return {what} '{element}' not found in graph def")
    used = set()
    with graph.name_scope("import" if name is None else name) as scope:
        pass  # only to reserve a unique prefix, as TensorFlow does

    def remap(text):
        key = _tensor_key(text)
        if key in input_map:
            used.add(key)
            value = input_map[key]
            return "^" + value.name if key.startswith("^") else value.name
        return "^" + scope + text[1:] if text.startswith("^") else scope + text

    renamed = []
    for nd in nodes:
        attrs = dict(nd.attr)
        groups = attrs.get("_class")
        if groups:
            # Colocation names a node of the imported graph: it moves under the prefix too.
            attrs["_class"] = [
                b"loc:@" + scope.encode() + g[5:]
                if g.startswith(b"loc:@") and g[5:].decode() in known
                else g
                for g in groups
            ]
        inputs = [remap(t) for t in nd.input]
        renamed.append(NodeDef(scope + nd.name, nd.op, inputs, nd.device, attrs))
    unused = sorted(set(input_map) - used)
    if unused:
        raise ValueError(
            f"Attempted to map inputs that were not found in graph_def: [{', '.join(unused)}]"
        )
    try:
        created = import_nodes(graph, renamed)
    except errors.InvalidArgumentError as e:
        raise ValueError(e.message) from None
    if hasattr(graph_def, "node") and hasattr(graph_def, "SerializeToString"):
        # TensorFlow's per-node debug info and full types have no teachflow meaning; they
        # are kept so that the graph exports as it came in.
        extras = proto_graph_def.extras_by_node(graph_def)
        for op in created:
            extra = extras.get(op.name[len(scope) :])
            if extra is not None:
                op._tf_node_extras = extra
    if return_elements is None:
        return None
    return [graph.as_graph_element(scope + element) for element in return_elements]
