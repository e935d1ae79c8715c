"""The executor: run a plan's steps as their inputs become ready.

This module holds THE reference loop (`ReferenceStep`); `fast_inline` and `inline_trace`
are optimisations of it for plans where nothing could run beside the scheduling thread.

Each step of a plan (a `teachflow.runtime.step.Step`) has a *dependency counter*: the number
of steps (data and control inputs, transfers) it waits for. Steps whose counter is zero wait
in the *ready queue*. The scheduling thread pops a ready step and runs it: a cheap op right
there, an expensive one on the inter-op thread pool, an op of a GPU on that GPU's stream (one
in-order thread per GPU, as TF's compute stream), an op that waits (a queue, a receive) on a
thread of its own. When a step finishes, its outputs go into their slots and each successor's
counter drops by one; a successor at zero joins the ready queue. The first error aborts the
step: nothing more is scheduled, and the error names the node and its device.

The chapter's example, ``a`` on the ps, ``b = a + 2`` and ``c = a * 3`` on the worker, is a
plan of six steps (in the order the ops were created; the copy is added where b first needs
``a`` on the worker)::

    step   op                        waits for           counter at start
    0      a          (ps)           -                   0
    1      b/y = 2    (worker)       -                   0
    2      copy a -> worker          0                   1
    3      b = a + 2  (worker)       1, 2                2
    4      c/y = 3    (worker)       -                   0
    5      c = a * 3  (worker)       2, 4                2

The ready queue starts with the roots, [0, 1, 4]. Step 0 runs; its successor, the copy, drops
to 0 and joins the queue: [1, 4, 2]. Steps 1 and 4 run, bringing b and c down to 1; the copy
runs, and b and c both drop to 0: [3, 5]. Were b and c expensive (two MatMuls), the scheduling
thread would hand b to the inter-op pool and run c itself, and the two would overlap.

While a step runs, each output's bytes are allocated on its device and freed after its last
consumer (`step_memory`); a device with a memory limit raises `ResourceExhaustedError` past it.

>>> import teachflow as tf
>>> a = tf.constant(1.0)
>>> b, c = a + 2.0, a * 3.0
>>> with tf.Session() as sess:
...     print(*sess.run([b, c]))
3.0 3.0
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
import time
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from teachflow.framework import errors
from teachflow.ops.kernel_context import step_deadline
from teachflow.runtime import control_flow, control_flow_frames, fast_inline, inline_trace, op_cost
from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.plan import Transfer
from teachflow.runtime.step import count_down
from teachflow.runtime.step_memory import StepMemory
from teachflow.trace.events import OpEvent, StepEvent, TransferEvent
from teachflow.trace.events import bus as trace_bus

# The paths `Executor.run` can take (``path=None`` picks one; see `Executor.path_for`).
# How long past the step's deadline the scheduler waits for a kernel's own deadline error.
DEADLINE_GRACE_S = 0.25

REFERENCE = "reference"  # ReferenceStep: the loop above, threads and memory books as needed
INLINE = "inline"  # fast_inline: the loop's one-thread order, precomputed and replayed
INLINE_TRACED = "inline_traced"  # inline_trace: the same, timed per segment of steps
PATHS = (REFERENCE, INLINE, INLINE_TRACED)


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
        self._inline = None  # an inline step's raw trace (inline_trace.RawTrace)

    def set_inline_trace(self, raw):
        """Keep an inline step's raw trace; its events are built when first read (or now,
        when someone subscribes to them)."""
        self._inline = raw
        if self.publish is not None:
            for ev in self.events():
                self.publish(ev)

    def events(self) -> list:
        """The step's events; an inline step's are built now, on first request."""
        if self._inline is not None:
            raw, self._inline = self._inline, None  # drop the step's tensors once read
            self.records = inline_trace.replay(raw, self.step_id, self.memory)
        return self.records


class Executor:
    """Runs plans. One per session (or per worker), owning its threads.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.constant(2.0) * 3.0))
    6.0
    """

    def __init__(self, inter_op_threads: int = 0):
        self.inter_op_threads = inter_op_threads if inter_op_threads > 0 else (os.cpu_count() or 2)
        # The scheduling thread runs steps too: it is one of the inter-op threads, so at most
        # ``inter_op_threads`` steps run at once (and show as lanes), as in TensorFlow.
        self.pool_threads = max(1, self.inter_op_threads - 1)
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
                self._pool = ThreadPoolExecutor(self.pool_threads, thread_name_prefix="inter-op")
            return self._pool

    def uses_threads(self, plan, ctx) -> bool:
        """Whether a run hands steps to other threads: when two expensive steps could overlap
        (or the caller's deadline needs a waiting scheduler), and there are threads to use."""
        return (plan.needs_threads or (plan.has_expensive and ctx.deadline is not None)) and (
            self.inter_op_threads > 1
            or plan.has_blocking
            or any(d.has_stream for d in plan.devices)
        )

    def path_for(self, plan, ctx) -> str:
        """The path a run takes by default: the reference loop when something may run beside
        the scheduling thread or a device has a memory limit to enforce; else the inline
        fast path (timed per segment when the run is traced)."""
        expensive = plan.needs_threads or plan.has_expensive
        # Dead tensors (control flow) are only understood by the reference loop.
        if plan.account_memory or plan.has_control_flow:
            return REFERENCE
        if expensive and self.uses_threads(plan, ctx):
            return REFERENCE
        return INLINE_TRACED if ctx.record else INLINE

    def run(self, plan, feed_values, ctx: StepContext, path: str | None = None) -> list:
        """Run ``plan`` once with ``feed_values`` in its feed slots; the fetched values.

        ``path`` forces one of `PATHS` (tests compare them): ``"reference"`` is the loop
        of `ReferenceStep`; ``"inline"`` and ``"inline_traced"`` run every step on the
        calling thread in the plan's precomputed order, which gives the reference loop's
        values, errors and events for any plan, but neither enforces a device's memory
        limit nor overlaps steps, and a step that waits for another step blocks the run.
        """
        if path is None:
            path = self.path_for(plan, ctx)
        elif path not in PATHS:
            raise ValueError(f"path must be one of {PATHS} or None, got {path!r}")
        if plan.has_control_flow:
            path = REFERENCE  # the fast paths do not know dead tensors: they refuse such plans
        vals = [None] * plan.num_slots
        for slot, v in zip(plan.feed_slots, feed_values):
            vals[slot] = v
        # Blocking kernels (queue ops) read the step's deadline from this context variable.
        token = step_deadline.set(ctx.deadline)
        try:
            with np.errstate(all="ignore"):
                if path == INLINE:
                    fast_inline.run(plan, vals)
                elif path == INLINE_TRACED:
                    inline_trace.run(plan, vals, ctx)
                else:
                    ReferenceStep(self, plan, vals, ctx, self.uses_threads(plan, ctx)).run()
                    if plan.has_control_flow:
                        control_flow.check_fetches([vals[s] for s in plan.fetch_slots])
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


class ReferenceStep:
    """One run of a plan on the reference loop: the ready queue and dependency counters,
    hand-offs to the inter-op pool and GPU streams, memory books and events."""

    def __init__(self, executor, plan, vals, ctx, use_threads):
        self.ex = executor
        self.plan = plan
        self.vals = vals
        self.ctx = ctx
        self.use_threads = use_threads
        self.pending = plan.pending.copy()  # the dependency counters
        self.ready = deque(plan.roots)
        self.inflight = 0  # steps handed to other threads, not yet back
        self.on_pool = 0  # of those, steps on the inter-op pool
        self.records = ctx.records if ctx.record else None
        self.publish = ctx.publish
        # Bytes are counted where a limit can be crossed or someone reads them (a trace); an
        # untraced step without limits keeps no books, like the inline path.
        account = plan.account_memory or self.records is not None
        self.memory = (
            StepMemory(plan, vals, ctx.step_id, self.emit, self.records is not None and ctx.memory)
            if account
            else None
        )
        self.timings = []  # (step, ns) of expensive compute steps: see op_cost
        self.done = queue.SimpleQueue()  # what other threads hand back
        self.error = None
        # Control flow: which steps are dead (they do not run); None when nothing can be.
        self.deadness = control_flow.Deadness(plan) if plan.has_control_flow else None

    def emit(self, event):
        if self.records is not None:
            self.records.append(event)
        if self.publish is not None:
            self.publish(event)

    def run(self):
        plan, vals, ctx = self.plan, self.vals, self.ctx
        if self.records is not None:
            self.emit(StepEvent(ctx.step_id, "start", time.perf_counter_ns()))
        if self.memory is not None:  # fed values are allocated where they arrive
            for s in plan.feed_slots:
                self.memory.allocate(s, vals[s], "_feed", None)
        # A traced step's loop frames report each op of each iteration (control_flow_frames).
        traced = plan.has_control_flow and (self.records is not None or self.publish is not None)
        frames_token = (
            control_flow_frames.inner_events.set((ctx.step_id, self.emit)) if traced else None
        )
        try:
            while True:
                self._run_ready()
                if self.error is not None or not self.inflight:
                    break
                self._take_back()
            # After an error, let what is already running finish (bounded), then report.
            while self.inflight:
                try:
                    self.done.get(timeout=_remaining(ctx.deadline, default=30.0))
                except queue.Empty:
                    break
                self.inflight -= 1
        finally:
            if frames_token is not None:
                control_flow_frames.inner_events.reset(frames_token)
            if self.memory is not None:
                self.memory.free_all()
            if self.records is not None:
                error = str(self.error or "")
                self.emit(StepEvent(ctx.step_id, "end", time.perf_counter_ns(), error=error))
        error, self.error = self.error, None
        if error is not None:
            # Raised from a local, not from ``self.error``: that made a cycle (this step ->
            # its error -> the traceback -> this frame -> this step) which kept every tensor
            # of a failed step alive until the cyclic collector happened to run.
            raise error
        if self.timings:
            op_cost.learn(plan, self.timings)

    def _run_ready(self):
        """Pop ready steps until none is left (or one failed): run each here, or hand it off."""
        plan, vals, ready, now = self.plan, self.vals, self.ready, time.perf_counter_ns
        while ready and self.error is None:
            i = ready.popleft()
            step = plan.steps[i]
            if self.deadness is not None and self.deadness.skip(i, step, vals):
                self._complete_dead(step)  # a dead step does not run: no kernel, no event
                continue
            if self.use_threads and self._hand_off(i, step):
                args = [vals[s] for s in step.ins]
                # Kernels may read context variables of the step (a worker's rendezvous):
                # each pool task runs in a copy of the scheduling thread's context.
                dev = plan.devices[step.device_index]
                pool = self.ex._blocking_pool() if step.blocking else self.ex._queue_for(dev)
                pool.submit(contextvars.copy_context().run, self._run_async, i, step, args, now())
                self.inflight += 1
                self.on_pool += self._on_pool(step)
                continue
            t0 = now()
            try:
                r = step.kernel(*[vals[s] for s in step.ins])
            except Exception as exc:  # noqa: BLE001 - becomes an OpError
                self.error = annotate_error(exc, step.op, plan.devices[step.device_index].name)
                return
            self._complete(i, step, r, t0, now(), threading.get_ident())

    def _hand_off(self, i, step) -> bool:
        """Whether ``step`` runs on another thread. A GPU's ops go to its stream and a
        waiting op to a thread of its own. The scheduling thread is one of the inter-op
        threads: when the others are all busy it runs the step itself. As TF's executor,
        with nothing else ready it runs the last expensive step itself rather than hand it
        off and wait (unless the caller has a deadline: only a waiting scheduler can give up
        on time); a step that takes less than a hand-off costs now stays here too."""
        if step.blocking or self.plan.devices[step.device_index].has_stream:
            return True
        if not step.expensive:
            return False
        if self.on_pool >= self.ex.pool_threads:
            return False  # every other inter-op thread is busy: this one is the last free
        if self.ctx.deadline is not None:
            return True
        busy = self.ready or self.inflight
        return bool(busy) and self.ex.handoffs.worth(self.plan.cost_ns[i])

    def _on_pool(self, step) -> bool:
        return not step.blocking and not self.plan.devices[step.device_index].has_stream

    def _run_async(self, i, step, args, submitted):
        """On a pool thread: run the kernel, hand the result back to the scheduling thread."""
        t0 = time.perf_counter_ns()
        try:
            r = step.kernel(*args)
            exc = None
        except Exception as e:  # noqa: BLE001 - reported to the scheduler
            r, exc = None, e
        t1 = time.perf_counter_ns()
        self.done.put((i, r, t0, t1, threading.get_ident(), exc, t0 - submitted))
        # The error's traceback holds this frame: a local naming the error is a cycle that
        # keeps the kernel's inputs alive until the cyclic collector runs.
        exc = None

    def _take_back(self):
        """Wait (until the deadline) for a handed-off step to finish, and complete it."""
        waiting = time.perf_counter_ns()
        timeout = _remaining(self.ctx.deadline)
        if timeout is not None:
            # A waiting kernel (a dequeue, a receive) watches the same deadline and says what
            # it waited for: it reports first, unless it is stuck.
            timeout += DEADLINE_GRACE_S
        try:
            i, r, t0, t1, tid, exc, queued_ns = self.done.get(timeout=timeout)
        except queue.Empty:
            self.error = self._deadline_exceeded()
            return
        # The way back costs only what this thread waited past the step's end (a result that
        # was ready while this thread ran other steps cost nothing to take).
        self.ex.handoffs.note(queued_ns + time.perf_counter_ns() - max(t1, waiting))
        self.inflight -= 1
        step = self.plan.steps[i]
        self.on_pool -= self._on_pool(step)
        if exc is not None:
            self.error = annotate_error(exc, step.op, self.plan.devices[step.device_index].name)
            return
        self._complete(i, step, r, t0, t1, tid)

    def _complete(self, i, step, r, t0, t1, tid):
        """``step`` finished with ``r``: store its outputs, count them, record the event,
        release its inputs, and count its successors down."""
        vals = self.vals
        if step.multi:
            for o, x in zip(step.out, r):
                vals[o] = x
        else:
            vals[step.out] = r
        if step.expensive and op_cost.can_learn(step):
            self.timings.append((i, t1 - t0))
            op_cost.note_cost(self.plan, i, t1 - t0)
        out_bytes = 0
        if self.memory is not None:
            try:
                out_bytes = self.memory.allocate_outputs(step, self.ctx.report_allocations)
            except errors.ResourceExhaustedError as e:
                self.error = e
                return
        if self.records is not None:
            self.emit(self._event(step, t0, t1, tid, out_bytes))
        if self.memory is not None:
            for s in step.ins:
                self.memory.release(s)
        count_down(step, self.pending, self.ready)

    def _complete_dead(self, step):
        """A dead ``step`` (see `control_flow`): its inputs are released and its successors
        counted down as if it had run, so deadness reaches them."""
        if self.memory is not None:
            for s in step.ins:
                self.memory.release(s)
        count_down(step, self.pending, self.ready)

    def _event(self, step, t0, t1, tid, out_bytes):
        op, step_id = step.op, self.ctx.step_id
        if type(op) is Transfer:
            src, dst = op.src.name, op.dst.name
            return TransferEvent(step_id, src, dst, op.tensor.name, out_bytes, t0, t1, tid)
        device = self.plan.devices[step.device_index].name
        names = tuple(t.name for t in op._inputs)
        return OpEvent(step_id, device, op.name, op.type, t0, t1, tid, out_bytes, names)

    def _deadline_exceeded(self):
        running = [
            step.op.name
            for j, step in enumerate(self.plan.steps)
            if self.pending[j] == 0 and self.vals[step.outputs[0]] is None
        ][:5]
        return errors.DeadlineExceededError(
            None,
            None,
            # TF's words for a step past its deadline, then what was still running.
            "Timed out waiting for notification (the step ran past operation_timeout_in_ms / "
            f"timeout_in_ms). Still running: {', '.join(running) or 'unknown'}",
        )


def _remaining(deadline, default=None):
    if deadline is None:
        return default
    left = deadline - time.monotonic()
    if left <= 0:
        return 0.000001
    return left
