"""From (fetches, feeds, targets) to an executable plan: prune, order, place, bind kernels.

The plan is what a Session caches: the ops the fetches actually need (a fed tensor cuts
the graph above it), each with its device and its kernel already constructed, its inputs
and outputs mapped to numbered slots, and, for the executor, each step's successors and
its number of predecessors (the dependency counter). An edge between two devices becomes
an explicit transfer step (TensorFlow's send/recv pair) that the trace shows.
"""

from __future__ import annotations

import heapq

from teachflow.framework import errors
from teachflow.runtime.rendezvous_key import make_key
from teachflow.runtime.resources import VariableState

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
    def __init__(self):
        self.ops = []  # the pruned ops in a topological order
        self.steps = []  # executor tuples, see build_plan
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

    def __repr__(self):
        return f"<Plan {len(self.ops)} ops, {len(self.transfers)} transfers on {len(self.devices)} devices>"


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
            if c not in needed:
                stack.append(c)
    return needed


def topological_order(needed, fed):
    """Kahn's algorithm; among ready ops the one created first goes first."""
    indegree = {}
    for op in needed:
        n = sum(1 for t in op._inputs if t not in fed)
        n += len(op._control_inputs)
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
    expensive = [j for j, s in enumerate(steps) if s[7]]
    if len(expensive) > most:
        return True
    for a, b in zip(expensive, expensive[1:]):
        seen, frontier = {a}, [a]
        while frontier and b not in seen:
            for k in steps[frontier.pop()][5]:
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


def build_plan(fetch_tensors, target_ops, feed_tensors, kernel_for, device_for, feed_device):
    """Build the plan.

    ``kernel_for(op, device)`` returns the op's constructed kernel (cached by the caller);
    ``device_for(op)`` the device the placer chose; fed values arrive on ``feed_device``.

    Each executor step is a tuple ``(kernel, ins, out, multi, op, succ, device_index,
    expensive)``: ``ins``/``out`` are slot numbers (``out`` a tuple when ``multi``), ``op``
    the Operation (or a `Transfer`), ``succ`` the steps whose counters it decrements.
    """
    plan = Plan()
    fed = set(feed_tensors)
    needed = prune(fetch_tensors, target_ops, fed)
    order = topological_order(needed, fed)
    plan.ops = order

    devices = []
    dev_index = {}

    def index_of(dev):
        i = dev_index.get(dev.name)
        if i is None:
            i = dev_index[dev.name] = len(devices)
            devices.append(dev)
        return i

    slots = {}
    slot_device = []
    producer_step = {}  # slot -> step index that writes it

    slot_tensor = []

    def new_slot(dev_i, tensor=None):
        slot_device.append(dev_i)
        slot_tensor.append(tensor)
        return len(slot_device) - 1

    feed_dev_i = index_of(feed_device)
    for t in feed_tensors:
        slots[t] = new_slot(feed_dev_i, t)

    op_device = {op: device_for(op) for op in order}
    for op in order:
        di = index_of(op_device[op])
        for t in op._outputs:
            if t not in slots:
                slots[t] = new_slot(di, t)
    junk = new_slot(feed_dev_i)

    raw = []  # [kernel, ins, out, multi, op, preds(list of step idx), dev_i, expensive]
    step_of_op = {}
    copies = {}  # (slot, dst device index) -> slot on dst

    def slot_on(slot, dst_i):
        """The slot holding ``slot``'s value on device ``dst_i`` (adding a transfer)."""
        src_i = slot_device[slot]
        if src_i == dst_i:
            return slot
        key = (slot, dst_i)
        found = copies.get(key)
        if found is not None:
            return found
        tensor = slot_tensor[slot]
        xfer = Transfer(tensor, devices[src_i], devices[dst_i], len(plan.transfers) + 1)
        plan.transfers.append(xfer)
        out = new_slot(dst_i, tensor)
        preds = [producer_step[slot]] if slot in producer_step else []
        raw.append(
            [
                _copy_kernel(devices[src_i], devices[dst_i]),
                (slot,),
                out,
                False,
                xfer,
                preds,
                dst_i,
                False,
            ]
        )
        producer_step[out] = len(raw) - 1
        copies[key] = out
        return out

    for op in order:
        dev = op_device[op]
        di = dev_index[dev.name]
        ins = tuple(slot_on(slots[t], di) for t in op._inputs)
        outs = tuple(junk if t in fed else slots[t] for t in op._outputs)
        kernel = kernel_for(op, dev)
        ref_reads = [
            i
            for i, t in enumerate(op._inputs)
            if t.dtype.is_ref_dtype and i not in op._op_def.ref_inputs
        ]
        if ref_reads:
            kernel = _with_deref(kernel, ref_reads)
        preds = [producer_step[s] for s in ins if s in producer_step]
        preds.extend(step_of_op[c] for c in op._control_inputs if c in step_of_op)
        multi = len(outs) > 1
        out = outs if multi else (outs[0] if outs else junk)
        raw.append([kernel, ins, out, multi, op, preds, di, is_expensive(op)])
        step_of_op[op] = len(raw) - 1
        for s in outs:
            if s != junk:
                producer_step[s] = len(raw) - 1

    n = len(raw)
    succ = [[] for _ in range(n)]
    pending = [0] * n
    for j, r in enumerate(raw):
        for p in r[5]:
            succ[p].append(j)
        pending[j] = len(r[5])
    consumers = [0] * len(slot_device)
    for r in raw:
        for s in r[1]:
            consumers[s] += 1

    plan.steps = [
        (r[0], r[1], r[2], r[3], r[4], tuple(succ[j]), r[6], r[7]) for j, r in enumerate(raw)
    ]
    plan.pending = pending
    plan.roots = [j for j in range(n) if pending[j] == 0]
    plan.num_slots = len(slot_device)
    plan.slot_device = slot_device
    plan.devices = devices
    plan.feed_slots = [slots[t] for t in feed_tensors]
    plan.fetch_slots = [slots[t] for t in fetch_tensors]
    for s in plan.fetch_slots:
        consumers[s] += 1
    plan.consumers = consumers
    plan.account_memory = any(d.allocator.limit is not None for d in devices)
    # A waiting op (queue, cross-task receive) always gets a thread of its own.
    plan.has_blocking = any(getattr(getattr(r[4], "_op_def", None), "blocking", False) for r in raw)
    plan.needs_threads = needs_threads(plan)
    # A step with a deadline hands every expensive step off, so the caller can give up on time.
    plan.has_expensive = any(r[7] for r in raw)
    plan.cost_ns = [None] * n
    plan.placement = {op.name: op_device[op].name for op in order}
    # Outputs that live in their kernel (constants), not in a step's allocations.
    plan.persistent_nodes = frozenset(op.name for op in order if op.type == "Const")
    return plan
