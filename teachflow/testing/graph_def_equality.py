"""``tf.test.assert_equal_graph_def``: two GraphDefs hold the same nodes, whatever their order.

TensorFlow compares node by node (``EqualGraphDef`` in equal_graph_def.cc): every expected
node must be there with the same op, device, inputs (``x`` and ``x:0`` are one input;
control inputs in any order) and attrs (those starting with ``_`` are ignored), and no
other node may be. The first difference is the AssertionError's message, in
TensorFlow's words, values summarised as ``SummarizeAttrValue`` writes them.

    >>> import teachflow as tf
    >>> def graph(y):
    ...     with tf.Graph().as_default() as g:
    ...         tf.add(tf.constant(1.0, name="a"), y, name="s")
    ...     return g.as_graph_def()
    >>> tf.test.assert_equal_graph_def(graph(2.0), graph(2.0))
    >>> try:
    ...     tf.test.assert_equal_graph_def(graph(2.0), graph(3.0))
    ... except AssertionError as e:
    ...     print(e)
    Node named 's/y' has attr 'value' with value: Tensor<type: float shape: [] values: 2> that does not match expected: Tensor<type: float shape: [] values: 3>
"""

from __future__ import annotations

import re

import numpy as np

from teachflow.framework import dtypes
from teachflow.proto import messages, tensor_proto

__all__ = ["assert_equal_graph_def", "graph_def_diff", "summarize_attr_value"]

# SummarizeTensor's element limit in an attr summary.
_TENSOR_LIMIT = 3
# DataTypeString's names where they differ from the Python dtype's.
_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _element(value) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, (float, np.floating)):
        return _six_digits(value)
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (complex, np.complexfloating)):
        return f"({_six_digits(value.real)},{_six_digits(value.imag)})"
    return str(value)


def _six_digits(value) -> str:
    """absl's StrCat of a float: six significant digits, ``%g`` style."""
    return f"{float(value):.6g}"


def _one_dim(dim, shape, flat, state, out):
    """TensorFlow's PrintOneDim: nested ``[...]`` rows, cut off after ``_TENSOR_LIMIT``."""
    if state[0] >= _TENSOR_LIMIT:
        return
    if dim == len(shape) - 1:
        for i in range(shape[dim]):
            if state[0] >= _TENSOR_LIMIT:
                if dim != 0:
                    out.append("...")
                return
            if i > 0:
                out.append(" ")
            out.append(_element(flat[state[0]]))
            state[0] += 1
        return
    for _ in range(shape[dim]):
        opened = state[0] < _TENSOR_LIMIT
        if opened:
            out.append("[")
        _one_dim(dim + 1, shape, flat, state, out)
        if state[0] < _TENSOR_LIMIT or opened:
            out.append("]")


def _summarize_tensor(pb) -> str:
    arr = tensor_proto.make_ndarray(pb)
    type_name = dtypes.as_dtype(pb.dtype).name
    type_name = _CPP_TYPE_NAMES.get(type_name, type_name)
    shape = "[" + ",".join(str(d) for d in arr.shape) + "]"
    flat = arr.reshape(-1)
    if arr.ndim == 0:
        values = _element(flat[0])
    else:
        out = []
        _one_dim(0, arr.shape, flat, [0], out)
        values = "".join(out) + ("..." if flat.size > _TENSOR_LIMIT else "")
    return f"Tensor<type: {type_name} shape: {shape} values: {values}>"


def _summarize_shape(shape) -> str:
    if shape.unknown_rank:
        return "<unknown>"
    return "[" + ",".join("?" if d.size < 0 else str(d.size) for d in shape.dim) + "]"


def _escaped(s: bytes) -> str:
    from google.protobuf import text_encoding

    return '"' + text_encoding.CEscape(s, as_utf8=False) + '"'


def summarize_attr_value(attr) -> str:
    """An ``AttrValue`` as TensorFlow's SummarizeAttrValue writes it in messages."""
    kind = attr.WhichOneof("value")
    if kind == "s":
        return _escaped(attr.s)
    if kind in ("i",):
        return str(attr.i)
    if kind == "f":
        return _six_digits(attr.f)
    if kind == "b":
        return "true" if attr.b else "false"
    if kind == "type":
        return messages.DataType.Name(attr.type)
    if kind == "shape":
        return _summarize_shape(attr.shape)
    if kind == "tensor":
        return _summarize_tensor(attr.tensor)
    if kind == "func":
        return attr.func.name
    if kind == "placeholder":
        return "$" + attr.placeholder
    if kind == "list":
        lst = attr.list
        items = (
            [_escaped(s) for s in lst.s]
            + [str(i) for i in lst.i]
            + [_six_digits(f) for f in lst.f]
            + ["true" if b else "false" for b in lst.b]
            + [messages.DataType.Name(t) for t in lst.type]
            + [_summarize_shape(s) for s in lst.shape]
            + [_summarize_tensor(t) for t in lst.tensor]
            + [f.name for f in lst.func]
        )
        return "[" + ", ".join(items) + "]"
    return "<Unknown AttrValue type>"


def _summarize_node(node) -> str:
    attrs = [f"{k}={summarize_attr_value(node.attr[k])}" for k in sorted(node.attr)]
    if node.device:
        attrs.append(f'_device="{node.device}"')
    return f"{{{{node {node.name}}}}} = {node.op}[{', '.join(attrs)}]({', '.join(node.input)})"


