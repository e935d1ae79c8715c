"""Reconstructing an inline step's events after the fact.

The inline path reads the clock once per *segment* of cheap ops and keeps every value of
the step; from those, the events (op times, and allocations and frees replayed in
execution order) are built only when someone reads them.
"""

from __future__ import annotations

from teachflow.runtime.memory import nbytes_of
from teachflow.runtime.plan import Transfer
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent

# A clock reading costs about as much as a cheap op, so timing each one would mostly
# measure the clock. Cheap ops are timed in segments of up to this many, the segment's
# time shared evenly; an expensive op or a transfer is a segment of its own.
SEGMENT = 32


def segments(plan, order):
    segs, cur = [], []
    for i in order:
        step = plan.steps[i]
        alone = step[7] or type(step[4]) is Transfer
        if alone and cur:
            segs.append(cur)
            cur = []
        cur.append(step[:4])
        if alone or len(cur) == SEGMENT:
            segs.append(cur)
            cur = []
    if cur:
        segs.append(cur)
    return segs


def _static_info(plan):
    """What replay needs of each step that never changes between runs, computed once per
    plan: names, devices, op types, input names, and how its outputs are counted."""
    info = plan.__dict__.get("_replay_info")
    if info is None:
        info = []
        for step in plan.steps:
            op, di = step[4], step[6]
            if type(op) is Transfer:
                head = (op.src.name, op.dst.name, op.tensor.name)
                info.append((True, False, op.name, head))
            else:
                names = tuple(t.name for t in op._inputs)
                head = (plan.devices[di].name, op.name, op.type, names)
                info.append((False, op.type == "Const", op.name, head))
        plan._replay_info = info
    return info


def replay(plan, order, vals, times, tid, step_id, memory=True):
    """Events of an inline step, after the fact: op times from the segment clock readings,
    memory from replaying allocations and frees in execution order (the values are all
    still held, so every byte count is exact). ``memory=False`` leaves out the allocation
    events (nobody reads them) but still counts each op's output bytes."""
    out_events = []
    append = out_events.append
    remaining = plan.consumers.copy()
    slot_bytes = [0] * plan.num_slots
    live = [d.allocator.live_bytes for d in plan.devices]
    dev_names = [d.name for d in plan.devices]
    alloc_names = [d.allocator.name for d in plan.devices]
    slot_device = plan.slot_device
    steps = plan.steps
    info = _static_info(plan)
    append(StepEvent(step_id, "start", times[0]))
    for s in plan.feed_slots:
        nb = nbytes_of(vals[s])
        di = slot_device[s]
        slot_bytes[s] = nb
        live[di] += nb
        if nb and memory:
            append(
                MemoryEvent(
                    step_id, dev_names[di], alloc_names[di], times[0], nb, live[di], "_feed"
                )
            )
    k = 0
    n_order = len(order)
    for seg_no, seg in enumerate(plan._segments):
        if k >= n_order:
            break
        t0, t1 = times[seg_no], times[seg_no + 1] if seg_no + 1 < len(times) else times[-1]
        n = len(seg)
        span = t1 - t0
        for j in range(n):
            if k >= n_order:
                break
            i = order[k]
            k += 1
            _, ins, out, multi, _, _, _, _ = steps[i]
            recv, persistent, op_name, head = info[i]
            a = t0 + span * j // n
            b = t0 + span * (j + 1) // n
            nb_total = 0
            if not persistent:
                for o in out if multi else (out,):
                    v = vals[o]
                    if (
                        v is None
                        or type(v) is VariableState
                        or not recv
                        and any(
                            vals[s] is v or (type(vals[s]) is VariableState and vals[s].value is v)
                            for s in ins
                        )
                    ):
                        continue
                    nb = nbytes_of(v)
                    nb_total += nb
                    if nb and memory:
                        odi = slot_device[o]
                        slot_bytes[o] = nb
                        live[odi] += nb
                        append(
                            MemoryEvent(
                                step_id, dev_names[odi], alloc_names[odi], b, nb, live[odi], op_name
                            )
                        )
            if recv:
                append(TransferEvent(step_id, *head, nb_total, a, b, tid))
            else:
                dev_name, name, op_type, names = head
                append(OpEvent(step_id, dev_name, name, op_type, a, b, tid, nb_total, names))
            if not memory:
                continue
            for s in ins:
                remaining[s] -= 1
                if remaining[s] == 0 and slot_bytes[s]:
                    sdi = slot_device[s]
                    live[sdi] -= slot_bytes[s]
                    append(
                        MemoryEvent(
                            step_id,
                            dev_names[sdi],
                            alloc_names[sdi],
                            b,
                            -slot_bytes[s],
                            live[sdi],
                            "",
                        )
                    )
                    slot_bytes[s] = 0
    end = times[-1]
    for s, nb in enumerate(slot_bytes):
        if nb:
            sdi = plan.slot_device[s]
            live[sdi] -= nb
            out_events.append(
                MemoryEvent(
                    step_id,
                    plan.devices[sdi].name,
                    plan.devices[sdi].allocator.name,
                    end,
                    -nb,
                    live[sdi],
                    "",
                )
            )
    out_events.append(StepEvent(step_id, "end", end))
    return out_events
