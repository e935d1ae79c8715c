"""Run a plan: call each op's kernel once its inputs are ready.

This first executor walks the plan's topological order on the calling thread. Its
contract (``run(plan, feed_values) -> list of fetched values``, first error aborts the
step and names the failing node) is what the parallel executor keeps.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import errors


def annotate_error(exc: BaseException, op) -> errors.OpError:
    """Turn whatever a kernel raised into a `tf.errors.OpError` that names the node."""
    if isinstance(exc, errors.OpError):
        if exc.op is not None:
            return exc
        cls, message = type(exc), exc.message
    elif isinstance(exc, ValueError) and "broadcast" in str(exc):
        cls, message = errors.InvalidArgumentError, _incompatible_shapes(op, str(exc))
    elif isinstance(exc, (ValueError, TypeError, IndexError, ZeroDivisionError)):
        cls, message = errors.InvalidArgumentError, str(exc)
    elif isinstance(exc, MemoryError):
        cls, message = errors.ResourceExhaustedError, f"OOM when allocating tensor: {exc}"
    else:
        cls, message = errors.InternalError, f"{type(exc).__name__}: {exc}"
    message = f"{message}\n\t [[{{{{node {op.name}}}}}]]"
    return cls(op.node_def, op, message)


def _incompatible_shapes(op, numpy_message: str) -> str:
    shapes = [s for s in numpy_message.split("shapes")[-1].split() if s.startswith("(")]
    if len(shapes) >= 2:
        pretty = [s.strip("(),").replace(",", ",") for s in shapes[:2]]
        return f"Incompatible shapes: [{pretty[0]}] vs. [{pretty[1]}]"
    return f"Incompatible shapes: {numpy_message}"


class SequentialExecutor:
    """Runs every step of a plan in order on the calling thread."""

    def run(self, plan, feed_values):
        vals = [None] * plan.num_slots
        for slot, v in zip(plan.feed_slots, feed_values):
            vals[slot] = v
        step = None
        try:
            with np.errstate(all="ignore"):
                for step in plan.step_tuples:
                    kernel, ins, out, multi, _ = step
                    n = len(ins)
                    if n == 2:
                        r = kernel(vals[ins[0]], vals[ins[1]])
                    elif n == 1:
                        r = kernel(vals[ins[0]])
                    elif n == 0:
                        r = kernel()
                    else:
                        r = kernel(*[vals[i] for i in ins])
                    if multi:
                        for o, x in zip(out, r):
                            vals[o] = x
                    else:
                        vals[out] = r
        except Exception as exc:
            if step is None:
                raise
            raise annotate_error(exc, step[4]) from None
        return [vals[s] for s in plan.fetch_slots]
