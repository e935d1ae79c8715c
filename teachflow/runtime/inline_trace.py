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


def replay(plan, order, vals, times, tid, step_id):
    """Events of an inline step, after the fact: op times from the segment clock readings,
    memory from replaying allocations and frees in execution order (the values are all
    still held, so every byte count is exact)."""
    out_events = []
    remaining = plan.consumers.copy()
    slot_bytes = [0] * plan.num_slots
    live = [d.allocator.live_bytes for d in plan.devices]
    out_events.append(StepEvent(step_id, "start", times[0]))
    for s in plan.feed_slots:
        nb = nbytes_of(vals[s])
        di = plan.slot_device[s]
        slot_bytes[s] = nb
        live[di] += nb
        if nb:
            d = plan.devices[di]
            out_events.append(
                MemoryEvent(step_id, d.name, d.allocator.name, times[0], nb, live[di], "_feed")
            )
    k = 0
    for seg_no, seg in enumerate(plan._segments):
        if k >= len(order):
            break
        t0, t1 = times[seg_no], times[seg_no + 1] if seg_no + 1 < len(times) else times[-1]
        n = len(seg)
        for j in range(n):
            if k >= len(order):
                break
            i = order[k]
            k += 1
            kernel, ins, out, multi, op, _, di, _ = plan.steps[i]
            persistent = op.type == "Const"
            recv = type(op) is Transfer
            a = t0 + (t1 - t0) * j // n
            b = t0 + (t1 - t0) * (j + 1) // n
            dev = plan.devices[di]
            nb_total = 0
            for o in out if multi else (out,):
                v = vals[o]
                if (
                    persistent
                    or v is None
                    or type(v) is VariableState
                    or not recv
                    and any(
                        vals[s] is v or (type(vals[s]) is VariableState and vals[s].value is v)
                        for s in ins
                    )
                ):
                    continue
                nb = nbytes_of(v)
                if nb:
                    odi = plan.slot_device[o]
                    slot_bytes[o] = nb
                    live[odi] += nb
                    nb_total += nb
                    out_events.append(
                        MemoryEvent(
                            step_id,
                            plan.devices[odi].name,
                            plan.devices[odi].allocator.name,
                            b,
                            nb,
                            live[odi],
                            op.name,
                        )
                    )
            if type(op) is Transfer:
                out_events.append(
                    TransferEvent(
                        step_id, op.src.name, op.dst.name, op.tensor.name, nb_total, a, b, tid
                    )
                )
            else:
                out_events.append(
                    OpEvent(
                        step_id,
                        dev.name,
                        op.name,
                        op.type,
                        a,
                        b,
                        tid,
                        nb_total,
                        tuple(t.name for t in op._inputs),
                    )
                )
            for s in ins:
                remaining[s] -= 1
                if remaining[s] == 0 and slot_bytes[s]:
                    sdi = plan.slot_device[s]
                    live[sdi] -= slot_bytes[s]
                    out_events.append(
                        MemoryEvent(
                            step_id,
                            plan.devices[sdi].name,
                            plan.devices[sdi].allocator.name,
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
