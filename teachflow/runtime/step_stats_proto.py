"""teachflow's `StepStats` records <-> TensorFlow's ``StepStats`` / ``RunMetadata`` bytes.

teachflow's step stats are dataclasses (`teachflow.runtime.step_stats`) whose fields carry
TensorFlow's names, so the conversion is by name: a nested record becomes a sub-message, a
list a repeated field, ``thread_names`` a map. Only ``TensorDescription`` differs in kind:
teachflow writes its dtype as a name and its shape as a list, TensorFlow as a ``DataType``
and a ``TensorShapeProto``. Fields one side lacks (``memory_stats``, ``referenced_tensor``)
are skipped.

    >>> from teachflow.runtime import step_stats as ss
    >>> from teachflow.runtime import step_stats_proto
    >>> stats = ss.StepStats([ss.DeviceStepStats("/cpu:0", [ss.NodeExecStats("a", 5)])])
    >>> pb = step_stats_proto.to_proto(stats)
    >>> pb.dev_stats[0].node_stats[0].all_start_micros
    5
    >>> step_stats_proto.from_proto(pb) == stats
    True
"""

from __future__ import annotations

import dataclasses

from teachflow.framework import dtypes
from teachflow.proto import messages
from teachflow.runtime import step_stats as ss

__all__ = ["to_proto", "from_proto"]


def _tensor_description_to(record, pb) -> None:
    if record.dtype:
        pb.dtype = dtypes.as_dtype(record.dtype).enum
    pb.shape.SetInParent()
    for d in record.shape:
        pb.shape.dim.add(size=-1 if d is None else int(d))
    _fill(pb.allocation_description, record.allocation_description)


def _thread(tid) -> int:
    # TensorFlow's thread ids are uint32; Python's thread idents are 64-bit addresses.
    return int(tid) & 0xFFFFFFFF


def _fill(pb, record) -> None:
    if isinstance(record, ss.TensorDescription):
        _tensor_description_to(record, pb)
        return
    known = {f.name for f in pb.DESCRIPTOR.fields}
    for f in dataclasses.fields(record):
        if f.name not in known:
            continue
        value = getattr(record, f.name)
        target = getattr(pb, f.name)
        if isinstance(value, dict):
            target.update({_thread(k): str(v) for k, v in value.items()})
        elif isinstance(value, list):
            for item in value:
                _fill(target.add(), item)
        elif dataclasses.is_dataclass(value):
            _fill(target, value)
        elif f.name == "thread_id":
            pb.thread_id = _thread(value)
        else:
            setattr(pb, f.name, value)


def to_proto(step_stats) -> messages.StepStats:
    """TensorFlow's ``StepStats`` message of teachflow's `StepStats` record."""
    pb = messages.StepStats()
    _fill(pb, step_stats)
    return pb


# Record type of each nested message field, by (record type, field name).
_NESTED = {
    (ss.StepStats, "dev_stats"): ss.DeviceStepStats,
    (ss.DeviceStepStats, "node_stats"): ss.NodeExecStats,
    (ss.NodeExecStats, "memory"): ss.AllocatorMemoryUsed,
    (ss.NodeExecStats, "output"): ss.NodeOutput,
    (ss.NodeOutput, "tensor_description"): ss.TensorDescription,
    (ss.TensorDescription, "allocation_description"): ss.AllocationDescription,
}


def _read(cls, pb):
    if cls is ss.TensorDescription:
        dtype = dtypes._BY_ENUM.get(pb.dtype)
        return ss.TensorDescription(
            dtype=dtype.name if dtype is not None else "",
            shape=[None if d.size < 0 else d.size for d in pb.shape.dim],
            allocation_description=_read(ss.AllocationDescription, pb.allocation_description),
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not hasattr(pb, f.name):
            continue
        value = getattr(pb, f.name)
        nested = _NESTED.get((cls, f.name))
        if nested is not None and f.name in ("dev_stats", "node_stats", "memory", "output"):
            kwargs[f.name] = [_read(nested, v) for v in value]
        elif nested is not None:
            kwargs[f.name] = _read(nested, value)
        elif f.name == "thread_names":
            kwargs[f.name] = dict(value)
        else:
            kwargs[f.name] = value
    return cls(**kwargs)


def from_proto(pb) -> ss.StepStats:
    """teachflow's `StepStats` record of TensorFlow's ``StepStats`` message."""
    return _read(ss.StepStats, pb)
