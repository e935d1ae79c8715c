"""The executor: run a plan's steps as their inputs become ready.

Each step has a *dependency counter*: the number of steps (data and control inputs,
transfers) it waits for. Steps whose counter reaches zero enter the ready queue. Cheap ops
run inline on the scheduling thread; expensive ones go to the inter-op thread pool (on a
CPU) or to their GPU's stream (one in-order thread per GPU), so independent work runs in
parallel. The first error aborts the step: nothing more is scheduled, and the error names
the node and its device.

While a step runs, each output's bytes are allocated on its device and freed after its
last consumer; a device with a memory limit raises `ResourceExhaustedError` past it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from teachflow.framework import errors
from teachflow.runtime.memory import nbytes_of
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent


def annotate_error(exc: BaseException, op, device=None) -> errors.OpError:
    """Turn whatever a kernel raised into a `tf.errors.OpError` that names the node."""
    if isinstance(exc, errors.OpError):
        if exc.op is not None:
            return exc
        cls, message = type(exc), exc.message
    elif isinstance(exc, ValueError) and "broadcast" in str(exc):
        cls, message = errors.InvalidArgumentError, _incompatible_shapes(str(exc))
    elif isinstance(exc, (ValueError, TypeError, IndexError, ZeroDivisionError)):
        cls, message = errors.InvalidArgumentError, str(exc)
    elif isinstance(exc, MemoryError):
        cls, message = errors.ResourceExhaustedError, f"OOM when allocating tensor: {exc}"
    else:
        cls, message = errors.InternalError, f"{type(exc).__name__}: {exc}"
    where = f" on {device}" if device else ""
    message = f"{message}\n\t [[{{{{node {op.name}}}}}{where}]]"
    node_def = op.node_def if hasattr(op, "node_def") else None
    return cls(node_def, op if hasattr(op, "node_def") else None, message)


def _incompatible_shapes(numpy_message: str) -> str:
    shapes = [s for s in numpy_message.split("shapes")[-1].split() if s.startswith("(")]
    if len(shapes) >= 2:
        pretty = [s.strip("(),") for s in shapes[:2]]
        return f"Incompatible shapes: [{pretty[0]}] vs. [{pretty[1]}]"
    return f"Incompatible shapes: {numpy_message}"


class StepContext:
    """What one run asks of the executor beyond the plan, and what it recorded."""

    __slots__ = (
        "step_id",
        "deadline",
        "record",
        "publish",
        "report_allocations",
        "records",
        "_inline",
    )

    def __init__(
        self, step_id=0, timeout_ms=0, record=False, publish=None, report_allocations=False
    ):
        self.step_id = step_id
        self.deadline = (
            time.monotonic() + timeout_ms / 1000.0 if timeout_ms and timeout_ms > 0 else None
        )
        self.record = record or publish is not None
        self.publish = publish  # a callable(event), or None
        self.report_allocations = report_allocations
        self.records = []  # events of this step when record is on
        self._inline = None  # (plan, order, vals, times, thread): an inline step's raw trace

    def set_inline_trace(self, plan, order, vals, times):
        self._inline = (plan, order, vals, times, threading.get_ident())
        if self.publish is not None:
            for ev in self.events():
                self.publish(ev)

    def events(self) -> list:
        """The step's events; an inline step's are built now, on first request."""
        if self._inline is not None:
            plan, order, vals, times, tid = self._inline
            self._inline = None  # drop the step's tensors once their sizes are read
            self.records = _replay(plan, order, vals, times, tid, self.step_id)
        return self.records


class Executor:
    """Runs plans. One per session (or per worker), owning its threads."""

    def __init__(self, inter_op_threads: int = 0):
        import os

        self.inter_op_threads = inter_op_threads if inter_op_threads > 0 else (os.cpu_count() or 2)
        self._pool = None
        self._streams = {}
        self._lock = threading.Lock()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        for s in self._streams.values():
            s.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self._streams = {}

    def _queue_for(self, device):
        with self._lock:
            if device.has_stream:
                q = self._streams.get(device.name)
                if q is None:
                    q = self._streams[device.name] = ThreadPoolExecutor(
                        1, thread_name_prefix=f"stream-{device.name.rsplit('/', 1)[-1]}"
                    )
                return q
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.inter_op_threads, thread_name_prefix="inter-op"
                )
            return self._pool

    # -- the inline path: every step cheap, on devices without a memory limit ------------
    # With nothing to hand to another thread, the ready-queue order is fully determined
    # by the plan: it is computed once (by the same dependency counters) and replayed.
    def _inline_order(self, plan):
        order = getattr(plan, "_inline_order", None)
        if order is None:
            pending = plan.pending.copy()
            ready = deque(plan.roots)
            order = []
            while ready:
                i = ready.popleft()
                order.append(i)
                for j in plan.steps[i][5]:
                    pending[j] -= 1
                    if not pending[j]:
                        ready.append(j)
            plan._inline_order = order
            plan._inline_steps = [plan.steps[i][:4] for i in order]
            plan._segments = _segments(plan, order)
        return order

    def _run_inline(self, plan, vals):
        self._inline_order(plan)
        step = None
        try:
            for step in plan._inline_steps:
                kernel, ins, out, multi = step
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
        except Exception as exc:  # noqa: BLE001 - any kernel failure becomes an OpError
            i = plan._inline_order[plan._inline_steps.index(step)]
            raise annotate_error(
                exc, plan.steps[i][4], plan.devices[plan.steps[i][6]].name
            ) from None

    def _run_inline_traced(self, plan, vals, ctx):
        """The inline path with a clock: one reading per segment (see `_segments`). The
        events themselves are only built when someone reads them (`StepContext.events`)."""
        self._inline_order(plan)
        now = time.perf_counter_ns
        times = [now()]
        mark = times.append
        seg_no = 0
        step = None
        try:
            for seg_no, seg in enumerate(plan._segments):  # noqa: B007 - read on error
                for step in seg:
                    kernel, ins, out, multi = step
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
            done = sum(len(sg) for sg in plan._segments[:seg_no]) + plan._segments[seg_no].index(
                step
            )
            i = plan._inline_order[done]
            ctx.set_inline_trace(plan, plan._inline_order[:done], vals, times)
            raise annotate_error(
                exc, plan.steps[i][4], plan.devices[plan.steps[i][6]].name
            ) from None
        ctx.set_inline_trace(plan, plan._inline_order, vals, times)

    def run(self, plan, feed_values, ctx: StepContext):
        vals = [None] * plan.num_slots
        for slot, v in zip(plan.feed_slots, feed_values):
            vals[slot] = v
        use_threads = plan.needs_threads and (
            self.inter_op_threads > 1 or any(d.has_stream for d in plan.devices)
        )
        with np.errstate(all="ignore"):
            if use_threads or plan.account_memory:
                _StepRun(self, plan, vals, ctx, use_threads).run()
            elif ctx.record:
                self._run_inline_traced(plan, vals, ctx)
            else:
                self._run_inline(plan, vals)
        return [vals[s] for s in plan.fetch_slots]


# A clock reading costs about as much as a cheap op, so timing each one would mostly
# measure the clock. Cheap ops are timed in segments of up to this many, the segment's
# time shared evenly; an expensive op or a transfer is a segment of its own.
SEGMENT = 32


def _segments(plan, order):
    segs, cur = [], []
    for i in order:
        step = plan.steps[i]
        alone = step[7] or step[4].type == "_Recv"
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


def _replay(plan, order, vals, times, tid, step_id):
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
            recv = op.type == "_Recv"
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
            if op.type == "_Recv":
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


class _StepRun:
    """The state of one step on the general path."""

    def __init__(self, executor, plan, vals, ctx, use_threads):
        self.ex = executor
        self.plan = plan
        self.vals = vals
        self.ctx = ctx
        self.use_threads = use_threads
        self.pending = plan.pending.copy()
        self.remaining = plan.consumers.copy()
        self.slot_bytes = [0] * plan.num_slots
        self.allocators = [d.allocator for d in plan.devices]
        self.records = ctx.records if ctx.record else None
        self.publish = ctx.publish
        self.done = queue.SimpleQueue()
        self.error = None

    def emit(self, event):
        if self.records is not None:
            self.records.append(event)
        if self.publish is not None:
            self.publish(event)

    def run(self):
        plan, vals, ctx = self.plan, self.vals, self.ctx
        now = time.perf_counter_ns
        if self.records is not None:
            self.emit(StepEvent(ctx.step_id, "start", now()))
        # Fed values are allocated where they arrive.
        for s in plan.feed_slots:
            self._allocate(s, vals[s], "_feed", None)
        ready = deque(plan.roots)
        inflight = 0
        steps = plan.steps
        try:
            while True:
                while ready and self.error is None:
                    i = ready.popleft()
                    step = steps[i]
                    dev = plan.devices[step[6]]
                    if self.use_threads and (step[7] or (dev.has_stream and step[7])):
                        args = [vals[s] for s in step[1]]
                        self.ex._queue_for(dev).submit(self._run_async, i, step, args)
                        inflight += 1
                        continue
                    t0 = now()
                    try:
                        r = _call(step[0], [vals[s] for s in step[1]])
                    except Exception as exc:  # noqa: BLE001 - becomes an OpError
                        self.error = annotate_error(exc, step[4], dev.name)
                        break
                    self._complete(i, step, r, t0, now(), threading.get_ident(), ready)
                if self.error is not None or not inflight:
                    break
                i, r, t0, t1, tid, exc = self._wait()
                inflight -= 1
                step = steps[i]
                if exc is not None:
                    self.error = annotate_error(exc, step[4], plan.devices[step[6]].name)
                    continue
                self._complete(i, step, r, t0, t1, tid, ready)
            # After an error, let what is already running finish (bounded), then report.
            while inflight:
                try:
                    self.done.get(timeout=_remaining(ctx.deadline, default=30.0))
                except queue.Empty:
                    break
                inflight -= 1
        finally:
            if self.records is not None:
                self.emit(
                    StepEvent(
                        ctx.step_id, "end", now(), error=str(self.error) if self.error else ""
                    )
                )
        if self.error is not None:
            self._free_all()
            raise self.error
        self._free_all()

    def _run_async(self, i, step, args):
        t0 = time.perf_counter_ns()
        try:
            r = _call(step[0], args)
            exc = None
        except Exception as e:  # noqa: BLE001 - reported to the scheduler
            r, exc = None, e
        self.done.put((i, r, t0, time.perf_counter_ns(), threading.get_ident(), exc))

    def _wait(self):
        timeout = _remaining(self.ctx.deadline)
        try:
            return self.done.get(timeout=timeout)
        except queue.Empty:
            running = [
                self.plan.steps[j][4].name
                for j in range(len(self.plan.steps))
                if self.pending[j] == 0 and not self._finished(j)
            ][:5]
            raise errors.DeadlineExceededError(
                None,
                None,
                "Timed out waiting for the step to finish (operation_timeout_in_ms / "
                f"timeout_in_ms). Still running: {', '.join(running) or 'unknown'}",
            ) from None

    def _finished(self, j):
        out = self.plan.steps[j][2]
        first = out[0] if isinstance(out, tuple) else out
        return first is not None and self.vals[first] is not None

    def _complete(self, i, step, r, t0, t1, tid, ready):
        kernel, ins, out, multi, op, succ, dev_i, _ = step
        vals = self.vals
        if multi:
            for o, x in zip(out, r):
                vals[o] = x
        else:
            vals[out] = r
        out_bytes = 0
        try:
            # A transfer's output is a new buffer on the receiving device, even when
            # both devices share the host's memory (simulated GPUs).
            forwarded_from = None if op.type == "_Recv" else ins
            for o in out if multi else (out,):
                out_bytes += self._allocate(o, vals[o], op.name, forwarded_from)
        except errors.ResourceExhaustedError as e:
            value = r[0] if multi else r
            self.error = self._oom(e, op, self.plan.devices[self.plan.slot_device[o]], value)
            return
        if self.records is not None:
            dev_name = self.plan.devices[dev_i].name
            if op.type == "_Recv":
                self.emit(
                    TransferEvent(
                        self.ctx.step_id,
                        op.src.name,
                        op.dst.name,
                        op.tensor.name,
                        out_bytes,
                        t0,
                        t1,
                        tid,
                    )
                )
            else:
                names = tuple(t.name for t in op._inputs)
                self.emit(
                    OpEvent(
                        self.ctx.step_id, dev_name, op.name, op.type, t0, t1, tid, out_bytes, names
                    )
                )
        for s in ins:
            self._release(s)
        pending = self.pending
        for j in succ:
            c = pending[j] - 1
            pending[j] = c
            if not c:
                ready.append(j)

    def _allocate(self, slot, value, node, ins):
        if value is None or type(value) is VariableState or node in self.plan.persistent_nodes:
            return 0
        # A forwarded input (identity, a variable's read) is the same buffer: no new bytes.
        if ins:
            for s in ins:
                v = self.vals[s]
                if v is value or (type(v) is VariableState and v.value is value):
                    return 0
        nb = nbytes_of(value)
        if not nb:
            return 0
        dev_i = self.plan.slot_device[slot]
        alloc = self.allocators[dev_i]
        alloc.allocate(nb)
        self.slot_bytes[slot] = nb
        if self.records is not None:
            self.emit(
                MemoryEvent(
                    self.ctx.step_id,
                    self.plan.devices[dev_i].name,
                    alloc.name,
                    time.perf_counter_ns(),
                    nb,
                    alloc.live_bytes,
                    node,
                )
            )
        return nb

    def _release(self, slot):
        c = self.remaining[slot] - 1
        self.remaining[slot] = c
        if c == 0:
            self._free(slot)

    def _free(self, slot):
        nb = self.slot_bytes[slot]
        if nb:
            self.slot_bytes[slot] = 0
            dev_i = self.plan.slot_device[slot]
            alloc = self.allocators[dev_i]
            alloc.free(nb)
            if self.records is not None:
                self.emit(
                    MemoryEvent(
                        self.ctx.step_id,
                        self.plan.devices[dev_i].name,
                        alloc.name,
                        time.perf_counter_ns(),
                        -nb,
                        alloc.live_bytes,
                        "",
                    )
                )

    def _free_all(self):
        for s, nb in enumerate(self.slot_bytes):
            if nb:
                self._free(s)

    def _oom(self, e, op, device, value=None):
        shape = list(getattr(value, "shape", ()))
        dtype = getattr(getattr(value, "dtype", None), "name", "?")
        requested = getattr(e, "requested", 0)
        msg = (
            f"OOM when allocating tensor for {op.name} with shape{shape} and type {dtype} "
            f"on {device.name} by allocator {device.allocator.name}: requested {requested} "
            f"bytes, {getattr(e, 'in_use', 0)} bytes already in use, limit "
            f"{device.allocator.limit} bytes"
        )
        if self.ctx.report_allocations:
            dev_i = self.plan.devices.index(device)
            live = [
                f"  {self.slot_bytes[s]} bytes: {_slot_name(self.plan, s)}"
                for s in range(self.plan.num_slots)
                if self.slot_bytes[s] and self.plan.slot_device[s] == dev_i
            ]
            msg += "\nCurrent usage from device: " + device.name + "\n" + "\n".join(live)
        else:
            msg += (
                "\nHint: If you want to see a list of allocated tensors when OOM happens, add "
                "report_tensor_allocations_upon_oom to RunOptions for current allocation info."
            )
        return errors.ResourceExhaustedError(
            op.node_def, op, f"{msg}\n\t [[{{{{node {op.name}}}}} on {device.name}]]"
        )


def _slot_name(plan, slot):
    for step in plan.steps:
        out = step[2]
        if out == slot or (isinstance(out, tuple) and slot in out):
            return step[4].name
    return f"slot {slot}"


def _call(kernel, args):
    return kernel(*args)


def _remaining(deadline, default=None):
    if deadline is None:
        return default
    left = deadline - time.monotonic()
    if left <= 0:
        return 0.000001
    return left
