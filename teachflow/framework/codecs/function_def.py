"""Functions in a ``GraphDef``: teachflow's function attrs <-> TensorFlow's ``FunctionDef``.

An op such as ``MapDataset`` holds a function (``f``: what ``Dataset.map`` traced) and runs
it itself. teachflow keeps that function in the op's attr, as plain data: a `FunctionAttr`
(its name, its body's nodes, its argument and output tensor names). TensorFlow writes the
attr as ``AttrValue.func`` (only the name, plus call attrs such as ``_tf_data_function``)
and the body once, in the ``GraphDef``'s ``library``, as a ``FunctionDef``:

* ``signature``: ``input_arg``/``output_arg`` with a name (lowercase: the placeholder's or
  the output op's name, `arg_name`) and a type;
* ``node_def``: the body without the argument placeholders; an input is the bare name of an
  argument or ``node:out_arg:index`` (``mul:z:0``: ``Mul``'s output arg ``z`` in its OpDef);
* ``ret``: output arg -> the tensor it returns; ``arg_attr``: each argument's
  ``_user_specified_name`` and ``_output_shapes``.

A body can hold function attrs too (a map inside a one-shot iterator's dataset factory):
`FunctionLibrary` writes every function reached once; `FunctionReader` reads them back.

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     ds = tf.data.Dataset.range(3).map(lambda x: x * 2)
    >>> gd = g.as_graph_def()
    >>> (fdef,) = gd.library.function
    >>> [a.name for a in fdef.signature.input_arg], dict(fdef.ret)
    (['args_0'], {'identity': 'Identity:output:0'})
    >>> [list(n.input) for n in fdef.node_def if n.op == "Mul"]
    [['args_0', 'mul/y:output:0']]
"""

from __future__ import annotations

import dataclasses
import re
from typing import NamedTuple

from teachflow.framework import dtypes
from teachflow.framework.codecs import attr_value, op_defs
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.proto import messages

__all__ = [
    "FunctionAttr",
    "body_entry",
    "body_node_def",
    "function_attr_names",
    "arg_name",
    "FunctionLibrary",
    "FunctionReader",
    "op_types",
]

# Functions were introduced in GraphDef version 12: TensorFlow raises a graph's
# min_consumer to it when the graph gets a function library (Graph::AddFunctionLibrary).
LIBRARY_MIN_CONSUMER = 12


class FunctionAttr(NamedTuple):
    """A function as the attr value of the op that runs it.

    ``nodes`` holds one `body_entry` per node (the argument placeholders first);
    ``arg_names``/``output_names`` are tensor names (``"args_0:0"``) of the body."""

    name: str
    nodes: tuple
    arg_names: tuple
    output_names: tuple


def body_entry(node_def: NodeDef) -> tuple:
    """One body node as plain data: (name, op, inputs, device, sorted attr items)."""
    nd = node_def
    return (nd.name, nd.op, tuple(nd.input), nd.device, tuple(sorted(nd.attr.items())))


def body_node_def(entry) -> NodeDef:
    """The `NodeDef` of a `body_entry`."""
    name, op, inputs, device, attrs = entry
    return NodeDef(name, op, list(inputs), device, dict(attrs))


def function_attr_names(op_type: str) -> frozenset:
    """The attrs of ``op_type`` that TensorFlow's OpDef types ``func``."""
    op_def = op_defs.get(op_type)
    if op_def is None:
        return frozenset()
    return frozenset(a.name for a in op_def.attr if a.type == "func")


def arg_name(name: str) -> str:
    """A node name as TensorFlow names an argument after it (NodeNameMapping::Normalize):
    lowercase letters and digits, ``_`` for anything else, from the first letter on.

    >>> arg_name("Identity_1"), arg_name("mul/c"), arg_name("0")
    ('identity_1', 'mul_c', 'unknown')
    """
    name = re.sub(r"[^a-z0-9]", "_", name.lower())
    first = re.search(r"[a-z]", name)
    return name[first.start() :] if first else "unknown"


