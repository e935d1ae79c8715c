"""Dead tensors in the executor: TensorFlow 1.x's rules for ``Switch`` and ``Merge``.

A ``Switch`` forwards its input to one output and leaves the other *dead* (the `DEAD`
marker in its slot). Deadness then spreads by one rule, TF's executor's: an op with a dead
data input, or a control input from an op that was dead, does not run; its outputs are
dead and it is *dead* itself (for its control edges). Three exceptions:

* ``Merge`` runs when any data input is live (TF starts it on the first live input; here
  it waits for all of them, dead ones included, and takes the first live one: the same
  value for a cond, where exactly one input is live). Dead control inputs do not kill it.
* ``ControlTrigger`` always runs and is never dead.
* A ``_Send``/``_Recv`` pair runs with a dead value and carries the deadness across, so
  the other task learns it too (a plan's own copy between devices is skipped: its output
  is dead as its input was).

A dead op does not run, so it has no event: a trace (and TF's step stats) lists only the
ops that ran. Fetching a dead tensor is TF's ``InvalidArgumentError`` "Retval[i] does not
have value".

The reference loop (`teachflow.runtime.executor.ReferenceStep`) asks `Deadness.skip`
before it runs each step of a plan with control flow, or with a ``_Recv`` from another task
(whose partition may have sent a dead tensor); other plans never get here, and the fast
paths refuse plans with it (`Executor.path_for`).

>>> import teachflow as tf
>>> from teachflow.ops.control_flow_primitives import switch
>>> f, t = switch(tf.constant(1.0), tf.constant(True))
>>> with tf.Session() as sess:
...     sess.run(f)
Traceback (most recent call last):
...
teachflow.framework.errors.InvalidArgumentError: Retval[0] does not have value
"""

from __future__ import annotations

from teachflow.framework import errors
from teachflow.framework.operation import Operation
from teachflow.ops.control_flow_primitives import DEAD, MERGE_TYPES

# Op types that make a plan take the reference loop with deadness on.
CONTROL_FLOW_TYPES = frozenset(
    {
        "Switch",
        "RefSwitch",
        "_SwitchN",
        "Merge",
        "RefMerge",
        "ControlTrigger",
        "Enter",
        "RefEnter",
        "Exit",
        "RefExit",
        "NextIteration",
        "RefNextIteration",
        "LoopCond",
        "Frame",  # a whole while loop as one step (teachflow.runtime.control_flow_frames)
    }
)
# Ops that run whatever their inputs: they carry deadness to another task.
TRANSFER_TYPES = frozenset({"_Send", "_Recv", "_HostSend", "_HostRecv"})
RECEIVE_TYPES = frozenset({"_Recv", "_HostRecv"})


def has_control_flow(ops) -> bool:
    """Whether some tensor of a step of ``ops`` may be dead: one of them routes values, or
    receives from another task (whose graph may; TF's executor always knows deadness)."""
    return any(op.type in CONTROL_FLOW_TYPES or op.type in RECEIVE_TYPES for op in ops)


class Deadness:
    """Which steps of one run were dead; asked by the reference loop before each step."""

    __slots__ = ("dead", "control_preds", "kinds")

    def __init__(self, plan):
        self.dead = [False] * len(plan.steps)
        self.control_preds = plan.control_preds  # step -> steps it waits for by control edge
        self.kinds = plan.step_kinds  # step -> "merge" | "trigger" | "transfer" | None

    def skip(self, i, step, vals) -> bool:
        """Whether step ``i`` is dead: if so its outputs become `DEAD` and it must not run."""
        kind = self.kinds[i]
        if kind is None:
            is_dead = any(vals[s] is DEAD for s in step.ins) or any(
                self.dead[p] for p in self.control_preds.get(i, ())
            )
        elif kind == "merge":
            is_dead = all(vals[s] is DEAD for s in step.ins)
        else:  # a trigger or a transfer always runs
            return False
        if is_dead:
            self.dead[i] = True
            for o in step.outputs:
                vals[o] = DEAD
        return is_dead


def step_kinds(plan) -> list:
    """Per step, which exception to the deadness rule it is (see the module docstring)."""
    kinds = []
    for step in plan.steps:
        op = step.op
        if isinstance(op, Operation) and op.type in TRANSFER_TYPES:
            # (a plan's own copy between devices is not: a dead value needs no copy)
            kinds.append("transfer")
        elif op.type in MERGE_TYPES:
            kinds.append("merge")
        elif op.type == "ControlTrigger":
            kinds.append("trigger")
        else:
            kinds.append(None)
    return kinds


def check_fetches(values) -> None:
    """TF's error for a fetched tensor that is dead (it was on a branch not taken)."""
    for k, v in enumerate(values):
        if v is DEAD:
            raise errors.InvalidArgumentError(None, None, f"Retval[{k}] does not have value")
