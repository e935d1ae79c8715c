"""teachflow's graphs and run metadata as TensorFlow's messages, and step stats back.

An event file holds TensorFlow's own ``GraphDef`` and ``RunMetadata`` bytes, which is what
TensorBoard parses. teachflow's ``Graph.as_graph_def()`` still answers in teachflow's cluster
schema, and ``tf.RunMetadata`` holds `teachflow.runtime.step_stats` records, so this module
converts them (by field name: the records already use TensorFlow's field names). When
``teachflow.proto`` grows its own codecs and these objects serialize as TensorFlow's
messages, the functions here pass those messages through unchanged.

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     _ = tf.add(tf.constant(1.0, name="a"), 2.0, name="sum")
    >>> gd = graph_def_message(g)
    >>> [(n.name, n.op) for n in gd.node][-1], list(gd.node[-1].input)
    (('sum', 'AddV2'), ['a', 'sum/y'])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.ops.summary_ops import tensor_proto
from teachflow.proto import messages
from teachflow.runtime import step_stats as records

__all__ = [
    "attr_value_message",
    "graph_def_message",
    "node_defs_of_graph_def",
    "run_metadata_message",
    "step_stats_message",
    "step_stats_of_message",
]


# -- attributes ------------------------------------------------------------------------------
def _shape_message(shape) -> messages.TensorShapeProto:
    shape = TensorShape(shape)
    proto = messages.TensorShapeProto()
    if shape.ndims is None:
        proto.unknown_rank = True
    else:
        for d in shape.as_list():
            proto.dim.add(size=-1 if d is None else d)
    return proto


def _array_message(value) -> messages.TensorProto:
    arr = np.asarray(value)
    dtype = dtypes.string if arr.dtype == object or arr.dtype.kind in "SU" else None
    return tensor_proto(arr, dtype or dtypes.as_dtype(arr.dtype))


# Python value kind -> (AttrValue field, how the value is stored there).
_SCALAR_KINDS = (
    (bool, "b", bool),
    (int, "i", int),
    (float, "f", float),
    (str, "s", lambda v: v.encode()),
    (bytes, "s", bytes),
    (dtypes.DType, "type", lambda v: v.enum),
)


def attr_value_message(value) -> messages.AttrValue | None:
    """One attribute value as TensorFlow's ``AttrValue`` (None: TensorFlow has no such value).

    >>> import teachflow as tf
    >>> attr_value_message(tf.float32).type, attr_value_message([1, 2]).list.i
    (1, [1, 2])
    """
    attr = messages.AttrValue()
    if value is None:
        return None
    for kind, field, store in _SCALAR_KINDS:
        if isinstance(value, kind):
            setattr(attr, field, store(value))
            return attr
    if isinstance(value, TensorShape):
        attr.shape.CopyFrom(_shape_message(value))
    elif isinstance(value, (np.ndarray, np.generic)):
        attr.tensor.CopyFrom(_array_message(value))
    elif isinstance(value, (list, tuple)):
        attr.list.SetInParent()
        for item in value:
            one = attr_value_message(item)
            if one is None or one.WhichOneof("value") == "list":
                continue  # TensorFlow's lists are flat and typed
            field = one.WhichOneof("value")
            repeated = getattr(attr.list, field)
            if field in ("shape", "tensor"):
                repeated.add().CopyFrom(getattr(one, field))
            else:
                repeated.append(getattr(one, field))
    else:
        return None
    return attr


# -- graphs ----------------------------------------------------------------------------------
def _node_message(node_def, output_shapes=None) -> messages.NodeDef:
    node = messages.NodeDef(
        name=node_def.name, op=node_def.op, input=list(node_def.input), device=node_def.device
    )
    for key, value in node_def.attr.items():
        attr = attr_value_message(value)
        if attr is not None:
            node.attr[key].CopyFrom(attr)
    if output_shapes is not None:
        node.attr["_output_shapes"].CopyFrom(attr_value_message(list(output_shapes)))
    return node


def graph_def_message(graph) -> messages.GraphDef:
    """TensorFlow's ``GraphDef`` of a `tf.Graph` (with ``_output_shapes``, as TensorFlow's
    FileWriter writes it), of a teachflow ``GraphDef``, or a ``GraphDef`` message as is.

    Raises TypeError for anything else.
    """
    if isinstance(graph, messages.GraphDef):
        return graph
    if hasattr(graph, "get_operations"):
        own = graph.as_graph_def(add_shapes=True)
        if isinstance(own, messages.GraphDef):
            return own
        proto = messages.GraphDef()
        for op in graph.get_operations():
            shapes = [t.shape for t in op.outputs]
            proto.node.add().CopyFrom(_node_message(op.node_def, shapes))
        return proto
    if hasattr(graph, "node"):
        from teachflow.distributed.protocol import graphs

        proto = messages.GraphDef()
        for nd in graphs.node_defs_from_graph_def(graph):
            proto.node.add().CopyFrom(_node_message(nd))
        return proto
    raise TypeError(
        "The passed graph must be an instance of `Graph` or the deprecated `GraphDef`, "
        f"not {type(graph).__name__}"
    )


def _attr_python_value(attr):
    """The Python value teachflow stores for a TensorFlow ``AttrValue``."""
    from tensorboard.util import tensor_util

    kind = attr.WhichOneof("value")
    if kind == "s":
        try:
            return attr.s.decode()  # teachflow keeps text attrs ("SAME", "NHWC") as str
        except UnicodeDecodeError:
            return attr.s
    if kind == "type":
        return dtypes.as_dtype(attr.type)
    if kind == "shape":
        if attr.shape.unknown_rank:
            return TensorShape(None)
        return TensorShape([None if d.size < 0 else d.size for d in attr.shape.dim])
    if kind == "tensor":
        arr = tensor_util.make_ndarray(attr.tensor)
        return arr.astype(object) if arr.dtype.kind in "SUO" else arr
    if kind == "list":
        out = []
        for field in ("s", "i", "f", "b", "type", "shape", "tensor"):
            for item in getattr(attr.list, field):
                one = messages.AttrValue()
                if field in ("shape", "tensor"):
                    getattr(one, field).CopyFrom(item)
                else:
                    setattr(one, field, item)
                out.append(_attr_python_value(one))
        return out
    return getattr(attr, kind) if kind else None


def node_defs_of_graph_def(graph_def) -> list[NodeDef]:
    """teachflow `NodeDef` records of a TensorFlow ``GraphDef`` (``_output_shapes`` and
    ``_class``-style bookkeeping attributes dropped), ready for ``tf.import_graph_def``."""
    return [
        NodeDef(
            node.name,
            node.op,
            list(node.input),
            node.device,
            {k: _attr_python_value(v) for k, v in node.attr.items() if not k.startswith("_")},
        )
        for node in graph_def.node
    ]


# -- step stats and run metadata -----------------------------------------------------------------
def _tensor_description_message(desc, target) -> None:
    if desc.dtype:
        target.dtype = dtypes.as_dtype(desc.dtype).enum
    if desc.shape:
        target.shape.CopyFrom(_shape_message(desc.shape))
    _record_into(desc.allocation_description, target.allocation_description)


def _record_into(record, target) -> None:
    """Copy a step-stats record into its message, field by field (the names are TF's)."""
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name not in target.DESCRIPTOR.fields_by_name or value in (None, "", 0, [], {}):
            continue
        if isinstance(value, list):
            for item in value:
                _record_into(item, getattr(target, f.name).add())
        elif f.name == "thread_names":
            getattr(target, f.name).update({k & 0xFFFFFFFF: v for k, v in value.items()})
        elif isinstance(value, records.TensorDescription):
            _tensor_description_message(value, target.tensor_description)
        elif dataclasses.is_dataclass(value):
            _record_into(value, getattr(target, f.name))
        elif f.name == "thread_id":
            # TensorFlow's thread ids are uint32; Python's are pointers. The low bits still
            # tell a step's threads apart (thread_names' keys are cut the same way).
            target.thread_id = value & 0xFFFFFFFF
        else:
            setattr(target, f.name, value)


def step_stats_message(step_stats) -> messages.StepStats:
    """TensorFlow's ``StepStats`` of a traced run's `teachflow.runtime.step_stats.StepStats`."""
    if isinstance(step_stats, messages.StepStats):
        return step_stats
    proto = messages.StepStats()
    _record_into(step_stats, proto)
    return proto


def run_metadata_message(run_metadata) -> messages.RunMetadata:
    """TensorFlow's ``RunMetadata`` of a ``tf.RunMetadata`` (step stats, partition graphs)."""
    if isinstance(run_metadata, messages.RunMetadata):
        return run_metadata
    serialize = getattr(run_metadata, "SerializeToString", None)
    if serialize is not None:
        return messages.RunMetadata.FromString(serialize())
    proto = messages.RunMetadata()
    if run_metadata.step_stats is not None:
        proto.step_stats.CopyFrom(step_stats_message(run_metadata.step_stats))
    for graph in run_metadata.partition_graphs or []:
        proto.partition_graphs.add().CopyFrom(graph_def_message(graph))
    return proto


_RECORD_OF_MESSAGE = {
    "StepStats": records.StepStats,
    "DeviceStepStats": records.DeviceStepStats,
    "NodeExecStats": records.NodeExecStats,
    "AllocatorMemoryUsed": records.AllocatorMemoryUsed,
    "NodeOutput": records.NodeOutput,
    "TensorDescription": records.TensorDescription,
    "AllocationDescription": records.AllocationDescription,
}


def _record_of(message):
    cls = _RECORD_OF_MESSAGE[message.DESCRIPTOR.name]
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in message.DESCRIPTOR.fields_by_name:
            continue
        value = getattr(message, f.name)
        if cls is records.TensorDescription and f.name == "dtype":
            kwargs[f.name] = dtypes.as_dtype(value).name if value else ""
        elif cls is records.TensorDescription and f.name == "shape":
            kwargs[f.name] = [d.size for d in value.dim]
        elif f.name == "thread_names":
            kwargs[f.name] = dict(value)
        elif hasattr(value, "DESCRIPTOR"):
            kwargs[f.name] = _record_of(value)
        elif hasattr(value, "add"):
            kwargs[f.name] = [_record_of(item) for item in value]
        else:
            kwargs[f.name] = value
    return cls(**kwargs)


def step_stats_of_message(proto) -> records.StepStats:
    """teachflow's step-stats records of TensorFlow's ``StepStats`` message (the inverse of
    `step_stats_message`), for the timeline and memory plots."""
    return _record_of(proto)