class _Names:
    """Unique names in one function, suffixed ``_0``, ``_1``... as TensorFlow's
    NodeNameMapping::Uniquify does."""

    def __init__(self, taken=()):
        self._used = {n: 0 for n in taken}

    def unique(self, name: str) -> str:
        if name not in self._used:
            self._used[name] = 0
            return name
        while True:
            candidate = f"{name}_{self._used[name]}"
            self._used[name] += 1
            if candidate not in self._used:
                self._used[candidate] = 0
                return candidate


def _output_args(op_type: str, attrs):
    """``[(out_arg, length)]`` of an op's outputs: TF's OpDef names its output args
    (``handle``, ``z``); list args take their length from ``attrs`` (name -> AttrValue).
    None for an op TensorFlow does not have."""
    op_def = op_defs.get(op_type)
    if op_def is None:
        return None
    args = []
    for arg in op_def.output_arg:
        n = 1
        if arg.number_attr:
            n = attrs[arg.number_attr].i if arg.number_attr in attrs else 0
        elif arg.type_list_attr:
            n = len(attrs[arg.type_list_attr].list.type) if arg.type_list_attr in attrs else 0
        args.append((arg.name, n))
    return args


def output_ref(op_type: str, attrs, index: int):
    """Output ``index`` of an op as (out_arg, position in it): ``Mul``'s 0 is ("z", 0). An
    op TensorFlow does not have has one list of outputs, ``output``."""
    for name, n in _output_args(op_type, attrs) or [("output", index + 1)]:
        if index < n:
            return name, index
        index -= n
    raise ValueError(f"An op of type {op_type} has no output {index}")


def output_index(op_type: str, attrs, out: str, position: int) -> int:
    """The flat output index of (out_arg, position): `output_ref` undone."""
    start = 0
    for name, n in _output_args(op_type, attrs) or [("output", position + 1)]:
        if name == out and position < n:
            return start + position
        start += n
    raise ValueError(f"An op of type {op_type} has no output {out}:{position}")


# -- how TensorFlow lays out each kind of function -------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class FunctionLayout:
    """What TensorFlow writes around one kind of function body."""

    call_attrs: tuple  # (key, AttrValue) on the ``func`` attr that names the function
    def_attrs: tuple  # (key, AttrValue) of ``FunctionDef.attr``
    description: str
    stateful: bool  # always stateful (else: when a body op is)
    arg_attrs: bool  # write ``arg_attr`` (_user_specified_name, _output_shapes)


def _b(value):
    return messages.AttrValue(b=value)


# A function of a tf.data transformation (MapDataset.f, FilterDataset.predicate...): traced
# by tf.data's StructuredFunctionWrapper (in the eager runtime, even in graph mode).
DATA_FUNCTION = FunctionLayout(
    call_attrs=(("_tf_data_function", _b(True)),),
    def_attrs=(
        ("_construction_context", messages.AttrValue(s=b"kEagerRuntime")),
        ("_tf_data_function", _b(True)),
    ),
    description="",
    stateful=False,
    arg_attrs=True,
)
# OneShotIterator.dataset_factory: the dataset's ops copied into a Defun.
DATASET_FACTORY = FunctionLayout(
    call_attrs=(),
    def_attrs=(("_disable_call_shape_inference", _b(True)),),
    description="Factory function for a dataset.",
    stateful=True,
    arg_attrs=False,
)


def layout_for(op_type: str) -> FunctionLayout:
    """The layout of the functions an op of ``op_type`` holds."""
    return DATA_FUNCTION if op_type.endswith("Dataset") else DATASET_FACTORY


