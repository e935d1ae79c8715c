"""Which steps are worth another thread: learned from how long they take, as TF's executor does.

A step is *expensive* when the plan is built if its op type is a big one (MatMul, Conv2D...) or
its output is large (see ``plan.is_expensive``): such steps go to the inter-op pool so that two
of them can run at once. But a MatMul of a 100x8 batch by 8x1 weights takes microseconds, while
handing it to a pool thread and back takes tens of microseconds on an idle machine and
milliseconds on a busy one (two queue hand-offs and a thread wake-up that waits for a core).

TensorFlow settles this by measurement: an expensive kernel starts with a high cost estimate that
each run updates (``OpKernel::UpdateCostEstimate``), and the executor runs a kernel inline once
its estimate falls below a threshold. teachflow does the same per plan step: the first time a
compute step is seen to finish in less than `WORTH_A_THREAD_NS`, the plan marks it cheap, and a
plan left with no two expensive steps that could overlap runs entirely on the inline path.
Measurements only ever *lower* that verdict: noise on a busy machine (a preempted thread) only
adds time, so one fast run is proof enough.

What a hand-off costs is measured too (`HandOffs`): the time from handing a step over to a pool
thread starting it, plus from its end to the scheduling thread taking the result back. On an idle
machine that is tens of microseconds; while every core is busy with other programs it is
milliseconds, and a step that would take less than twice that runs inline instead: the cores
that could have run it beside the scheduling thread are not free anyway.
"""

from __future__ import annotations

import threading

from teachflow.runtime.plan import EXPENSIVE_TYPES, needs_threads

# Below this, running a step inline beats handing it to another thread, even on an idle machine.
WORTH_A_THREAD_NS = 200_000

# While hand-offs are judged too slow, one in this many is made anyway to measure them again.
PROBE_EVERY = 16

_lock = threading.Lock()


class HandOffs:
    """The recent cost of handing a step to another thread and getting its result back."""

    __slots__ = ("delay_ns", "_skipped")

    def __init__(self, delay_ns: int = 50_000):
        self.delay_ns = delay_ns
        self._skipped = 0

    def note(self, delay_ns: int) -> None:
        self.delay_ns += (delay_ns - self.delay_ns) // 4

    def worth(self, cost_ns) -> bool:
        """Whether a step that takes ``cost_ns`` (None: not measured yet) gains from a thread."""
        if cost_ns is None or cost_ns > 2 * self.delay_ns:
            return True
        self._skipped += 1
        if self._skipped >= PROBE_EVERY:
            self._skipped = 0
            return True
        return False


def note_cost(plan, i, elapsed_ns) -> None:
    """Remember how long step ``i`` took (a moving average, as TF's cost estimate)."""
    before = plan.cost_ns[i]
    plan.cost_ns[i] = elapsed_ns if before is None else before + (elapsed_ns - before) // 4


def can_learn(step) -> bool:
    """Whether a `Step` may be judged cheap by its time: a compute kernel may (a MatMul, a small
    Conv2D or pool: `plan.EXPENSIVE_TYPES`, or any op expensive only for its output's size);
    an op that waits (a dequeue, a receive) never, nor one registered expensive for what it
    does beyond computing (file I/O, a Python function): its time says nothing of the next."""
    op = step.op
    op_def = getattr(op, "_op_def", None)
    if not step.expensive or op_def is None or op_def.blocking:
        return False
    return op_def.cheap or op.type in EXPENSIVE_TYPES


def learn(plan, timings) -> None:
    """Mark cheap the steps of ``timings`` (step index, elapsed ns) that ran fast enough."""
    fast = [i for i, ns in timings if ns < WORTH_A_THREAD_NS]
    if not fast:
        return
    with _lock:  # sessions may run one plan from several threads
        for i in fast:
            plan.steps[i].expensive = False
        plan.needs_threads = needs_threads(plan)
