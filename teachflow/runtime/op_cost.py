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
milliseconds, and then every step runs inline (`BUSY_DELAY_NS`), as does, on any machine, a
step that would take less than two hand-offs: the cores that could have run it beside the
scheduling thread are not free anyway.
"""

from __future__ import annotations

import threading
import time

from teachflow.runtime.plan import EXPENSIVE_TYPES, needs_threads

# Below this, running a step inline beats handing it to another thread, even on an idle machine.
WORTH_A_THREAD_NS = 200_000

# A hand-off slower than this means every core is busy with other programs: a pool thread
# waits for a core, then for the GIL, while the scheduling thread could have run the step. (On
# an idle machine a hand-off takes tens of microseconds; on a 2-core laptop running other
# programs, milliseconds: a small CNN's step took 56 ms with hand-offs, 15 ms without.)
BUSY_DELAY_NS = 250_000

# While hand-offs are judged too slow, one is made anyway this often to measure them again
# (each costs milliseconds on a busy machine, so by the clock, not one in so many steps).
PROBE_SECONDS = 0.2

_lock = threading.Lock()


class HandOffs:
    """The recent cost of handing a step to another thread and getting its result back."""

    __slots__ = ("delay_ns", "_probed", "_clock")

    def __init__(self, delay_ns: int = 50_000, clock=time.monotonic):
        self.delay_ns = delay_ns
        self._clock = clock
        self._probed = clock()

    def note(self, delay_ns: int) -> None:
        self.delay_ns += (delay_ns - self.delay_ns) // 4

    def worth(self, cost_ns) -> bool:
        """Whether a step that takes ``cost_ns`` (None: not measured yet) gains from a thread:
        never while hand-offs are slower than `BUSY_DELAY_NS` (no core is free to run it
        beside the scheduling thread: the handed-off step would only queue for one), else when
        it takes longer than two hand-offs. A skipped hand-off is made anyway every
        `PROBE_SECONDS`, so a machine that becomes idle is noticed."""
        if self.delay_ns < BUSY_DELAY_NS and (cost_ns is None or cost_ns > 2 * self.delay_ns):
            return True
        now = self._clock()
        if now - self._probed >= PROBE_SECONDS:
            self._probed = now
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
