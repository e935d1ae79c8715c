"""Execution modes: teachflow is TF 1.x graph mode, always.

TF2-era notebooks start with ``tf.compat.v1.disable_v2_behavior()`` or
``disable_eager_execution()`` to get TF1's graphs and sessions; here that is the only mode, so
those calls succeed and change nothing, and ``executing_eagerly()`` is always False.

    >>> import teachflow as tf
    >>> tf.disable_v2_behavior()
    >>> tf.executing_eagerly()
    False
"""

__all__ = [
    "disable_eager_execution",
    "disable_v2_behavior",
    "disable_resource_variables",
    "executing_eagerly",
]


def disable_v2_behavior():
    """Switch to TF 1.x behaviour: graphs, sessions, ref variables — already the case."""


def disable_eager_execution():
    """Build graphs instead of running ops at once — already the case."""


def disable_resource_variables():
    """Use TF 1.x (ref) variables — the only kind teachflow has."""


def executing_eagerly() -> bool:
    """False: ops build a graph that a `tf.Session` runs."""
    return False
