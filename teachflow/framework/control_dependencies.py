"""One ``with tf.control_dependencies(...)`` block of a `Graph`.

Every op created inside the block gets the block's ops as control inputs (unless one of its
data inputs already waits for them); ``control_dependencies(None)`` starts a fresh stack, so
ops made inside it wait for nothing (variables and their initializers use it).
"""

from __future__ import annotations

__all__ = ["ControlDependenciesController"]


class ControlDependenciesController:
    """One ``with tf.control_dependencies(...)`` block."""

    def __init__(self, graph, control_inputs):
        self._graph = graph
        self._control_inputs = control_inputs if control_inputs is not None else []
        self._new_stack = control_inputs is None
        self._seen = set()
        self._old_stack = None

    def __enter__(self):
        g = self._graph
        if self._new_stack:
            self._old_stack = g._control_dependencies_stack
            g._control_dependencies_stack = []
        g._control_dependencies_stack.append(self)

    def __exit__(self, *exc):
        g = self._graph
        g._control_dependencies_stack.remove(self)
        if self._new_stack:
            g._control_dependencies_stack = self._old_stack
