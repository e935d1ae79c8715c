"""The unit of work of a plan: one `Step` per op (or transfer) the executor runs.

A plan (`teachflow.runtime.plan`) is a list of steps in a topological order. Values live in
numbered *slots*: a step reads its input slots, calls its kernel, and writes its output
slot(s). Each step knows which steps wait for it (``successors``) and how many steps it
waits for (``num_predecessors``: data inputs, control inputs and transfers): that number is
the step's *dependency counter* at the start of a run, and `count_down` is what finishing a
step does to its successors' counters. Everything that runs or replays a plan (the
executor's loop, its fast paths, the cost learning of `op_cost`, the virtual-time
simulation in `teachflow.sim`) reads these fields by name.

>>> from teachflow.runtime.step import Step, count_down
>>> a = Step(kernel=lambda: 1.0, ins=(), out=0, multi=False, op=None, successors=(1,),
...          device_index=0, expensive=False, num_predecessors=0)
>>> pending, ready = [0, 1], []
>>> count_down(a, pending, ready)  # a finished: b (step 1) has nothing left to wait for
>>> ready
[1]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True, eq=False)
class Step:
    """One op (or one transfer between devices) of a plan, ready to run.

    ``ins`` are the slots the kernel reads, in argument order; ``out`` is the slot it
    writes, or, when ``multi``, a tuple of slots (one per output). ``op`` is the graph's
    `Operation`, or a `teachflow.runtime.plan.Transfer` for a copy between devices.
    ``expensive`` says the kernel is worth a thread of its own (a MatMul, a large output);
    `op_cost` may clear it once the step is measured to be fast. ``blocking`` says the
    kernel may wait on something outside the step (a queue, a receive from another task).
    """

    kernel: Callable[..., Any] | None
    ins: tuple[int, ...]
    out: int | tuple[int, ...]
    multi: bool
    op: Any
    successors: tuple[int, ...]
    device_index: int
    expensive: bool
    num_predecessors: int = 0
    blocking: bool = False

    @property
    def outputs(self) -> tuple[int, ...]:
        """The output slots, always as a tuple."""
        return self.out if self.multi else (self.out,)

    def __repr__(self):
        return f"<Step {self.op.name} on device {self.device_index} -> {self.successors}>"


def count_down(step: Step, pending: list, ready) -> None:
    """``step`` finished: each successor's counter drops by one, and a successor whose
    counter reaches zero joins the ``ready`` queue (anything with ``append``)."""
    for j in step.successors:
        c = pending[j] - 1
        pending[j] = c
        if not c:
            ready.append(j)
