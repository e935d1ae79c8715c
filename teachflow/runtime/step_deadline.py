"""The running step's deadline, for kernels that block (queue ops).

`Executor.run` sets `deadline` (a `time.monotonic()` value, or None for no limit) from the
step's ``operation_timeout_in_ms`` / ``RunOptions.timeout_in_ms``; pool threads run kernels
in a copy of the scheduling thread's context, so they see it too.

    >>> deadline.get() is None
    True
"""

from __future__ import annotations

import contextvars

deadline: contextvars.ContextVar = contextvars.ContextVar("teachflow_step_deadline", default=None)
