"""The placer: which device each node runs on, and *why*.

TensorFlow's simple placement rules, applied to every node of the graph the first time a
session sees it (a node placed in an earlier run keeps its device):

1. Nodes that must live together form a *colocation group*: the ``_class`` attribute set by
   ``tf.colocate_with``, and every op that takes a variable's reference (its ``Assign``,
   its ``read``) with the variable itself.
2. A group goes where its members asked (``tf.device`` strings and functions), with the
   unspecified fields filled in from this task.
3. A constant-like *generator* (no inputs, one consumer) that asked for nothing goes with
   its consumer.
4. Otherwise: GPU:0 if there is a GPU with a kernel for every member, else CPU:0.

A request that no device can satisfy raises `InvalidArgumentError` ("Cannot assign a device
for operation ..."), unless ``allow_soft_placement`` lets the node fall back to a device
that has a kernel for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.framework import dtypes, errors
from teachflow.framework.device_spec import DeviceSpec
from teachflow.runtime.placement_reason import (
    DEFAULT,
    DEVICE_FUNCTION,
    EXPLICIT,
    PlacementReason,
    PlacementRule,
)

# How TensorFlow's messages name each field of a device spec.
_FIELD_WORDS = {
    "job": "jobs",
    "replica": "replicas",
    "task": "tasks",
    "device_type": "types",
    "device_index": "ids",
}

# Device types in the order the placer prefers them.
_PRIORITY = {"GPU": 0, "CPU": 1}


@dataclass
class PlacementRecord:
    """One placement decision, as the placement views show it."""

    node: str
    op_type: str
    requested: str
    device: str
    reason: PlacementReason  # str() gives the sentence the views print
    group: str  # the colocation group's root node

    def log_line(self) -> str:
        return f"{self.node}: ({self.op_type}): {self.device}"


def supported_device_types(op) -> set:
    """Device types with a kernel for this op. TF1 had no GPU kernels for strings or for
    integer variables, so those ops can only run on a CPU."""
    types = set(op._op_def.kernels)
    if "GPU" in types:
        tensors = list(op._inputs) + list(op._outputs)
        if any(t.dtype.base_dtype is dtypes.string for t in tensors):
            types.discard("GPU")
        elif op.type in ("VariableV2", "Assign", "AssignAdd", "AssignSub") and any(
            t.dtype.base_dtype.is_integer for t in op._outputs
        ):
            types.discard("GPU")
        gpu_ok = getattr(op._op_def, "gpu_supports", None)
        if gpu_ok is not None and not gpu_ok(op):
            types.discard("GPU")
    return types


class _Group:
    __slots__ = ("root", "members")

    def __init__(self, root):
        self.root = root
        self.members = [root]


class Placer:
    """Places the nodes of one graph on the devices of one task (or a cluster's tasks)."""

    def __init__(self, devices, default_task, allow_soft_placement=False, log=None):
        self._devices = list(devices)
        self._by_name = {d.name: d for d in self._devices}
        self._default_task = DeviceSpec.from_string(default_task)
        self._soft = allow_soft_placement
        self._log = log
        self.placement = {}  # op -> device name
        self.records = {}  # op name -> PlacementRecord
        self._group_of = {}  # op -> _Group
        self._n_placed = 0
        self._candidate_cache = {}  # (request, kernel types) -> matching devices

    # -- colocation groups -----------------------------------------------------------------
    def _find(self, op):
        g = self._group_of.get(op)
        if g is None:
            g = self._group_of[op] = _Group(op)
        return g

    def _union(self, a, b):
        ga, gb = self._find(a), self._find(b)
        if ga is gb:
            return
        if gb.root._id < ga.root._id:
            ga, gb = gb, ga
        for m in gb.members:
            self._group_of[m] = ga
        ga.members.extend(gb.members)

    def _build_groups(self, graph, new_ops):
        by_name = graph._ops_by_name
        for op in new_ops:
            self._find(op)
            for loc in op._attrs.get("_class", ()):
                target = by_name.get(loc[len(b"loc:@") :].decode())
                if target is not None:
                    self._union(target, op)
            if op._op_def.colocate_refs:
                for t in op._inputs:
                    if t.dtype.is_ref_dtype:
                        self._union(t.op, op)
                    elif t.dtype is dtypes.resource and not op.device:
                        # An op reading a resource variable's handle runs where the state
                        # lives unless pinned elsewhere (TF then passes the handle over).
                        self._union(t.op, op)

    # -- placing ---------------------------------------------------------------------------
    def place_new_ops(self, graph):
        """Place every node added to ``graph`` since the last call; returns new records."""
        ops = graph._ops
        new_ops = ops[self._n_placed :]
        if not new_ops:
            return []
        self._build_groups(graph, new_ops)
        new_records = []
        # Each group once, in the order its first new member was created (a dict keeps
        # insertion order; a list's `in` made placement quadratic in the graph's size).
        groups = dict.fromkeys(self._group_of[op] for op in new_ops)
        for g in groups:
            new_records.extend(self._place_group(g))
        # Generators follow their only consumer when nobody asked where they should go.
        for op in new_ops:
            rec = self.records[op.name]
            if rec.reason.rule is PlacementRule.DEFAULT and _is_generator(op):
                consumer = op._outputs[0]._consumers[0]
                dev = self.placement.get(consumer)
                if dev and dev != self.placement[op] and self._has_kernel(op, dev):
                    self.placement[op] = dev
                    rec.device = dev
                    rec.reason = PlacementReason(PlacementRule.GENERATOR, node=consumer.name)
        # Only what was placed: another thread may have added ops since `new_ops` was read.
        self._n_placed += len(new_ops)
        if self._log is not None:
            for rec in new_records:
                self._log(rec.log_line())
        return new_records

    def _place_group(self, group):
        members = sorted(group.members, key=lambda o: o._id)
        already = [m for m in members if m in self.placement]
        if already:
            dev = self.placement[already[0]]
            reason = PlacementReason(PlacementRule.EARLIER_RUN, node=already[0].name)
            return [self._record(m, dev, reason, group) for m in members if m not in self.placement]
        request, requester = self._merged_request(members)
        supported = set.intersection(*(supported_device_types(m) for m in members))
        dev, reason = self._choose(members, request, supported)
        root = group.root
        records = []
        # The group's other members went where the group went: they say with whom (the node
        # that asked, or the group's root when nobody asked). A soft-placement fallback is
        # every member's own story and stays as it is.
        follows = reason.rule in (
            PlacementRule.DEFAULT,
            PlacementRule.EXPLICIT,
            PlacementRule.DEVICE_FUNCTION,
        )
        for m in members:
            r = reason
            if follows and m is not requester and len(members) > 1:
                leader = requester if requester is not None else root
                r = PlacementReason(PlacementRule.COLOCATED, node=leader.name)
            records.append(self._record(m, dev, r, group))
        return records

    def _record(self, op, dev, reason, group):
        self.placement[op] = dev
        rec = PlacementRecord(op.name, op.type, op.device, dev, reason, group.root.name)
        self.records[op.name] = rec
        return rec

    def _merged_request(self, members):
        merged = DeviceSpec()
        requester = None
        for m in members:
            if not m.device:
                continue
            spec = DeviceSpec.from_string(m.device)
            for field in ("job", "replica", "task", "device_type", "device_index"):
                mine, theirs = getattr(merged, field), getattr(spec, field)
                if mine is not None and theirs is not None and mine != theirs:
                    raise errors.InvalidArgumentError(
                        m.node_def,
                        m,
                        f"Cannot colocate nodes {{{{colocation_node {requester.name}}}}} and "
                        f"{{{{colocation_node {m.name}}}}}: Cannot merge devices with "
                        f"incompatible {_FIELD_WORDS[field]}: '{mine}' and '{theirs}' "
                        f"('{requester.device}' vs '{m.device}')",
                    )
            merged.merge_from(spec)
            if requester is None:
                requester = m
        return merged, requester

    def _candidates(self, spec, types):
        """The devices matching ``spec`` with a kernel type in ``types``, best first. Most
        nodes ask the same few questions: the answer is cached per (request, types)."""
        key = (spec.to_string(), None if types is None else frozenset(types))
        found = self._candidate_cache.get(key)
        if found is None:
            found = self._candidate_cache[key] = self._match(spec, types)
        return list(found)

    def _match(self, spec, types):
        d = self._default_task
        job = spec.job if spec.job is not None else d.job
        # Only a request for this task's own job borrows this task's replica and index;
        # "/job:ps" from a worker means any ps task (the first one, in the end).
        same_job = job == d.job
        replica = spec.replica if spec.replica is not None else (d.replica if same_job else None)
        task = spec.task if spec.task is not None else (d.task if same_job else None)
        out = []
        for dev in self._devices:
            ds = DeviceSpec.from_string(dev.name)
            if ds.job != job:
                continue
            if replica is not None and ds.replica != replica:
                continue
            if task is not None and ds.task != task:
                continue
            if spec.device_type is not None and ds.device_type != spec.device_type:
                continue
            if spec.device_index is not None and ds.device_index != spec.device_index:
                continue
            if types is not None and ds.device_type not in types:
                continue
            out.append(dev)
        out.sort(key=lambda dv: (_task_index(dv.name), _PRIORITY.get(dv.device_type, 9), dv.index))
        return out

    def _choose(self, members, request, supported):
        explicit = any(m.device for m in members)
        from_function = any(getattr(m, "_device_from_function", False) for m in members)
        ok = self._candidates(request, supported)
        if ok:
            if not explicit:
                return ok[0].name, DEFAULT
            return ok[0].name, DEVICE_FUNCTION if from_function else EXPLICIT
        # Nothing satisfies the request: say precisely why, or fall back softly.
        anywhere = self._candidates(request, None)
        first = members[0]
        requested = request.to_string()
        if self._soft:
            # Soft placement relaxes the device, never the task: TF still refuses a job or
            # task that does not exist.
            relaxed = DeviceSpec(request.job, request.replica, request.task)
            fallback = self._candidates(relaxed, supported)
            if fallback:
                why = "no kernel for it there" if anywhere else "no such device"
                return fallback[0].name, PlacementReason(
                    PlacementRule.SOFT_PLACEMENT, requested=requested, detail=why
                )
        names = ", ".join(d.name for d in self._devices)
        if anywhere:
            types = ", ".join(sorted(supported)) or "none"
            raise errors.InvalidArgumentError(
                first.node_def,
                first,
                f"Cannot assign a device for operation {first.name}: Could not satisfy explicit "
                f"device specification '{requested}' because no supported kernel for "
                f"{request.device_type} devices is available (the op can run on: {types}). "
                "Set allow_soft_placement=True to let it fall back to a device that can run it.",
            )
        raise errors.InvalidArgumentError(
            first.node_def,
            first,
            f"Cannot assign a device for operation {first.name}: {{{{node {first.name}}}}} was "
            f"explicitly assigned to {requested} but available devices are [ {names} ]. Make "
            "sure the device specification refers to a valid device.",
        )

    def _has_kernel(self, op, dev_name):
        return DeviceSpec.from_string(dev_name).device_type in supported_device_types(op)

    def device_of(self, op) -> str:
        return self.placement[op]

    def records_list(self) -> list:
        return list(self.records.values())


def _task_index(device_name) -> int:
    task = DeviceSpec.from_string(device_name).task
    return task if task is not None else 0


def _is_generator(op) -> bool:
    return (
        not op._inputs
        and not op._control_inputs
        and len(op._outputs) == 1
        and len(op._outputs[0]._consumers) == 1
        and not op._op_def.stateful
    )
