"""The process's runtime settings that ``tf.config`` changes (`teachflow.config`), and the
config a Session made without one gets from them, as TF 2.21's ``tf.compat.v1.Session``
takes its default ``ConfigProto`` from the eager context.

    >>> default_config().allow_soft_placement
    False
"""

from __future__ import annotations

import threading

from teachflow.runtime.config import ConfigProto

_lock = threading.Lock()
settings = {
    "inter_op_parallelism_threads": 0,
    "intra_op_parallelism_threads": 0,
    "allow_soft_placement": False,
}
memory_growth: dict = {}  # physical GPU index -> whether its allocator grows


def update(**values) -> None:
    with _lock:
        settings.update(values)


def default_config() -> ConfigProto:
    """A new ``ConfigProto`` with the process's settings: a session's when given none."""
    with _lock:
        return ConfigProto(**settings)
