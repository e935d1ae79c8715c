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

import threading
import time
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from teachflow.framework import errors
from teachflow.ops.kernel_context import step_deadline
from teachflow.runtime import op_cost
from teachflow.runtime.inline_trace import replay, segments
from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.parallel_step import ParallelStep
from teachflow.trace.events import bus as trace_bus


class StepContext:
    """What one run asks of the executor beyond the plan, and what it recorded."""

    __slots__ = (
        "step_id",
        "deadline",
        "record",
        "publish",
        "report_allocations",
        "records",
        "memory",
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
        # Allocation events: for a traced run (RunMetadata), or when a subscriber wants them.
        self.memory = record or (publish is not None and trace_bus.wants_memory)
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
            self.records = replay(plan, order, vals, times, tid, self.step_id, self.memory)
        return self.records


class Executor:
    """Runs plans. One per session (or per worker), owning its threads."""

    def __init__(self, inter_op_threads: int = 0):
        import os

        self.inter_op_threads = inter_op_threads if inter_op_threads > 0 else (os.cpu_count() or 2)
        self._pool = None
        self._waiters = None
        self._streams = {}
        self.handoffs = op_cost.HandOffs()
        self._lock = threading.Lock()

    def _blocking_pool(self):
        """Threads for ops that wait (queues, receives from other tasks): one each."""
        with self._lock:
            if self._waiters is None:
                self._waiters = ThreadPoolExecutor(64, thread_name_prefix="blocking-op")
            return self._waiters

    def close(self):
        if self._waiters is not None:
            self._waiters.shutdown(wait=False, cancel_futures=True)
            self._waiters = None
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
            plan._segments = segments(plan, order)
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
        use_threads = (
            plan.needs_threads or (plan.has_expensive and ctx.deadline is not None)
        ) and (
            self.inter_op_threads > 1
            or plan.has_blocking
            or any(d.has_stream for d in plan.devices)
        )
        # Blocking kernels (queue ops) read the step's deadline from this context variable.
        token = step_deadline.set(ctx.deadline)
        try:
            with np.errstate(all="ignore"):
                if use_threads or plan.account_memory:
                    ParallelStep(self, plan, vals, ctx, use_threads).run()
                elif ctx.record:
                    self._run_inline_traced(plan, vals, ctx)
                else:
                    self._run_inline(plan, vals)
        except errors.OpError as e:
            # A failed step's tensors go now, not when its error does: its traceback holds
            # the step's frames (``vals``) and its context the kernel's frame (the inputs),
            # and a caller may keep the error (a worker reporting it, a test asserting it).
            # Cleared frames still print their file and line.
            vals.clear()
            # The frames the error came through have returned (clearing the running ones is
            # refused); its suppressed context may come from a generator that lives on (a
            # dataset's), whose frame must not be cleared: it is dropped instead.
            traceback.clear_frames(e.__traceback__)
            if e.__suppress_context__:
                e.__context__ = None
            raise
        finally:
            step_deadline.reset(token)
        return [vals[s] for s in plan.fetch_slots]
