"""From (fetches, feeds, targets) to an executable plan: prune, order, bind kernels.

The plan is what a Session caches: the ops the fetches actually need (a fed tensor cuts
the graph above it), in an order that respects data and control edges, each with its
kernel already constructed and its inputs and outputs mapped to numbered slots.
"""

from __future__ import annotations

import heapq

from teachflow.framework import errors
from teachflow.runtime.resources import VariableState


class Step:
    """One op of a plan: its kernel and where its inputs come from / outputs go."""

    __slots__ = ("op", "kernel", "ins", "out", "multi")

    def __init__(self, op, kernel, ins, out, multi):
        self.op = op
        self.kernel = kernel
        self.ins = ins
        self.out = out
        self.multi = multi

    def as_tuple(self):
        return (self.kernel, self.ins, self.out, self.multi, self.op)


class Plan:
    def __init__(self, ops, steps, num_slots, feed_slots, fetch_slots, consumers):
        self.ops = ops
        self.steps = steps
        self.step_tuples = tuple(s.as_tuple() for s in steps)
        self.num_slots = num_slots
        self.feed_slots = feed_slots
        self.fetch_slots = fetch_slots
        # For each slot, how many steps read it (the executor frees a value after its last).
        self.consumers = consumers

    def __repr__(self):
        return f"<Plan {len(self.ops)} ops, {self.num_slots} slots>"


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


def _with_deref(kernel, positions, arity):
    """Wrap a kernel so ref inputs at ``positions`` are read (uninitialized -> error)."""
    pos = tuple(positions)

    def kernel_reading_refs(*args):
        args = list(args)
        for p in pos:
            args[p] = _deref(args[p])
        return kernel(*args)

    return kernel_reading_refs


def build_plan(fetch_tensors, target_ops, feed_tensors, kernel_for):
    """``kernel_for(op)`` returns the constructed kernel for an op (cached by the caller)."""
    fed = set(feed_tensors)
    needed = prune(fetch_tensors, target_ops, fed)
    order = topological_order(needed, fed)

    slots = {}
    for t in feed_tensors:
        slots[t] = len(slots)
    junk = -1  # outputs that are overridden by a feed are written to a junk slot
    for op in order:
        for t in op._outputs:
            if t not in slots:
                slots[t] = len(slots)
    num_slots = len(slots) + 1
    junk = num_slots - 1

    consumers = [0] * num_slots
    steps = []
    for op in order:
        ins = tuple(slots[t] for t in op._inputs)
        for s in ins:
            consumers[s] += 1
        outs = tuple(junk if t in fed else slots[t] for t in op._outputs)
        kernel = kernel_for(op)
        ref_reads = [
            i
            for i, t in enumerate(op._inputs)
            if t.dtype.is_ref_dtype and i not in op._op_def.ref_inputs
        ]
        if ref_reads:
            kernel = _with_deref(kernel, ref_reads, len(ins))
        multi = len(outs) > 1
        single = outs[0] if outs else junk  # an op with no outputs writes None to junk
        steps.append(Step(op, kernel, ins, outs if multi else single, multi))
    feed_slots = [slots[t] for t in feed_tensors]
    fetch_slots = [slots[t] for t in fetch_tensors]
    for s in fetch_slots:
        consumers[s] += 1
    return Plan(order, steps, num_slots, feed_slots, fetch_slots, consumers)
