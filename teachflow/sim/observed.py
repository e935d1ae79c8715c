"""What a traced run tells the virtual-time model: every tensor's shape and bytes.

The cost of an op depends on the shapes of its inputs and outputs. Most are known before
the run (static shape inference: a ``tf.random_normal([4096, 4096])`` is 4096 x 4096);
the rest (a batch of unknown size fed through a placeholder) are read off the run itself:
the fed values' shapes, and the bytes each output was allocated (its memory events), from
which one unknown dimension follows. A tensor passed on without a new buffer (``Identity``,
a variable's ``read``) has the shape of the input it hands on.

The plan numbers tensors by *slot* (`teachflow.runtime.plan`); this module gives each slot
a `TensorSpec` and the bytes the real run allocated for it, which the model allocates too.
"""

from __future__ import annotations

from collections import defaultdict, deque

from teachflow.runtime.plan import Transfer
from teachflow.sim.cost_model import TensorSpec

__all__ = ["Observed", "observe"]


class Observed:
    """Per plan slot: ``specs`` (`TensorSpec` or None for the junk slot), ``allocated``
    (bytes the run allocated for it, 0 for persistent or forwarded values); per device
    index, ``baseline`` (bytes in use when the step began: variables, constants)."""

    def __init__(self, specs, allocated, baseline):
        self.specs = specs
        self.allocated = allocated
        self.baseline = baseline


def observe(plan, events, feed_shapes) -> Observed:
    """Resolve every slot of ``plan`` from the step's ``events`` and its fed values'
    shapes (``feed_shapes``, in ``plan.feed_slots`` order)."""
    allocs = defaultdict(deque)  # node -> bytes of each allocation, in order
    baseline = {}
    for e in events:
        if e.kind == "memory":
            baseline.setdefault(e.device, e.live_bytes - e.delta)
            if e.delta > 0:
                allocs[e.node].append(e.delta)

    n = plan.num_slots
    specs = [None] * n
    allocated = [0] * n
    feed_queue = allocs.get("_feed", deque())
    feed_slots = set(plan.feed_slots)
    tensor_of = _slot_tensors(plan)
    for slot, shape in zip(plan.feed_slots, feed_shapes):
        t = tensor_of.get(slot)
        itemsize = t.dtype.base_dtype.size if t is not None else 0
        spec = TensorSpec.of(shape, itemsize)
        if feed_queue and (not itemsize or feed_queue[0] == spec.nbytes):
            allocated[slot] = feed_queue.popleft()
            if not itemsize:
                spec = TensorSpec(spec.shape, 0, allocated[slot])
        else:
            # A fed value is allocated where it arrives (a cluster's tasks each report
            # their own, in whatever order the tasks answered).
            allocated[slot] = spec.nbytes
        specs[slot] = spec

    for step in plan.steps:
        ins, out, op = step.ins, step.out, step.op
        if type(op) is Transfer:
            found = allocs.get(op.name)
            specs[out] = specs[ins[0]]
            allocated[out] = found.popleft() if found else 0
            continue
        outs = step.outputs
        found = allocs.get(op.name, deque())
        first_in = specs[ins[0]] if ins else None
        for slot, t in zip(outs, op._outputs):
            if slot in feed_slots or specs[slot] is not None:
                continue  # the output is fed (the plan gives it a junk slot)
            itemsize = t.dtype.base_dtype.size
            static = _static_spec(t, itemsize)
            if found and (static is None or not itemsize or found[0] == static.nbytes):
                allocated[slot] = found.popleft()
            specs[slot] = static or _spec_from_bytes(t, itemsize, allocated[slot], first_in)
    return Observed(specs, allocated, baseline)


def _slot_tensors(plan) -> dict:
    """slot -> the graph tensor it holds (a transfer's copy holds its source's tensor)."""
    tensor_of = {}
    for step in plan.steps:
        ins, out, op = step.ins, step.out, step.op
        if type(op) is Transfer:
            tensor_of[out] = op.tensor
            tensor_of.setdefault(ins[0], op.tensor)  # a fed value that is only copied on
            continue
        for slot, t in zip(ins, op._inputs):
            tensor_of.setdefault(slot, t)
        for slot, t in zip(step.outputs, op._outputs):
            tensor_of.setdefault(slot, t)
    return tensor_of


def _static_spec(tensor, itemsize):
    shape = tensor.shape
    if shape.ndims is None or not shape.is_fully_defined():
        return None
    if not itemsize:
        return None  # strings: their bytes are only known from the run
    return TensorSpec.of(shape.as_list(), itemsize)


def _spec_from_bytes(tensor, itemsize, nbytes, handed_on):
    """The shape that ``nbytes`` fills: the static shape with its one unknown dimension
    solved; else the input the op handed on; else a flat vector."""
    if not itemsize:
        if not nbytes and handed_on is not None:
            return handed_on
        return TensorSpec((nbytes,), 0, nbytes)
    if not nbytes:
        if handed_on is not None:
            return TensorSpec(handed_on.shape, itemsize, handed_on.elements * itemsize)
        dims = tensor.shape.as_list() if tensor.shape.ndims is not None else [0]
        return TensorSpec.of([d or 0 for d in dims], itemsize)
    count = nbytes // itemsize
    dims = tensor.shape.as_list() if tensor.shape.ndims is not None else None
    if dims is not None:
        unknown = [i for i, d in enumerate(dims) if d is None]
        known = 1
        for d in dims:
            known *= d or 1
        if len(unknown) == 1 and known and count % known == 0:
            dims[unknown[0]] = count // known
            return TensorSpec.of(dims, itemsize)
    return TensorSpec.of((count,), itemsize)
