"""From (fetches, feeds, targets) to an executable plan: prune, order, place, bind kernels.

The plan is what a Session caches: the ops the fetches actually need (a fed tensor cuts
the graph above it), each a `Step` with its device and its kernel already constructed, its
inputs and outputs mapped to numbered slots, and, for the executor, its successors and its
number of predecessors (the dependency counter). An edge between two devices becomes
an explicit transfer step (TensorFlow's send/recv pair) that the trace shows.
"""

from __future__ import annotations

import heapq

from teachflow.framework import errors
from teachflow.runtime import control_flow, control_flow_frames
from teachflow.runtime.rendezvous_key import make_key
from teachflow.runtime.resources import VariableState
from teachflow.runtime.step import Step

# Op types whose kernels are worth a thread of their own even on small inputs.
EXPENSIVE_TYPES = frozenset(
    {
        "MatMul",
        "BatchMatMul",
        "BatchMatMulV2",
        "Conv2D",
        "Conv2DBackpropInput",
        "Conv2DBackpropFilter",
        "DepthwiseConv2dNative",
        "DepthwiseConv2dNativeBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
        "MaxPool",
        "MaxPoolGrad",
        "AvgPool",
        "AvgPoolGrad",
        "FusedBatchNormV3",
        "FusedBatchNormGradV3",
        "Einsum",
    }
)
# Outputs this large make any op worth running off the scheduling thread.
EXPENSIVE_ELEMENTS = 1 << 16


class Transfer:
    """A tensor crossing from one device to another: the plan's send/recv pair."""

    __slots__ = ("tensor", "src", "dst", "name", "type", "key")

    def __init__(self, tensor, src, dst, edge_id):
        self.tensor = tensor
        self.src = src
        self.dst = dst
        self.name = f"edge_{edge_id}_{tensor.op.name}"
        self.type = "_Recv"
        self.key = make_key(src.name, src.incarnation, dst.name, self.name)

    def __repr__(self):
        return f"<Transfer {self.tensor.name} {self.src.name} -> {self.dst.name}>"


class Plan:
    """What a Session caches per (fetches, feeds, targets): the steps and their slots.

    ``steps`` are `Step` records in a topological order; ``pending[j]`` is step ``j``'s
    dependency counter at the start of a run (its ``num_predecessors``, as a list a run
    copies), ``roots`` the steps with nothing to wait for. The last three attributes are
    caches of the executor's fast paths, each built (on first use) and read only by the
    module that owns it.
    """

    def __init__(self):
        self.ops = []  # the pruned ops in a topological order
        self.steps = []  # Step records, see build_plan
        self.num_slots = 0
        self.feed_slots = []
        self.fetch_slots = []
        self.pending = []  # initial dependency counter of each step
        self.roots = []  # steps with no predecessors
        self.consumers = []  # per slot: readers (+1 when fetched)
        self.slot_device = []  # per slot: index into devices
        self.devices = []
        self.transfers = []
        self.account_memory = False  # some device has a memory limit
        self.needs_threads = False  # two expensive steps could overlap, or a GPU has a stream
        self.has_expensive = False  # some step is worth a thread when the caller has a deadline
        self.cost_ns = []  # per step: measured time of an expensive step (see op_cost), or None
        self.has_blocking = False  # some step waits for something outside the step
        self.placement = {}  # op name -> device name
        self.persistent_nodes = frozenset()
        # Control flow (`teachflow.runtime.control_flow`): some tensor may be dead, so the
        # reference loop checks deadness, and needs each step's control predecessors.
        self.has_control_flow = False
        self.control_preds = {}  # step -> steps it waits for through control edges
        self.step_kinds = None  # step -> its exception to the deadness rule, or None
        # fast_inline.InlineProgram: the reference loop's one-thread order, precomputed.
        self.inline_program = None
        # inline_trace.TracedProgram: that order cut into clock segments, and each step's
        # fixed event fields.
        self.traced_program = None

    def __repr__(self):
        return f"<Plan {len(self.ops)} ops, {len(self.transfers)} transfers on {len(self.devices)} devices>"


