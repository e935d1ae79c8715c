"""What an example needs to know about the cluster it trains on: jobs, tasks, targets.

An example accepts a `teachflow.cluster.LocalCluster` (processes), any object with
``spec`` and ``target(job, index)`` (the in-process clusters of the tests), or just the
cluster's addresses (a ``ClusterSpec`` or ``{"ps": [...], "worker": [...]}``).

    >>> info = ClusterInfo({"ps": ["localhost:2221"], "worker": ["localhost:2222"]})
    >>> info.target("worker", 0), info.num_tasks("ps"), info.num_tasks("chief")
    ('grpc://localhost:2222', 1, 0)
"""

from __future__ import annotations

import itertools
import os

from teachflow.distributed.cluster import ClusterSpec

__all__ = ["ClusterInfo", "new_container", "preferred_device", "task_gpus"]

_runs = itertools.count()


class ClusterInfo:
    """The cluster's spec (``{job: [address, ...]}``) and a session target per task."""

    def __init__(self, cluster):
        target = getattr(cluster, "target", None)
        spec = cluster.spec if hasattr(cluster, "spec") and callable(target) else cluster
        self.spec = ClusterSpec(spec).as_dict()
        self._target = target if callable(target) else None

    def num_tasks(self, job: str) -> int:
        return len(self.spec.get(job, []))

    def target(self, job: str = "worker", index: int = 0) -> str:
        """``grpc://host:port`` of one task."""
        if self._target is not None:
            return self._target(job, index)
        return f"grpc://{self.spec[job][index]}"

    def require(self, job: str, count: int, what: str) -> None:
        """ValueError unless the cluster has at least ``count`` tasks of ``job``."""
        if self.num_tasks(job) < count:
            raise ValueError(
                f"{what} needs {count} '{job}' task(s); the cluster has "
                f"{self.num_tasks(job)}: {self.spec}"
            )


def new_container(example: str) -> str:
    """A resource container name no other run uses: each run starts from fresh state,
    and ``tf.Session.reset(target, [name])`` frees it afterwards."""
    return f"{example}-{os.getpid()}-{next(_runs)}"


def task_gpus(device_names, task: str) -> list[str]:
    """The GPUs of ``task`` (``/job:worker/replica:0/task:0``) among ``device_names``, sorted.

    >>> names = ["/job:worker/replica:0/task:0/device:CPU:0",
    ...          "/job:worker/replica:0/task:0/device:GPU:1",
    ...          "/job:worker/replica:0/task:0/device:GPU:0"]
    >>> task_gpus(names, "/job:worker/replica:0/task:0")
    ['/job:worker/replica:0/task:0/device:GPU:0', '/job:worker/replica:0/task:0/device:GPU:1']
    """
    return sorted(n for n in device_names if n.startswith(task + "/") and "GPU" in n.upper())


def preferred_device(device_names, task: str) -> str:
    """Where an example puts work on ``task``: its first GPU if it has one, else its CPU.

    >>> preferred_device([], "/job:worker/replica:0/task:1")
    '/job:worker/replica:0/task:1/device:CPU:0'
    """
    return (task_gpus(device_names, task) or [f"{task}/device:CPU:0"])[0]
