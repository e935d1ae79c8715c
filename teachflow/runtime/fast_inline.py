"""An optimisation of the reference loop: a plan's steps replayed in a precomputed order.

When nothing could run beside the scheduling thread (every step cheap, or the expensive
ones a chain; no GPU stream; no op that waits) and no device has a memory limit to enforce,
the reference loop (`teachflow.runtime.executor.ReferenceStep`) runs every step on the
calling thread, and the order it pops them from its ready queue depends on the plan alone.
So that order is computed once per plan, by the loop's own dependency counters
(`teachflow.runtime.step.count_down`), and each run just calls the kernels in it: no
counters, no queue, no events. `Executor.path_for` picks this path for such a plan when the
run is not traced; a traced run takes `inline_trace`, the same order timed per segment.
A plan with control flow (``Switch``/``Merge``: some tensors may be dead) is refused: it
always takes the reference loop, which alone knows deadness (`teachflow.runtime.control_flow`).

>>> import teachflow as tf
>>> from teachflow.runtime import fast_inline
>>> b = tf.constant(1.0) + 2.0
>>> with tf.Session() as sess:
...     print(sess.run(b))
...     plan = next(iter(sess._cache.values()))[2]
3.0
>>> [plan.steps[i].op.name for i in fast_inline.program(plan).order]
['Const', 'add/y', 'add']
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.step import count_down


@dataclass(slots=True)
class InlineProgram:
    """A plan's steps in the order the reference loop runs them on one thread.

    ``calls[k]`` is step ``order[k]``'s ``(kernel, ins, out, multi)``: the four fields the
    loop below reads, packed so that one unpacking reads them (four attribute reads per
    step cost about a sixth of a cheap op). They never leave this module.
    """

    order: list
    calls: list


def one_thread_order(plan) -> list:
    """The order of the reference loop's ready queue when every step runs where it is
    popped: roots first, then each step as its counter reaches zero."""
    pending = plan.pending.copy()
    ready = deque(plan.roots)
    order = []
    while ready:
        i = ready.popleft()
        order.append(i)
        count_down(plan.steps[i], pending, ready)
    return order


def program(plan) -> InlineProgram:
    """The plan's `InlineProgram`, built on first use and kept on ``plan.inline_program``."""
    prog = plan.inline_program
    if prog is None:
        order = one_thread_order(plan)
        calls = []
        for i in order:
            s = plan.steps[i]
            calls.append((s.kernel, s.ins, s.out, s.multi))
        prog = plan.inline_program = InlineProgram(order, calls)
    return prog


def run(plan, vals) -> None:
    """Run every step of ``plan`` on this thread, reading and writing ``vals`` (slots)."""
    prog = plan.inline_program or program(plan)
    call = None
    try:
        for call in prog.calls:
            kernel, ins, out, multi = call
            n = len(ins)
            # Spelled out by arity: building an argument list costs as much as a cheap op.
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
        k = next(k for k, c in enumerate(prog.calls) if c is call)
        step = plan.steps[prog.order[k]]
        raise annotate_error(exc, step.op, plan.devices[step.device_index].name) from None