# TF's subgraph rewrite (FeedInputs) hands a fed Placeholder's control edges to the fed
# value: ``with tf.control_dependencies([x])`` on a fed placeholder ``x`` (tf.metrics.mean's
# count waits for its values) waits for the feed only, and the placeholder never runs.
PLACEHOLDER_TYPES = frozenset({"Placeholder", "PlaceholderV2"})


def fed_placeholder(op, fed) -> bool:
    return op.type in PLACEHOLDER_TYPES and op._outputs[0] in fed


def prune(fetch_tensors, target_ops, fed):
    """The ops needed to compute ``fetch_tensors`` and run ``target_ops``."""
    needed = set()
    stack = [t.op for t in fetch_tensors if t not in fed]
    stack.extend(target_ops)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        for t in op._inputs:
            if t not in fed and t.op not in needed:
                stack.append(t.op)
        for c in op._control_inputs:
            if c not in needed and not fed_placeholder(c, fed):
                stack.append(c)
    return needed


def topological_order(needed, fed):
    """Kahn's algorithm; among ready ops the one created first goes first."""
    indegree = {}
    for op in needed:
        n = sum(1 for t in op._inputs if t not in fed)
        n += sum(1 for c in op._control_inputs if c in needed)
        indegree[op] = n
    ready = [(op._id, op) for op, n in indegree.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, op = heapq.heappop(ready)
        order.append(op)
        for out in op._outputs:
            if out in fed:
                continue
            for consumer in dict.fromkeys(out._consumers):  # an op may read `out` twice
                if consumer in indegree:
                    indegree[consumer] -= sum(1 for t in consumer._inputs if t is out)
                    if indegree[consumer] == 0:
                        heapq.heappush(ready, (consumer._id, consumer))
        for consumer in op._control_outputs:
            if consumer in indegree:
                indegree[consumer] -= 1
                if indegree[consumer] == 0:
                    heapq.heappush(ready, (consumer._id, consumer))
    if len(order) != len(needed):
        stuck = sorted(op.name for op, n in indegree.items() if n > 0)
        raise errors.InvalidArgumentError(
            None, None, f"Graph has a cycle; these nodes never become ready: {stuck[:10]}"
        )
    return order


def _deref(x):
    return x.read() if type(x) is VariableState else x


def _with_deref(kernel, positions):
    """Wrap a kernel so ref inputs at ``positions`` are read (uninitialized -> error)."""
    pos = tuple(positions)

    def kernel_reading_refs(*args):
        args = list(args)
        for p in pos:
            args[p] = _deref(args[p])
        return kernel(*args)

    return kernel_reading_refs


def _copy_kernel(src, dst):
    if dst.xp is not src.xp:
        if src.xp.__name__ == "numpy":
            return dst.xp.asarray
        return lambda v: v.get() if hasattr(v, "get") else v
    return lambda v: v


def is_expensive(op) -> bool:
    if op.type in EXPENSIVE_TYPES or not op._op_def.cheap:
        return True
    for t in op._outputs:
        n = t.shape.num_elements()
        if n is not None and n >= EXPENSIVE_ELEMENTS:
            return True
    return False


def expensive_steps_can_overlap(steps, most=64) -> bool:
    """Whether two expensive steps could ever run at the same time.

    Another thread only pays when it runs something *beside* the scheduling thread: if the
    expensive steps form one chain (each depends on the one before), every one of them would
    run alone, and handing it to a pool thread only adds two hand-offs and a thread wake-up
    (milliseconds on a busy machine). ``steps`` are in topological order, so the expensive ones
    form a chain exactly when each is reachable from the one before it. Past ``most`` of them,
    assume they overlap.
    """
    expensive = [j for j, s in enumerate(steps) if s.expensive]
    if len(expensive) > most:
        return True
    for a, b in zip(expensive, expensive[1:]):
        seen, frontier = {a}, [a]
        while frontier and b not in seen:
            for k in steps[frontier.pop()].successors:
                if k <= b and k not in seen:  # nothing after b leads back to b
                    seen.add(k)
                    frontier.append(k)
        if b not in seen:
            return True
    return False


def needs_threads(plan) -> bool:
    """Whether the plan's steps need the general path: some may wait, overlap or use a stream."""
    return (
        plan.has_blocking
        or any(d.has_stream for d in plan.devices)
        or expensive_steps_can_overlap(plan.steps)
    )


class _SlotTable:
    """What `build_plan` hands out while it walks the ops: the plan's devices (numbered in
    order of first use), numbered value slots, which step writes each slot, and the copies
    of a slot already made on another device (one transfer per tensor and device)."""

    def __init__(self, plan):
        self.plan = plan
        self.dev_index = {}
        self.slot_device = []
        self.slot_tensor = []
        self.producer = {}  # slot -> index of the step that writes it
        self.copies = {}  # (slot, device index) -> the slot of its copy there
        self.preds = []  # per step: the steps it waits for

    def device_index(self, dev) -> int:
        i = self.dev_index.get(dev.name)
        if i is None:
            i = self.dev_index[dev.name] = len(self.plan.devices)
            self.plan.devices.append(dev)
        return i

    def new_slot(self, dev_i, tensor=None) -> int:
        self.slot_device.append(dev_i)
        self.slot_tensor.append(tensor)
        return len(self.slot_device) - 1

    def add_step(self, step, preds, writes) -> None:
        self.plan.steps.append(step)
        self.preds.append(preds)
        for s in writes:
            self.producer[s] = len(self.plan.steps) - 1

    def on_device(self, slot, dst_i) -> int:
        """The slot holding ``slot``'s value on device ``dst_i``, adding a transfer step the
        first time the value is needed there."""
        src_i = self.slot_device[slot]
        if src_i == dst_i:
            return slot
        found = self.copies.get((slot, dst_i))
        if found is not None:
            return found
        devices, plan = self.plan.devices, self.plan
        tensor = self.slot_tensor[slot]
        xfer = Transfer(tensor, devices[src_i], devices[dst_i], len(plan.transfers) + 1)
        plan.transfers.append(xfer)
        out = self.copies[(slot, dst_i)] = self.new_slot(dst_i, tensor)
        kernel = _copy_kernel(devices[src_i], devices[dst_i])
        step = Step(kernel, (slot,), out, False, xfer, (), dst_i, False)
        self.add_step(step, [self.producer[slot]] if slot in self.producer else [], (out,))
        return out


# Ops whose outputs are a list in TF's OpDef (``N`` or a type list): with one output their
# kernels may hand back a one-item tuple, which the step must unpack (tests/runtime check this
# set against the recorded OpDefs).
LIST_OUTPUT_OPS = frozenset(
    {
        "CTCBeamSearchDecoder", "DatasetToSingleElement", "DecodeCSV", "DynamicPartition",
        "EagerPyFunc", "IdentityN", "IteratorGetNext", "ParseExampleV2",
        "ParseSequenceExampleV2", "ParseSingleExample", "PyFunc", "PyFuncStateless",
        "QueueDequeueManyV2", "QueueDequeueUpToV2", "QueueDequeueV2", "ReduceDataset",
        "RestoreV2", "ShapeN", "SparseSplit", "Split", "SplitV", "Unpack",
    }
)  # fmt: skip


def _sole_output(kernel):
    def run(*args):
        r = kernel(*args)
        return r[0] if type(r) in (tuple, list) else r

    return run


def _op_step(table, op, slots, fed, junk, dev, kernel_for):
    """The step that runs ``op`` on ``dev`` (its inputs copied there first), the steps that
    write its inputs (`build_plan` adds its control inputs), and the slots it writes."""
    di = table.dev_index[dev.name]
    ins = tuple(table.on_device(slots[t], di) for t in op._inputs)
    outs = tuple(junk if t in fed else slots[t] for t in op._outputs)
    kernel = kernel_for(op, dev)
    ref_reads = [
        i
        for i, t in enumerate(op._inputs)
        if t.dtype.is_ref_dtype and i not in op._op_def.ref_inputs
    ]
    if ref_reads:
        kernel = _with_deref(kernel, ref_reads)
    preds = [table.producer[s] for s in ins if s in table.producer]
    multi = len(outs) > 1
    if len(outs) == 1 and op.type in LIST_OUTPUT_OPS:
        kernel = _sole_output(kernel)
    out = outs if multi else (outs[0] if outs else junk)
    step = Step(kernel, ins, out, multi, op, (), di, is_expensive(op), blocking=op._op_def.blocking)
    return step, preds, [s for s in outs if s != junk]


def _link(plan, preds) -> None:
    """Successors and dependency counters from each step's predecessors, and each slot's
    number of readers (a fetched slot one more: the caller reads it after the step)."""
    succ = [[] for _ in plan.steps]
    for j, ps in enumerate(preds):
        for p in ps:
            succ[p].append(j)
    consumers = [0] * plan.num_slots
    for j, step in enumerate(plan.steps):
        step.successors = tuple(succ[j])
        step.num_predecessors = len(preds[j])
        for s in step.ins:
            consumers[s] += 1
    for s in plan.fetch_slots:
        consumers[s] += 1
    plan.consumers = consumers
    plan.pending = [step.num_predecessors for step in plan.steps]
    plan.roots = [j for j, n in enumerate(plan.pending) if n == 0]


def _entered(t, fed):
    while t.op.type in control_flow_frames.ENTER_TYPES and t not in fed:
        t = t.op._inputs[0]
    return t


def build_plan(fetch_tensors, target_ops, feed_tensors, kernel_for, device_for, feed_device):
    """Build the plan.

    ``kernel_for(op, device)`` returns the op's constructed kernel (cached by the caller);
    ``device_for(op)`` the device the placer chose; fed values arrive on ``feed_device``.
    Each op becomes a `Step`; each value an op reads from another device first becomes a
    transfer step (a `Transfer`) that copies it there.
    """
    plan = Plan()
    fed = set(feed_tensors)
    # A loop runs as one step that yields its Exits; a session may fetch an Enter too (as
    # in TF), whose value is what went into the loop: its input.
    fetch_tensors = [_entered(t, fed) for t in fetch_tensors]
    needed = prune(fetch_tensors, target_ops, fed)
    if control_flow_frames.has_loops(needed):  # each while loop becomes one step
        order = control_flow_frames.plan_order(needed, fed)
        kernel_for, device_for = control_flow_frames.with_frames(kernel_for, device_for, fed)
    else:
        order = topological_order(needed, fed)
    plan.ops = order
    table = _SlotTable(plan)
    feed_dev_i = table.device_index(feed_device)
    slots = {t: table.new_slot(feed_dev_i, t) for t in feed_tensors}
    op_device = {op: device_for(op) for op in order}
    for op in order:
        di = table.device_index(op_device[op])
        for t in op._outputs:
            if t not in slots:
                slots[t] = table.new_slot(di, t)
    junk = table.new_slot(feed_dev_i)  # where outputs that are also fed are written
    step_of_op = {}
    for op in order:
        step, preds, writes = _op_step(table, op, slots, fed, junk, op_device[op], kernel_for)
        control = [step_of_op[c] for c in op._control_inputs if c in step_of_op]
        if control:
            plan.control_preds[len(plan.steps)] = tuple(control)
            preds.extend(control)
        table.add_step(step, preds, writes)
        step_of_op[op] = len(plan.steps) - 1
    plan.num_slots = len(table.slot_device)
    plan.slot_device = table.slot_device
    plan.feed_slots = [slots[t] for t in feed_tensors]
    plan.fetch_slots = [slots[t] for t in fetch_tensors]
    _link(plan, table.preds)
    _summarise(plan, op_device)
    return plan


def _summarise(plan, op_device) -> None:
    """The flags the executor reads to pick its path, and what a trace reports."""
    plan.account_memory = any(d.allocator.limit is not None for d in plan.devices)
    # A waiting op (queue, cross-task receive) always gets a thread of its own.
    plan.has_blocking = any(step.blocking for step in plan.steps)
    plan.needs_threads = needs_threads(plan)
    # A step with a deadline hands every expensive step off, so the caller can give up on time.
    plan.has_expensive = any(step.expensive for step in plan.steps)
    plan.cost_ns = [None] * len(plan.steps)
    plan.placement = {op.name: op_device[op].name for op in plan.ops}
    # Outputs that live in their kernel (constants), not in a step's allocations.
    plan.persistent_nodes = frozenset(op.name for op in plan.ops if op.type == "Const")
    plan.has_control_flow = control_flow.has_control_flow(plan.ops)
    if plan.has_control_flow:
        plan.step_kinds = control_flow.step_kinds(plan)