def _attrs_equal(a, b) -> bool:
    if a.WhichOneof("value") == "tensor" and b.WhichOneof("value") == "tensor":
        x, y = tensor_proto.make_ndarray(a.tensor), tensor_proto.make_ndarray(b.tensor)
        return a.tensor.dtype == b.tensor.dtype and x.shape == y.shape and np.array_equal(x, y)
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


def _inputs_diff(actual, expected):
    name = actual.name
    if len(actual.input) != len(expected.input):
        return (
            f"Node named '{name}' has inputs '{', '.join(actual.input)}' that don't match "
            f"expected '{', '.join(expected.input)}'"
        )
    first_control = len(actual.input)
    for i, (a, e) in enumerate(zip(actual.input, expected.input)):
        if a.startswith("^"):
            first_control = i
            break
        if a != e and a != e + ":0" and a + ":0" != e:
            return f"Node named '{name}' has input {i} '{a}' that doesn't match expected '{e}'"
    got = set(actual.input[first_control:])
    for e in expected.input[first_control:]:
        if e not in got:
            return f"Node named '{name}' missing expected control input '{e}'"
        got.discard(e)
    if got:
        return f"Node named '{name}' has unexpected control input '{sorted(got)[0]}'"
    return None


def _attrs_diff(actual, expected):
    name = actual.name
    got = {k for k in actual.attr if not k.startswith("_")}
    # TensorFlow walks a protobuf map (no defined order); sorted keys make the first
    # difference reported the same on every run.
    for key in sorted(expected.attr):
        if key.startswith("_"):
            continue
        want = summarize_attr_value(expected.attr[key])
        if key not in got:
            return f"Node named '{name}' missing expected attr '{key}' with value: {want}"
        got.discard(key)
        if not _attrs_equal(expected.attr[key], actual.attr[key]):
            have = summarize_attr_value(actual.attr[key])
            return (
                f"Node named '{name}' has attr '{key}' with value: {have} that does not "
                f"match expected: {want}"
            )
    if got:
        key = sorted(got)[0]
        return (
            f"Node named '{name}' has unexpected attr '{key}' with value: "
            f"{summarize_attr_value(actual.attr[key])}"
        )
    return None


def _node_diff(actual, expected):
    name = actual.name
    if actual.op != expected.op:
        return f"Node named '{name}' has op '{actual.op}' that is not expected '{expected.op}'"
    if actual.device != expected.device:
        return (
            f"Node named '{name}' has device '{actual.device}' that is not expected "
            f"'{expected.device}'"
        )
    return _inputs_diff(actual, expected) or _attrs_diff(actual, expected)


def graph_def_diff(actual, expected) -> str:
    """The first difference TensorFlow would report, or ``""`` for equal graphs."""
    left = {n.name: n for n in actual.node}
    for node in expected.node:
        if node.name not in left:
            return f"Did not find expected node '{_summarize_node(node)}'"
        diff = _node_diff(left.pop(node.name), node)
        if diff:
            return diff
    if left:
        # TensorFlow names the first node of a C++ unordered_map, which (libstdc++) iterates
        # the most recently inserted first: the last unexpected node in graph order.
        return f"Found unexpected node '{_summarize_node(list(left.values())[-1])}'"
    return ""


# Saver V2's sharded temp file names and hash tables' generated shared names (re.match).
_SHARDED_SAVE_OP = re.compile(rb"_temp_[0-9a-z]{32}/part")
_TABLE_SHARED_NAME = re.compile(rb"hash_table_[0-9a-z\-]+")


def _strip_checkpoint_v2_randomized(graph_def):
    for node in graph_def.node:
        random = [
            key
            for key in node.attr
            if len(node.attr[key].tensor.string_val) == 1
            and _SHARDED_SAVE_OP.match(node.attr[key].tensor.string_val[0])
        ]
        for key in random:
            del node.attr[key]


def _strip_hash_table_shared_name(graph_def):
    for node in graph_def.node:
        if node.op == "HashTableV2" and "shared_name" in node.attr:
            if _TABLE_SHARED_NAME.match(node.attr["shared_name"].s):
                del node.attr["shared_name"]


def assert_equal_graph_def(actual, expected, checkpoint_v2=False, hash_table_shared_name=False):
    """AssertionError naming the first difference between two ``GraphDef`` s (TypeError
    for anything else). ``checkpoint_v2`` ignores Saver V2's random temp file names,
    ``hash_table_shared_name`` the shared names of hash tables (both edit the inputs, as
    TensorFlow does). ``versions`` are not compared."""
    for role, value in (("actual", actual), ("expected", expected)):
        if not isinstance(value, messages.GraphDef):
            raise TypeError(f"Expected tf.GraphDef for {role}, got {type(value).__name__}")
    for strip, wanted in (
        (_strip_checkpoint_v2_randomized, checkpoint_v2),
        (_strip_hash_table_shared_name, hash_table_shared_name),
    ):
        if wanted:
            strip(actual)
            strip(expected)
    diff = graph_def_diff(actual, expected)
    if diff:
        raise AssertionError(diff)
