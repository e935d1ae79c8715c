"""What a running kernel may ask of the step it runs in: TensorFlow's ``OpKernelContext``.

A kernel is built once per node and device (``make(op, device)``: the device brings its
array module ``xp``, its allocator and its resource manager) and then called once per step.
What changes from step to step — the step's deadline and its cancellation manager — the
executor sets here, around the step, as context variables; a blocking kernel (a queue's
dequeue, an accumulator's take) reads them while it waits. The runtime *writes* them and
the kernels *read* them, so the ops never import the runtime that schedules them.

Pool threads run kernels in a copy of the scheduling thread's context, so a kernel on any
inter-op thread sees its own step's values.

    >>> step_deadline.get() is None and cancellation.get() is None
    True
    >>> token = step_deadline.set(12.5)  # what the executor does around a step
    >>> step_deadline.get()
    12.5
    >>> step_deadline.reset(token)
"""

from __future__ import annotations

import contextvars

# The step's deadline as a ``time.monotonic()`` value, or None for no limit: from
# ``ConfigProto.operation_timeout_in_ms`` or ``RunOptions.timeout_in_ms``.
step_deadline: contextvars.ContextVar = contextvars.ContextVar(
    "teachflow_step_deadline", default=None
)

# The step's ``CancellationManager`` (teachflow/runtime/cancellation.py): a blocked kernel
# registers a callback that wakes it when the step is cancelled (its session closed, its
# caller went away).
cancellation: contextvars.ContextVar = contextvars.ContextVar(
    "teachflow_cancellation", default=None
)
