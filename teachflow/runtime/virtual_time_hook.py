"""Where a session hands a traced step to the virtual-time model, which sits above it.

``ConfigProto(virtual_time=True)`` asks a session for step stats in *virtual* time: the
step replayed on the simulated hardware's profiles (`teachflow.sim.virtual_time`). That
model reads the runtime's plans, so the runtime cannot import it (layers point one way):
instead `teachflow.sim` installs its replay here when it is imported (``import teachflow``
does), and the session calls whatever is installed.

    >>> import teachflow as tf
    >>> requested(tf.ConfigProto(virtual_time=True)), requested(tf.ConfigProto(virtual_time=False))
    (True, False)
"""

from __future__ import annotations

import os
from collections.abc import Callable

# The environment's switch for ConfigProto(virtual_time=True), for programs you don't edit.
ENV_VIRTUAL_TIME = "TEACHFLOW_VIRTUAL_TIME"

_replay: Callable | None = None  # traced step -> StepStats in virtual time


def requested(config) -> bool:
    """``ConfigProto(virtual_time=True)``, or ``TEACHFLOW_VIRTUAL_TIME=1`` when unset."""
    flag = getattr(config, "virtual_time", None)
    if flag is None:
        return os.environ.get(ENV_VIRTUAL_TIME, "").strip().lower() in ("1", "true", "yes")
    return bool(flag)


def install(replay: Callable) -> None:
    """Make ``replay(traced_step)`` (returning ``StepStats``) the virtual-time model."""
    global _replay
    _replay = replay


def virtual_step_stats(step):
    """The traced ``step``'s StepStats in virtual time, from the installed model."""
    if _replay is None:
        raise RuntimeError(
            "ConfigProto(virtual_time=True) needs the virtual-time model: import teachflow.sim"
        )
    return _replay(step)
