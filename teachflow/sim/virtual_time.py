"""Virtual time: what a step would take on the simulated hardware, the same on every laptop.

A simulated GPU computes with numpy, so a real-time trace shows how fast *this laptop* ran
the step, not what a 4-GPU K80 server would do. The virtual-time model replays the step's
plan (the ops and transfers the executor ran, with their dependencies) on the hardware
profiles instead (`teachflow.sim.profiles`):

- every op costs its roofline time on its device (`teachflow.sim.cost_model`), from the
  shapes of its tensors (static, or read off the run: `teachflow.sim.observed`);
- every transfer costs ``latency + bytes / bandwidth`` of the link it crosses;
- each GPU runs its kernels in order on one compute stream and its copies on copy engines
  (host-to-device, device-to-host, peer), so a copy overlaps compute; the host CPU has
  ``inter_op_parallelism_threads`` lanes (4 when the config leaves it to the machine);
  tasks of a cluster send over one outgoing network link each (a cluster's step is its
  tasks' partition graphs stitched together: `teachflow.sim.virtual_cluster`);
- an op starts when its data and control inputs are done and a lane of its device is free;
  the lane takes the op that became ready first, ties going to plan order
  (`teachflow.sim.schedule`);
- each output is allocated when its op starts and freed when its last consumer ends.

The result is a list of the runtime's own trace events (`OpEvent`, `TransferEvent`,
`MemoryEvent`, `StepEvent`) in virtual nanoseconds since the step began, so every view
that draws events draws it:

    >>> import teachflow as tf
    >>> from teachflow import sim
    >>> with tf.device("/gpu:0"):
    ...     y = tf.matmul(tf.ones([1024, 1024]), tf.ones([1024, 1024]))
    >>> md = tf.RunMetadata()
    >>> with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as sess:
    ...     _ = sess.run(y, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
    ...                  run_metadata=md)
    >>> vt = sim.virtual_timeline(md)
    >>> [(e.node, round((e.end_ns - e.start_ns) / 1e3)) for e in vt if e.kind == "op"][-1]
    ('MatMul', 534)

(534 µs: 2.1 GFLOP on a K80 at 4.1 TFLOP/s, plus a 10 µs launch.) ``viz.plot_timeline(vt)``
draws it, ``vt.summary()`` tells it in words, and ``tf.ConfigProto(virtual_time=True)``
makes a session's ``RunMetadata.step_stats`` virtual from the start.
"""

from __future__ import annotations

import math

from teachflow.runtime.plan import Transfer
from teachflow.runtime.virtual_time_hook import ENV_VIRTUAL_TIME  # noqa: F401 - documented here
from teachflow.runtime.virtual_time_hook import requested as virtual_time_requested  # noqa: F401
from teachflow.sim.cost_model import device_type_of, link_between, op_cost, task_of
from teachflow.sim.observed import observe
from teachflow.sim.profiles import (
    DEFAULT_CPU_LANES,
    PROFILES,
    get_cpu_profile,
    get_network,
    get_profile,
)
from teachflow.sim.schedule import WorkItem, schedule
from teachflow.sim.virtual_cluster import TracedClusterStep, cluster_plan
from teachflow.sim.virtual_step import VirtualNode, VirtualStep, VirtualTimeline
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent

__all__ = ["TracedStep", "VirtualTimeline", "simulate_step", "virtual_timeline"]


class TracedStep:
    """What a local session keeps of a traced run for the model: its plan, its events (a
    callable: an inline step's events are built when first read), the fed values' shapes
    and the session's ``inter_op_parallelism_threads``."""

    __slots__ = ("plan", "events", "feed_shapes", "inter_op_threads")

    def __init__(self, plan, events, feed_shapes=(), inter_op_threads=0):
        self.plan = plan
        self.events = events
        self.feed_shapes = feed_shapes
        self.inter_op_threads = inter_op_threads


def virtual_timeline(run_metadata, *, cpu=None, network=None, inter_op_threads=None):
    """The traced run(s) in ``run_metadata`` replayed in virtual time: a `VirtualTimeline`.

    ``run_metadata``: a ``tf.RunMetadata`` filled by a local ``tf.Session.run`` with
    ``options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)``, or by a cluster's
    (``tf.Session("grpc://...")``) with ``options=tf.RunOptions(trace_level=
    tf.RunOptions.FULL_TRACE, output_partition_graphs=True)``: its tasks' partition graphs
    are stitched into one plan (`teachflow.sim.virtual_cluster`); or a list of them
    (numbered steps 0, 1, ... side by side, as ``viz.plot_timeline`` numbers them).
    ``cpu``: the host CPU's profile key (``"host-cpu"``); ``network``: the cluster link's
    (``"10gbe"``); ``inter_op_threads``: the CPU's lanes (default: the session's
    ``inter_op_parallelism_threads``, or 4 when it left them to the machine).

    The GPUs keep the profiles their session (or their task's server) gave them
    (``simulated_gpu_profile``).

        >>> import teachflow as tf
        >>> from teachflow import sim
        >>> md = tf.RunMetadata()
        >>> with tf.Session() as sess:
        ...     _ = sess.run(tf.constant(2.0) * 3.0, run_metadata=md,
        ...                  options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
        >>> vt = sim.virtual_timeline(md)
        >>> [e.node for e in vt if e.kind == "op"], vt.duration_ns
        (['Const', 'mul/y', 'mul'], 3001)

    Raises ValueError for a run that was not traced, or a cluster's run without its
    partition graphs (the message names the options to pass), and TypeError for anything
    else.
    """
    sources = run_metadata if isinstance(run_metadata, (list, tuple)) else [run_metadata]
    if not sources:
        raise ValueError("Nothing to simulate: no RunMetadata was given")
    steps = [
        simulate_step(
            _traced_step_of(md), i, cpu=cpu, network=network, inter_op_threads=inter_op_threads
        )
        for i, md in enumerate(sources)
    ]
    return VirtualTimeline(steps)


