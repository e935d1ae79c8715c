"""TensorFlow's op registry as data: which attrs each op type has, and their defaults.

TensorFlow checks every ``NodeDef`` against its ``OpDef``: each attr the op declares must
be present (or have a default), and no undeclared attr may appear (names starting with
``_`` are free). teachflow's ops keep only the attrs their kernels read, so on the way out
`complete_attrs` adds what TensorFlow would have written: the type attrs that follow from
input and output dtypes (``T``, ``Tidx``, ``N``...) and every default (``MatMul``'s
``grad_a``...). The OpDefs were recorded from TensorFlow 2.21 into ``op_defs.pbtxt`` by
``tests/fixtures/tensorflow/record_op_defs.py``.

    >>> from teachflow.framework.codecs import op_defs
    >>> [a.name for a in op_defs.get("Reshape").attr]
    ['T', 'Tshape']
    >>> op_defs.get("NoSuchOp") is None
    True
"""

from __future__ import annotations

import functools
import pathlib

from google.protobuf import text_format

from teachflow.framework.codecs import attr_value
from teachflow.proto.messages import OpDef, OpList

__all__ = ["get", "op_list", "complete_attrs", "tf_attr_values", "check_node_def"]

_PATH = pathlib.Path(__file__).with_name("op_defs.pbtxt")


@functools.cache
def _by_name() -> dict:
    ops = text_format.Parse(_PATH.read_text(encoding="utf-8"), OpList())
    return {op.name: op for op in ops.op}


def get(op_type: str) -> OpDef | None:
    """TensorFlow's ``OpDef`` of ``op_type``, or None for an op TensorFlow does not have."""
    return _by_name().get(op_type)


def op_list(op_types) -> OpList:
    """An ``OpList`` of the OpDefs of ``op_types`` (a MetaGraphDef's ``stripped_op_list``)."""
    found = OpList()
    for name in sorted(set(op_types)):
        op_def = get(name)
        if op_def is not None:
            found.op.add().CopyFrom(op_def)
    return found


def _split(args, dtypes, attrs):
    """Assign ``dtypes`` (one per input or output) to ``args``: [(arg, [dtype, ...])]."""
    known = []
    flexible = None
    for i, arg in enumerate(args):
        if arg.number_attr:
            n = attrs.get(arg.number_attr)
            known.append(n.i if n is not None else None)
        elif arg.type_list_attr:
            lst = attrs.get(arg.type_list_attr)
            known.append(len(lst.list.type) if lst is not None else None)
        else:
            known.append(1)
        if known[-1] is None:
            flexible = i
    if flexible is not None:
        # One list of unknown length: it takes what the other arguments leave.
        rest = len(dtypes) - sum(k for k in known if k is not None)
        known[flexible] = max(rest, 0)
        known = [0 if k is None else k for k in known]
    out, pos = [], 0
    for arg, n in zip(args, known):
        out.append((arg, dtypes[pos : pos + n]))
        pos += n
    return out


def _fill_types(args, dtypes, attrs) -> None:
    if dtypes is None:
        return
    for arg, mine in _split(args, list(dtypes), attrs):
        if arg.type_attr and arg.type_attr not in attrs and mine:
            attrs[arg.type_attr] = attr_value.to_proto(mine[0].base_dtype)
        if arg.number_attr and arg.number_attr not in attrs:
            attrs[arg.number_attr] = attr_value.to_proto(len(mine))
        if arg.type_list_attr and arg.type_list_attr not in attrs:
            attrs[arg.type_list_attr] = attr_value.to_proto([d.base_dtype for d in mine])


def complete_attrs(op_type: str, attrs: dict, input_dtypes=None, output_dtypes=None) -> dict:
    """``attrs`` (name -> AttrValue) as TensorFlow's OpDef has them: undeclared attrs
    dropped, type attrs inferred from the input and output dtypes, then every missing
    attr's default. Unchanged for an op type TensorFlow does not have."""
    op_def = get(op_type)
    if op_def is None:
        return attrs
    declared = {a.name for a in op_def.attr}
    for name in [k for k in attrs if not k.startswith("_") and k not in declared]:
        # teachflow keeps a few bookkeeping attrs (``T`` on LogicalAnd) that TF's OpDef
        # does not declare; TensorFlow's importer would refuse them.
        del attrs[name]
    _fill_types(op_def.input_arg, input_dtypes, attrs)
    _fill_types(op_def.output_arg, output_dtypes, attrs)
    for a in op_def.attr:
        if a.name not in attrs and a.HasField("default_value"):
            attrs[a.name] = a.default_value
    return attrs


def tf_attr_values(op_type: str, attrs: dict, input_dtypes, output_dtypes) -> dict:
    """``attrs`` (name -> Python value) as TensorFlow's op has them: `complete_attrs` on
    Python values, so that ``op.node_def`` and ``op.get_attr`` show ``Fill``'s ``T`` or
    ``MatMul``'s ``grad_a`` as TensorFlow's do. Unchanged for an op type TF does not have.

        >>> import teachflow as tf
        >>> sorted(tf.fill([2], 1.0).op.node_def.attr)
        ['T', 'index_type']
    """
    op_def = get(op_type)
    if op_def is None:
        return dict(attrs)
    # Only the count attrs (``N``) are read to split the dtypes over the arguments: the
    # others (a Const's ``value``) stay Python values, never encoded.
    counts = {a.number_attr or a.type_list_attr for a in [*op_def.input_arg, *op_def.output_arg]}
    probe = {k: attr_value.to_proto(attrs[k]) for k in counts if k and k in attrs}
    probe.update({k: None for k in attrs if k not in probe})
    complete_attrs(op_type, probe, input_dtypes, output_dtypes)
    return {
        k: attrs[k] if k in attrs else attr_value.from_proto(v, k) for k, v in sorted(probe.items())
    }


def check_node_def(node_def) -> list:
    """What TensorFlow's importer would reject in a ``NodeDef`` message: a list of
    problems (empty when it validates), each naming the attr."""
    op_def = get(node_def.op)
    if op_def is None:
        return [f"op type '{node_def.op}' is not one of TensorFlow's"]
    problems = []
    declared = {a.name for a in op_def.attr}
    for a in op_def.attr:
        if a.name not in node_def.attr and not a.HasField("default_value"):
            problems.append(f"missing required attr '{a.name}'")
    for name in node_def.attr:
        if not name.startswith("_") and name not in declared:
            problems.append(f"unknown attr '{name}'")
    return problems
