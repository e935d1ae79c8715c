"""One step on the general path: threads, GPU streams, online memory accounting, events.

The scheduling thread pops ready steps; cheap CPU ones run inline, expensive ones go to the
inter-op pool, and every op of a GPU goes to that GPU's in-order stream (as TF's one
compute stream: two ops of one GPU never overlap); they report back through a queue. Every output is
allocated on its device when produced and freed after its last consumer, so a device with
a memory limit fails the step at the node that crosses it.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections import deque

from teachflow.framework import errors
from teachflow.runtime import op_cost
from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.memory import nbytes_of
from teachflow.runtime.plan import Transfer
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent


class ParallelStep:
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
        # Allocation events only when someone reads them (see StepContext.memory).
        self.memory = self.records is not None and ctx.memory
        # Bytes are counted where a limit can be crossed or someone reads them (a trace); an
        # untraced step without limits keeps no books, like the inline path.
        self.account = plan.account_memory or self.records is not None
        self.publish = ctx.publish
        self.timings = []  # (step, ns) of expensive compute steps: see op_cost
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
        if self.account:
            for s in plan.feed_slots:
                self._allocate(s, vals[s], "_feed", None)
        ready = deque(plan.roots)
        inflight = 0
        steps = plan.steps
        handoffs = self.ex.handoffs
        try:
            while True:
                while ready and self.error is None:
                    i = ready.popleft()
                    step = steps[i]
                    dev = plan.devices[step[6]]
                    op_def = getattr(step[4], "_op_def", None)
                    blocking = op_def is not None and op_def.blocking
                    # As TF's executor: with nothing else ready, the scheduling thread runs the
                    # last expensive step itself rather than hand it off and wait (unless the
                    # caller has a deadline: only a waiting scheduler can give up on time).
                    # A step that takes less than a hand-off costs now stays here too.
                    if self.use_threads and (
                        dev.has_stream
                        or blocking
                        or (
                            step[7]
                            and (
                                ctx.deadline is not None
                                or ((ready or inflight) and handoffs.worth(plan.cost_ns[i]))
                            )
                        )
                    ):
                        args = [vals[s] for s in step[1]]
                        # Kernels may read context variables of the step (a worker's rendezvous):
                        # each pool task runs in a copy of the scheduling thread's context.
                        pool = self.ex._blocking_pool() if blocking else self.ex._queue_for(dev)
                        pool.submit(
                            contextvars.copy_context().run, self._run_async, i, step, args, now()
                        )
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
                i, r, t0, t1, tid, exc, queued_ns = self._wait()
                handoffs.note(queued_ns + now() - t1)
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
        error, self.error = self.error, None
        self._free_all()
        if error is not None:
            # Raised from a local, not from ``self.error``: that made a cycle (this step ->
            # its error -> the traceback -> this frame -> this step) which kept every tensor
            # of a failed step alive until the cyclic collector happened to run.
            raise error
        if self.timings:
            op_cost.learn(plan, self.timings)

    def _run_async(self, i, step, args, submitted):
        t0 = time.perf_counter_ns()
        try:
            r = _call(step[0], args)
            exc = None
        except Exception as e:  # noqa: BLE001 - reported to the scheduler
            r, exc = None, e
        t1 = time.perf_counter_ns()
        self.done.put((i, r, t0, t1, threading.get_ident(), exc, t0 - submitted))
        # The error's traceback holds this frame: a local naming the error is a cycle that
        # keeps the kernel's inputs alive until the cyclic collector runs.
        exc = None

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
        if step[7] and op_cost.can_learn(step):
            self.timings.append((i, t1 - t0))
            op_cost.note_cost(self.plan, i, t1 - t0)
        out_bytes = 0
        if self.account:
            try:
                # A transfer's output is a new buffer on the receiving device, even when
                # both devices share the host's memory (simulated GPUs).
                forwarded_from = None if type(op) is Transfer else ins
                for o in out if multi else (out,):
                    out_bytes += self._allocate(o, vals[o], op.name, forwarded_from)
            except errors.ResourceExhaustedError as e:
                value = r[0] if multi else r
                self.error = self._oom(e, op, self.plan.devices[self.plan.slot_device[o]], value)
                return
        if self.records is not None:
            dev_name = self.plan.devices[dev_i].name
            if type(op) is Transfer:
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
        if self.account:
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
        if self.memory:
            self._emit_memory(dev_i, alloc, nb, node)
        return nb

    def _emit_memory(self, dev_i, alloc, delta, node):
        self.emit(
            MemoryEvent(
                self.ctx.step_id,
                self.plan.devices[dev_i].name,
                alloc.name,
                time.perf_counter_ns(),
                delta,
                alloc.live_bytes,
                node,
            )
        )

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
            if self.memory:
                self._emit_memory(dev_i, alloc, -nb, "")

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