# -- writing ------------------------------------------------------------------------------
class FunctionLibrary:
    """The functions the nodes of one ``GraphDef`` use, each written once: its ``library``.

    ``encode_op(op, library)`` writes one op as a ``NodeDef`` (`graph_def` gives its own, so
    that body nodes are written exactly as graph nodes, and this module need not import it).
    Two different functions with one name get ``_1``, ``_2``... suffixes."""

    def __init__(self, encode_op):
        self._encode_op = encode_op
        self._defs = {}  # name -> FunctionDef, in the order written
        self._written = {}  # id(attr) -> name
        self._keep = []  # the attrs of _written, alive so that their ids stay theirs

    def __len__(self):
        return len(self._defs)

    def func_attr(self, fn, op_type: str) -> messages.AttrValue:
        """The ``func`` AttrValue naming ``fn`` (a `FunctionAttr`), written to the library."""
        layout = layout_for(op_type)
        name = self._written.get(id(fn))
        if name is None:
            name = self._add(self._function_def(FunctionAttr(*fn), layout))
            self._written[id(fn)] = name
            self._keep.append(fn)
        pb = messages.AttrValue()
        pb.func.name = name
        for key, value in layout.call_attrs:
            pb.func.attr[key].CopyFrom(value)
        return pb

    def _add(self, fdef) -> str:
        base, k = fdef.signature.name, 0
        while True:
            name = base if k == 0 else f"{base}_{k}"
            fdef.signature.name = name
            known = self._defs.get(name)
            if known is None:
                self._defs[name] = fdef
                return name
            if known == fdef:
                return name
            k += 1

    def to_proto(self) -> messages.FunctionDefLibrary:
        return messages.FunctionDefLibrary(function=list(self._defs.values()))

    def write_to(self, graph_def) -> None:
        """Set ``graph_def``'s library (and min_consumer, as TensorFlow) when not empty."""
        if self._defs:
            graph_def.library.CopyFrom(self.to_proto())
            graph_def.versions.min_consumer = max(
                graph_def.versions.min_consumer, LIBRARY_MIN_CONSUMER
            )

    def _function_def(self, fn: FunctionAttr, layout: FunctionLayout) -> messages.FunctionDef:
        # Rebuilt as a graph so that each body op knows its input and output dtypes, which
        # fill TF's type attrs. (Imported here: the importer itself reads GraphDefs.)
        from teachflow.framework.graph import Graph
        from teachflow.framework.importer import import_nodes

        graph = Graph()
        import_nodes(graph, [body_node_def(e) for e in fn.nodes])
        args = [graph.get_tensor_by_name(n) for n in fn.arg_names]
        arg_ops = {t.op for t in args}
        body = [op for op in graph.get_operations() if op not in arg_ops]
        names = _Names(op.name for op in body)
        fdef = messages.FunctionDef()
        sig = fdef.signature
        sig.name = fn.name
        refs = {}  # tensor -> how the body refers to it
        for i, t in enumerate(args):
            name = names.unique(arg_name(t.op.name))
            sig.input_arg.add(name=name, type=t.dtype.base_dtype.enum)
            refs[t] = name
            if layout.arg_attrs:
                attrs = fdef.arg_attr[i].attr
                given = t.op._attrs.get("_user_specified_name", t.op.name)
                attrs["_user_specified_name"].s = given.encode()
                attrs["_output_shapes"].CopyFrom(attr_value.to_proto([t.shape]))
        encoded = [self._encode_op(op, self) for op in body]
        for op, pb in zip(body, encoded):
            for t in op.outputs:
                out, j = output_ref(op.type, pb.attr, t.value_index)
                refs[t] = f"{op.name}:{out}:{j}"
        # Inputs once every output has its name: a loop's Merge reads a later NextIteration.
        for op, pb in zip(body, encoded):
            del pb.input[:]
            pb.input.extend([refs[t] for t in op.inputs])
            pb.input.extend("^" + c.name for c in op.control_inputs)
            pb.device = ""
            fdef.node_def.append(pb)
        for name in fn.output_names:
            t = graph.get_tensor_by_name(name)
            out = names.unique(arg_name(t.op.name))
            sig.output_arg.add(name=out, type=t.dtype.base_dtype.enum)
            fdef.ret[out] = refs[t]
        if layout.description:
            sig.description = layout.description
        sig.is_stateful = layout.stateful or any(
            getattr(op_defs.get(op.type), "is_stateful", False) for op in body
        )
        for key, value in layout.def_attrs:
            fdef.attr[key].CopyFrom(value)
        return fdef