def _traced_step_of(md) -> TracedStep:
    if isinstance(md, TracedStep):
        return md
    if isinstance(md, TracedClusterStep):
        return _stitched(md)
    if not hasattr(md, "step_stats"):
        raise TypeError(f"Expected a tf.RunMetadata from a traced run, got {type(md).__name__}")
    traced = getattr(md, "_traced_step", None)
    if traced is None:
        hint = (
            "its step stats were not recorded by a tf.Session of this process"
            if getattr(md, "has_step_stats", md.step_stats is not None)
            else "run with options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE) in a "
            "local tf.Session, or with options=tf.RunOptions(trace_level="
            "tf.RunOptions.FULL_TRACE, output_partition_graphs=True) in a cluster's"
        )
        raise ValueError(f"This RunMetadata has no traced step to replay: {hint}")
    return replayable(traced)


def replayable(record) -> TracedStep:
    """What a session kept of a traced run, ready to replay. A session keeps plain data
    (it costs next to nothing): a tuple for a local run (`TracedStep`'s fields), a dict
    for a cluster's (`TracedClusterStep`'s, stitched into one plan here)."""
    if isinstance(record, dict):
        return _stitched(TracedClusterStep(**record))
    return TracedStep(*record)


def _stitched(cluster) -> TracedStep:
    """A cluster's step as a local one: its partition graphs stitched into one plan."""
    plan, feed_shapes = cluster_plan(cluster)
    return TracedStep(plan, cluster.events, feed_shapes, cluster.inter_op_threads)


def simulate_step(traced: TracedStep, step_id=0, *, cpu=None, network=None, inter_op_threads=None):
    """One traced step in virtual time: a `VirtualStep` (see `virtual_timeline`)."""
    plan = traced.plan
    cpu_profile = get_cpu_profile(cpu)
    net = get_network(network)
    lanes_cpu = inter_op_threads or traced.inter_op_threads or DEFAULT_CPU_LANES
    events = traced.events() if callable(traced.events) else traced.events
    seen = observe(plan, events, traced.feed_shapes)
    profiles = [_profile_of(d, cpu_profile) for d in plan.devices]

    items, nodes, lanes = [], [], {}
    preds = [[] for _ in plan.steps]
    for j, step in enumerate(plan.steps):
        for s in step.successors:
            preds[s].append(j)
    for j, step in enumerate(plan.steps):
        ins, out, op, dev_i = step.ins, step.out, step.op, step.device_index
        device = plan.devices[dev_i]
        if type(op) is Transfer:
            src_i = plan.slot_device[ins[0]]
            link = link_between(op.src.name, op.dst.name, profiles[src_i], profiles[dev_i], net)
            spec = seen.specs[ins[0]]
            nbytes = spec.nbytes if spec is not None else 0
            if not nbytes or (spec is not None and not spec.itemsize):
                nbytes = max(nbytes, seen.allocated[out])  # strings: what arrived
            seconds = link.seconds(nbytes)
            resource, n_lanes = _copy_resource(op.src.name, op.dst.name, link, lanes_cpu)
            node = VirtualNode(
                op.tensor.name, "_Recv", op.dst.name, resource, src_device=op.src.name
            )
            node.link, node.nbytes = link, nbytes
        else:
            in_specs = [seen.specs[s] for s in ins]
            outs = step.outputs
            out_specs = [seen.specs[s] for s, _ in zip(outs, op._outputs)]
            cost = op_cost(
                op.type,
                [s for s in in_specs if s is not None],
                [s for s in out_specs if s is not None],
                profiles[dev_i],
                op._attrs,
            )
            seconds = cost.seconds
            if device.device_type == "GPU":
                resource, n_lanes = f"{device.name} stream", 1
            else:
                resource, n_lanes = f"{device.name} inter-op", lanes_cpu
            node = VirtualNode(op.name, op.type, device.name, resource)
            node.cost, node.inputs = cost, tuple(t.name for t in op._inputs)
        lanes[resource] = n_lanes
        items.append(WorkItem(node.name, max(1, round(seconds * 1e9)), resource, tuple(preds[j])))
        nodes.append(node)

    timing = schedule(items, lanes)
    thread_ids = _thread_ids(items, lanes)
    for node, item, when in zip(nodes, items, timing):
        node.ready_ns, node.start_ns, node.end_ns = when.ready_ns, when.start_ns, when.end_ns
        node.thread_id = thread_ids[item.resource] + when.lane
    end_ns = max((n.end_ns for n in nodes), default=0)
    step_events = _events(plan, nodes, seen, step_id, end_ns)
    return VirtualStep(
        step_id=step_id,
        events=step_events,
        nodes=nodes,
        duration_ns=end_ns,
        devices={d.name: p for d, p in zip(plan.devices, profiles)},
        lane_names=_lane_names(lanes, thread_ids),
        network=net,
        plan_devices=list(plan.devices),
    )


