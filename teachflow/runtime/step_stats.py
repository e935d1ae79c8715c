"""``RunMetadata.step_stats``: TensorFlow's record of one traced step, field for field.

A traced run (``RunOptions(trace_level=RunOptions.FULL_TRACE)``) fills one
`DeviceStepStats` per device, each with one `NodeExecStats` per node that ran there.
Times are microseconds: ``all_start_micros`` is absolute (since the epoch), the rest are
relative to it, as in TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AllocationDescription:
    requested_bytes: int = 0
    allocated_bytes: int = 0
    allocator_name: str = ""


@dataclass
class TensorDescription:
    dtype: str = ""
    shape: list = field(default_factory=list)
    allocation_description: AllocationDescription = field(default_factory=AllocationDescription)


@dataclass
class NodeOutput:
    slot: int = 0
    tensor_description: TensorDescription = field(default_factory=TensorDescription)


@dataclass
class AllocatorMemoryUsed:
    allocator_name: str = ""
    total_bytes: int = 0
    peak_bytes: int = 0
    live_bytes: int = 0
    allocator_bytes_in_use: int = 0


@dataclass
class NodeExecStats:
    node_name: str = ""
    all_start_micros: int = 0
    op_start_rel_micros: int = 0
    op_end_rel_micros: int = 0
    all_end_rel_micros: int = 0
    memory: list = field(default_factory=list)  # [AllocatorMemoryUsed]
    output: list = field(default_factory=list)  # [NodeOutput]
    timeline_label: str = ""
    scheduled_micros: int = 0
    thread_id: int = 0
    all_start_nanos: int = 0
    op_start_rel_nanos: int = 0
    op_end_rel_nanos: int = 0
    all_end_rel_nanos: int = 0
    scheduled_nanos: int = 0


@dataclass
class DeviceStepStats:
    device: str = ""
    node_stats: list = field(default_factory=list)  # [NodeExecStats]
    thread_names: dict = field(default_factory=dict)


@dataclass
class StepStats:
    dev_stats: list = field(default_factory=list)  # [DeviceStepStats]

    def device(self, name: str) -> DeviceStepStats:
        for d in self.dev_stats:
            if d.device == name:
                return d
        raise KeyError(f"No stats for device {name!r}; have {[d.device for d in self.dev_stats]}")


def build_step_stats(records, devices, epoch_offset_ns) -> StepStats:
    """StepStats from one step's events. ``epoch_offset_ns`` converts ``perf_counter_ns``
    times to nanoseconds since the Unix epoch (TensorFlow's ``all_start_micros``)."""
    by_device = {d.name: DeviceStepStats(device=d.name) for d in devices}
    # Remote steps come with events only: allocator names are read off the memory events.
    alloc_names = {d.name: d.allocator.name for d in devices}
    for e in records:
        if e.kind == "memory":
            alloc_names.setdefault(e.device, e.allocator)
    # Persistent memory (variables, constants) is in use before the step starts.
    live = {d.name: d.allocator.persistent_bytes for d in devices}
    peaks = dict(live)
    live_at = {}  # id(op event) -> bytes in use on its device when it finished
    for e in records:
        if e.kind == "memory":
            peaks[e.device] = max(peaks.get(e.device, 0), e.live_bytes)
            live[e.device] = e.live_bytes
        elif e.kind in ("op", "transfer"):
            dev = e.device if e.kind == "op" else e.dst_device
            live_at[id(e)] = live.get(dev, 0)
    for e in records:
        if e.kind == "op":
            dev = e.device
            label = f"{e.node} = {e.op_type}({', '.join(e.inputs)})"
        elif e.kind == "transfer":
            dev = e.dst_device
            label = f"{e.tensor} = _Recv(from {e.src_device})"
        else:
            continue
        start = e.start_ns + epoch_offset_ns
        dur = e.end_ns - e.start_ns
        ns = NodeExecStats(
            node_name=e.node if e.kind == "op" else f"_recv_{e.tensor}",
            all_start_micros=start // 1000,
            op_start_rel_micros=0,
            op_end_rel_micros=dur // 1000,
            all_end_rel_micros=dur // 1000,
            timeline_label=label,
            scheduled_micros=start // 1000,
            thread_id=e.thread_id,
            all_start_nanos=start,
            op_end_rel_nanos=dur,
            all_end_rel_nanos=dur,
        )
        alloc_name = alloc_names.get(dev)
        if alloc_name is not None:
            nbytes = e.output_bytes if e.kind == "op" else e.nbytes
            ns.memory.append(
                AllocatorMemoryUsed(
                    allocator_name=alloc_name,
                    total_bytes=nbytes,
                    peak_bytes=peaks.get(dev, 0),
                    live_bytes=live_at.get(id(e), 0),
                    allocator_bytes_in_use=live_at.get(id(e), 0),
                )
            )
            ns.output.append(
                NodeOutput(
                    slot=0,
                    tensor_description=TensorDescription(
                        allocation_description=AllocationDescription(
                            requested_bytes=nbytes,
                            allocated_bytes=nbytes,
                            allocator_name=alloc_name,
                        )
                    ),
                )
            )
        stats = by_device.setdefault(dev, DeviceStepStats(device=dev))
        stats.node_stats.append(ns)
        stats.thread_names.setdefault(e.thread_id, f"thread {e.thread_id}")
    return StepStats(dev_stats=[d for d in by_device.values() if d.node_stats])
