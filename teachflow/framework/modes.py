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
    "disable_control_flow_v2",
    "control_flow_v2_enabled",
    "executing_eagerly",
]


def disable_v2_behavior():
    """Switch to TF 1.x behaviour: graphs, sessions, ref variables — already the case."""


def disable_eager_execution():
    """Build graphs instead of running ops at once — already the case."""


def disable_resource_variables():
    """Use TF 1.x (ref) variables — the only kind teachflow has."""


def disable_control_flow_v2():
    """Build tf.cond / tf.while_loop from Switch, Merge, Enter, Exit... (TF1's control
    flow) — the only kind teachflow builds."""


def control_flow_v2_enabled() -> bool:
    """False: conds and loops are TF1's Switch/Merge graphs, not functional If/While ops."""
    return False


def executing_eagerly() -> bool:
    """False: ops build a graph that a `tf.Session` runs."""
    return False