def op_types(graph_def) -> set:
    """Every op type a ``GraphDef`` uses: its nodes' and its functions' bodies' (what a
    MetaGraphDef's ``stripped_op_list`` lists; a function's own name is no op)."""
    found = {n.op for n in graph_def.node}
    for f in graph_def.library.function:
        found.update(n.op for n in f.node_def)
    return found - {f.signature.name for f in graph_def.library.function}


# -- reading ------------------------------------------------------------------------------
class FunctionReader:
    """TensorFlow's ``FunctionDef``s of a ``GraphDef``'s library as `FunctionAttr`s.

    ``decode_node(pb, reader)`` reads one ``NodeDef`` into a `NodeDef` record, its own
    function attrs through ``reader`` (a body may name other functions)."""

    def __init__(self, library, decode_node):
        self._defs = {f.signature.name: f for f in library.function}
        self._decode_node = decode_node
        self._read = {}

    def function(self, name: str) -> FunctionAttr:
        """The function ``name`` of the library; ValueError when it has none."""
        fn = self._read.get(name)
        if fn is None:
            fdef = self._defs.get(name)
            if fdef is None:
                raise ValueError(
                    f"A node names the function '{name}', which the GraphDef's library "
                    "does not define."
                )
            fn = self._read[name] = self._function(fdef)
        return fn

    def _function(self, fdef) -> FunctionAttr:
        sig = fdef.signature
        entries = [self._arg_entry(fdef, i, arg) for i, arg in enumerate(sig.input_arg)]
        body = {nd.name: nd for nd in fdef.node_def}
        args = {arg.name for arg in sig.input_arg}

        def tensor(ref):
            if ref.startswith("^"):
                return ref
            node, _, rest = ref.partition(":")
            if node in args or not rest:
                return node
            out, _, j = rest.partition(":")
            src = body.get(node)
            if src is None:
                raise ValueError(f"Function '{sig.name}': unknown input '{ref}'")
            return f"{node}:{output_index(src.op, src.attr, out, int(j or 0))}"

        for pb in fdef.node_def:
            nd = self._decode_node(pb, self)
            inputs = [tensor(r) for r in pb.input]
            entries.append(body_entry(NodeDef(nd.name, nd.op, inputs, "", nd.attr)))
        outputs = []
        for arg in sig.output_arg:
            ref = tensor(fdef.ret[arg.name])
            outputs.append(ref if ":" in ref else ref + ":0")
        return FunctionAttr(
            sig.name, tuple(entries), tuple(f"{a.name}:0" for a in sig.input_arg), tuple(outputs)
        )

    @staticmethod
    def _arg_entry(fdef, i, arg) -> tuple:
        if not arg.type:
            raise ValueError(
                f"Function '{fdef.signature.name}': argument '{arg.name}' has no fixed type "
                "(a polymorphic function); teachflow runs functions of fixed types only."
            )
        # .get: indexing a message map would add the entry to the message read.
        arg_attr = fdef.arg_attr.get(i)
        shapes = arg_attr.attr.get("_output_shapes") if arg_attr is not None else None
        shapes = shapes.list.shape if shapes is not None else []
        shape = attr_value.shape_from_proto(shapes[0]) if shapes else TensorShape(None)
        attrs = {"dtype": dtypes.as_dtype(arg.type), "shape": shape}
        given = arg_attr.attr.get("_user_specified_name") if arg_attr is not None else None
        if given is not None:
            attrs["_user_specified_name"] = given.s.decode()
        return body_entry(NodeDef(arg.name, "Placeholder", [], "", attrs))