def _profile_of(device, cpu_profile):
    if device.device_type != "GPU":
        return cpu_profile
    phys = device.physical
    if phys is not None and phys.profile is not None:
        return phys.profile
    # A real GPU: the profile of the card it names, else the default card.
    name = (phys.name if phys is not None else "").lower()
    for p in PROFILES.values():
        if p.name.lower() in name:
            return p
    return get_profile(None)


def _copy_resource(src, dst, link, lanes_cpu):
    """Where a copy runs: a GPU's copy engine for its direction, the sending task's network
    link between tasks, a CPU thread for a memcpy between host devices."""
    if link.kind == "network":
        return f"{task_of(src)} network", 1
    if link.kind == "host":
        return f"{dst} inter-op", lanes_cpu
    if link.kind == "peer":
        return f"{dst} peer copy engine", 1
    if device_type_of(dst) == "GPU":
        return f"{dst} host-to-device copy engine", 1
    return f"{src} device-to-host copy engine", 1


def _thread_ids(items, lanes) -> dict:
    """A resource's first lane's thread id: resources numbered in plan order, from 1."""
    base, next_id = {}, 1
    for it in items:
        if it.resource not in base:
            base[it.resource] = next_id
            next_id += lanes[it.resource]
    return base


def _lane_names(lanes, thread_ids) -> dict:
    names = {}
    for resource, first in thread_ids.items():
        n = lanes[resource]
        for k in range(n):
            names[first + k] = resource if n == 1 else f"{resource} {k}"
    return names


def _events(plan, nodes, seen, step_id, end_ns) -> list:
    """The step's events: ops and transfers, and memory allocated when each op starts and
    freed when the last consumer of each value ends (fetched values at the step's end)."""
    changes = []  # (time, 0 free / 1 allocate, order, slot, node name)
    held = []  # slots allocated, in order
    for s in plan.feed_slots:
        if seen.allocated[s]:
            changes.append((0, 1, -1, s, "_feed"))
            held.append(s)
    ends = []
    for j, (node, step) in enumerate(zip(nodes, plan.steps)):
        ins, op = step.ins, step.op
        outs = step.outputs if type(op) is Transfer or op._outputs else ()
        for s in outs:
            if seen.allocated[s]:
                changes.append((node.start_ns, 1, j, s, node.name))
                held.append(s)
        node.output_bytes = sum(seen.allocated[s] for s in outs)
        ends.append((node.end_ns, j, ins))
    remaining = list(plan.consumers)
    freed = set()
    for t, j, ins in sorted(ends):
        for s in ins:
            remaining[s] -= 1
            if not remaining[s] and seen.allocated[s] and s not in freed:
                changes.append((t, 0, j, s, ""))
                freed.add(s)
    # Fetched values, and values nobody reads, go when the step ends.
    for s in dict.fromkeys(held):
        if s not in freed:
            changes.append((end_ns, 0, math.inf, s, ""))

    live = {}
    timed = []
    for t, alloc, order, s, name in sorted(changes, key=lambda c: c[:3] + (c[3],)):
        device = plan.devices[plan.slot_device[s]]
        before = live.get(device.name)
        if before is None:
            before = seen.baseline.get(device.name, device.allocator.persistent_bytes)
        delta = seen.allocated[s] if alloc else -seen.allocated[s]
        live[device.name] = before + delta
        event = MemoryEvent(
            step_id, device.name, device.allocator.name, t, delta, before + delta, name
        )
        timed.append((t, 2 if alloc else 1, order, event))
    for j, node in enumerate(nodes):
        if node.src_device is not None:
            event = TransferEvent(
                step_id,
                node.src_device,
                node.device,
                node.name,
                node.nbytes,
                node.start_ns,
                node.end_ns,
                node.thread_id,
            )
        else:
            event = OpEvent(
                step_id,
                node.device,
                node.name,
                node.op_type,
                node.start_ns,
                node.end_ns,
                node.thread_id,
                node.output_bytes,
                node.inputs,
            )
        timed.append((node.start_ns, 0, j, event))
    timed.sort(key=lambda x: x[:3])
    return (
        [StepEvent(step_id, "start", 0)]
        + [e for *_, e in timed]
        + [StepEvent(step_id, "end", end_ns)]
    )
