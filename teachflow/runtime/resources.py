"""State that outlives a step: variables (and later queues) held in named containers.

A variable's value does not live in the graph or in the client; it lives in a
`ResourceManager` on the device (and, in a cluster, on the server) that holds it. Sessions
that share a resource manager share the values.
"""

from __future__ import annotations

import threading

from teachflow.ops.variable_state import VariableState  # noqa: F401 - kept here, made by ops


class ResourceManager:
    """Containers of named resources. The default container is ``""``."""

    def __init__(self):
        self._containers: dict[str, dict] = {}
        self._lock = threading.Lock()

    def lookup_or_create(self, container: str, name: str, create):
        c = self._containers.get(container)
        if c is not None:
            r = c.get(name)
            if r is not None:
                return r
        with self._lock:
            c = self._containers.setdefault(container, {})
            r = c.get(name)
            if r is None:
                r = c[name] = create()
            return r

    def lookup(self, container: str, name: str):
        return self._containers.get(container, {}).get(name)

    def containers(self) -> list[str]:
        return sorted(self._containers)

    def resources(self, container: str = "") -> dict:
        return dict(self._containers.get(container, {}))

    def clear(self, containers=None) -> None:
        """Forget the resources of ``containers`` (all when None)."""
        with self._lock:
            if containers is None:
                self._containers.clear()
            else:
                for c in containers:
                    self._containers.pop(c, None)
