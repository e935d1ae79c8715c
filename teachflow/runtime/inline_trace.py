"""An optimisation of the reference loop for traced runs: inline steps timed per segment.

A traced run (``RunOptions(trace_level=FULL_TRACE)``, or a subscriber on the event bus) of a
plan that qualifies for `fast_inline` (nothing could run beside the scheduling thread, no
memory limit) takes this path: `Executor.path_for` picks it. The steps run in the same
precomputed order as `fast_inline`, but reading the clock around every step would cost as
much as the steps themselves; the clock is read once per *segment* of cheap steps instead,
and every value of the step is kept. The events the reference loop would have emitted as
it went (op and transfer times, allocations and frees in execution order, the step's start
and end) are rebuilt from those only when someone reads them (`replay`). Like
`fast_inline`, it refuses plans with control flow (dead tensors): those take the reference
loop, whose trace lists only the ops that ran.

>>> import teachflow as tf
>>> b = tf.constant(1.0) + 2.0
>>> md = tf.RunMetadata()
>>> with tf.Session() as sess:
...     print(sess.run(b, options=tf.RunOptions(trace_level=3), run_metadata=md))
3.0
>>> sorted(ns.node_name for ns in md.step_stats.dev_stats[0].node_stats)
['Const', 'add', 'add/y']
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from teachflow.runtime import fast_inline
from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.memory import nbytes_of
from teachflow.runtime.plan import Transfer
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent

# A clock reading costs about as much as a cheap op, so timing each one would mostly
# measure the clock. Cheap ops are timed in segments of up to this many, the segment's
# time shared evenly; an expensive op or a transfer is a segment of its own.
SEGMENT = 32


@dataclass(slots=True)
class TracedProgram:
    """`fast_inline`'s order cut into ``segments`` of ``(kernel, ins, out, multi)`` calls
    (this module's compact form), and what each step's event says that never changes
    between runs (``fields[i]`` for step ``i``: see `_event_fields`)."""

    order: list
    segments: list
    fields: list


@dataclass(slots=True)
class RawTrace:
    """What a traced inline run kept: the steps that ran (``order``), every value, the clock
    readings (one before the first segment, one after each), the thread, and the error."""

    plan: object
    order: list
    vals: list
    times: list
    thread_id: int
    error: str = ""


def program(plan) -> TracedProgram:
    """The plan's `TracedProgram`, built on first use and kept on ``plan.traced_program``."""
    prog = plan.traced_program
    if prog is None:
        order = fast_inline.program(plan).order
        segs, cur = [], []
        for i in order:
            step = plan.steps[i]
            alone = step.expensive or type(step.op) is Transfer
            if alone and cur:
                segs.append(cur)
                cur = []
            cur.append((step.kernel, step.ins, step.out, step.multi))
            if alone or len(cur) == SEGMENT:
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        fields = [_event_fields(plan, step) for step in plan.steps]
        prog = plan.traced_program = TracedProgram(order, segs, fields)
    return prog


def _event_fields(plan, step):
    """(is a transfer, output lives in its kernel, node name, the event's fixed fields)."""
    op = step.op
    if type(op) is Transfer:
        return (True, False, op.name, (op.src.name, op.dst.name, op.tensor.name))
    names = tuple(t.name for t in op._inputs)
    head = (plan.devices[step.device_index].name, op.name, op.type, names)
    return (False, op.type == "Const", op.name, head)


def run(plan, vals, ctx) -> None:
    """Run ``plan``'s steps on this thread with a clock per segment; hand ``ctx`` the raw
    trace (`StepContext.set_inline_trace`), also when a step fails."""
    prog = program(plan)
    now = time.perf_counter_ns
    times = [now()]
    mark = times.append
    seg_no, call = 0, None
    try:
        for seg_no, seg in enumerate(prog.segments):  # noqa: B007 - read on error
            for call in seg:
                kernel, ins, out, multi = call
                n = len(ins)
                if n == 2:
                    r = kernel(vals[ins[0]], vals[ins[1]])
                elif n == 1:
                    r = kernel(vals[ins[0]])
                elif n == 0:
                    r = kernel()
                else:
                    r = kernel(*[vals[s] for s in ins])
                if multi:
                    for o, x in zip(out, r):
                        vals[o] = x
                else:
                    vals[out] = r
            mark(now())
    except Exception as exc:  # noqa: BLE001 - any kernel failure becomes an OpError
        mark(now())
        seg = prog.segments[seg_no]
        done = sum(len(sg) for sg in prog.segments[:seg_no])
        done += next(k for k, c in enumerate(seg) if c is call)
        step = plan.steps[prog.order[done]]
        error = annotate_error(exc, step.op, plan.devices[step.device_index].name)
        tid = threading.get_ident()
        ctx.set_inline_trace(RawTrace(plan, prog.order[:done], vals, times, tid, str(error)))
        ctx.events()  # now: the executor drops a failed step's values as its error leaves
        raise error from None
    ctx.set_inline_trace(RawTrace(plan, prog.order, vals, times, threading.get_ident()))


def replay(raw: RawTrace, step_id, memory=True) -> list:
    """Events of an inline step, after the fact: op times from the segment clock readings,
    memory from replaying allocations and frees in execution order (the values are all
    still held, so every byte count is exact). ``memory=False`` leaves out the allocation
    events (nobody reads them) but still counts each op's output bytes."""
    books = _Replay(raw, step_id, memory)
    books.feeds()
    prog = program(raw.plan)
    times, k, n_order = raw.times, 0, len(raw.order)
    for seg_no, seg in enumerate(prog.segments):
        if k >= n_order:
            break
        t0 = times[seg_no]
        t1 = times[seg_no + 1] if seg_no + 1 < len(times) else times[-1]
        n, span = len(seg), t1 - t0
        for j in range(min(n, n_order - k)):
            books.step(raw.order[k], t0 + span * j // n, t0 + span * (j + 1) // n)
            k += 1
    return books.finish()


class _Replay:
    """The memory books of `replay`: the same as the reference loop's (`step_memory`), kept
    after the fact from the values, with the events in the order the loop emits them."""

    def __init__(self, raw, step_id, memory):
        plan = raw.plan
        self.raw, self.plan, self.step_id, self.memory = raw, plan, step_id, memory
        self.vals = raw.vals
        self.fields = program(plan).fields
        self.remaining = plan.consumers.copy()
        self.slot_bytes = [0] * plan.num_slots
        self.live = [d.allocator.live_bytes for d in plan.devices]
        self.dev_names = [d.name for d in plan.devices]
        self.alloc_names = [d.allocator.name for d in plan.devices]
        self.events = [StepEvent(step_id, "start", raw.times[0])]

    def _memory_event(self, slot, delta, when, node):
        di = self.plan.slot_device[slot]
        self.live[di] += delta
        self.events.append(
            MemoryEvent(
                self.step_id,
                self.dev_names[di],
                self.alloc_names[di],
                when,
                delta,
                self.live[di],
                node,
            )
        )

    def feeds(self):
        for s in self.plan.feed_slots:
            nb = nbytes_of(self.vals[s])
            if nb and self.memory:
                self.slot_bytes[s] = nb
                self._memory_event(s, nb, self.raw.times[0], "_feed")

    def step(self, i, a, b):
        """Step ``i`` ran from ``a`` to ``b``: its allocations, its event, its frees."""
        step = self.plan.steps[i]
        recv, persistent, op_name, head = self.fields[i]
        nb_total = 0 if persistent else self._outputs(step, recv, op_name, b)
        if recv:
            self.events.append(
                TransferEvent(self.step_id, *head, nb_total, a, b, self.raw.thread_id)
            )
        else:
            dev_name, name, op_type, names = head
            self.events.append(
                OpEvent(
                    self.step_id, dev_name, name, op_type, a, b, self.raw.thread_id, nb_total, names
                )
            )
        if self.memory:
            for s in step.ins:
                self.remaining[s] -= 1
                if self.remaining[s] == 0 and self.slot_bytes[s]:
                    self._memory_event(s, -self.slot_bytes[s], b, "")
                    self.slot_bytes[s] = 0

    def _outputs(self, step, recv, op_name, when) -> int:
        """The bytes of ``step``'s new outputs (a forwarded input or a variable is none)."""
        vals, total = self.vals, 0
        for o in step.outputs:
            v = vals[o]
            if v is None or type(v) is VariableState:
                continue
            if not recv and any(
                vals[s] is v or (type(vals[s]) is VariableState and vals[s].value is v)
                for s in step.ins
            ):
                continue
            nb = nbytes_of(v)
            total += nb
            if nb and self.memory:
                self.slot_bytes[o] = nb
                self._memory_event(o, nb, when, op_name)
        return total

    def finish(self) -> list:
        """What the step still holds is freed at its end; then the end event."""
        end = self.raw.times[-1]
        for s, nb in enumerate(self.slot_bytes):
            if nb:
                self._memory_event(s, -nb, end, "")
        self.events.append(StepEvent(self.step_id, "end", end, error=self.raw.error))
        return self.events
