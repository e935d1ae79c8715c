"""A cluster of in-process servers: every task a ``tf.train.Server`` in this process.

The chapter's cluster is one process per task (`LocalCluster`). Inside a notebook it is
sometimes handier to keep every task in the kernel: nothing to spawn, started in a
fraction of a second, and the tasks' events reach the kernel's own event bus. The
servers still talk to each other over gRPC on loopback ports, exactly as separate
processes would.

    >>> import teachflow as tf
    >>> from teachflow.magics.in_process import InProcessCluster
    >>> with InProcessCluster(ps=1, workers=1) as cluster:
    ...     with tf.Session(cluster.target("worker", 0)) as sess:
    ...         print(sess.run(tf.constant(2.0) * 3))
    6.0
"""

from __future__ import annotations

import threading

from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.ports import start_servers
from teachflow.distributed.server import Server
from teachflow.framework import errors
from teachflow.runtime.config import ConfigProto, GPUOptions

__all__ = ["InProcessCluster"]


class InProcessCluster:
    """``ps`` parameter servers and ``workers`` workers as servers of this process.

    The same interface as `LocalCluster` where it makes sense (``spec``, ``targets``,
    ``target``, ``status``, ``alive``, ``stop``); ``servers`` holds the
    ``tf.train.Server`` objects by task name.

    Args:
      gpus_per_task: GPUs of every worker task (a ps task never has one).
      simulated: simulated GPUs (``tf.ConfigProto(simulated_gpus=...)``), or each worker
        its own slice of this machine's real GPUs (``GPUOptions.visible_device_list``).
      gpu_profile: the simulated GPUs' hardware profile.

    Raises:
      ValueError: for task counts that make no cluster, or more real GPUs than there are.
      OSError: when no set of free ports could be bound.
    """

    def __init__(
        self, ps=1, workers=2, gpus_per_task=0, simulated=True, gpu_profile=None, host="localhost"
    ):
        if ps < 0 or workers < 0 or ps + workers == 0:
            raise ValueError(f"A cluster needs at least one task, got ps={ps}, workers={workers}")
        if gpus_per_task < 0:
            raise ValueError(f"gpus_per_task must be >= 0, got {gpus_per_task}")
        self._counts = {"ps": ps, "worker": workers}
        self._gpus, self._simulated, self._profile = gpus_per_task, simulated, gpu_profile
        self.host = host
        self.servers = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._start()

    def _config(self, job, index) -> ConfigProto:
        if job == "ps" or not self._gpus:
            return ConfigProto(device_count={"GPU": 0})
        if self._simulated:
            return ConfigProto(simulated_gpus=self._gpus, simulated_gpu_profile=self._profile)
        first = index * self._gpus
        ids = ",".join(str(i) for i in range(first, first + self._gpus))
        return ConfigProto(simulated_gpus=0, gpu_options=GPUOptions(visible_device_list=ids))

    def _start(self) -> None:
        def make_server(spec, job, index):
            server = Server(spec, job, index, config=self._config(job, index))
            self.servers[server.task_name] = server
            return server

        try:
            spec, _ = start_servers(self._counts, make_server, host=self.host)
        except errors.InvalidArgumentError as e:
            # visible_device_list past the real GPUs: say it as LocalCluster does.
            raise ValueError(
                f"{self._gpus * self._counts['worker']} real GPUs needed "
                f"({self._gpus} per worker) but this machine has fewer ({e.message}); "
                "use simulated=True to simulate them"
            ) from None
        finally:
            # Servers of a failed attempt were stopped by start_servers: forget them.
            self.servers = {n: s for n, s in self.servers.items() if not s._stopped.is_set()}
        self._spec = ClusterSpec(spec)

    # -- the cluster, as clients see it ---------------------------------------------------------
    @property
    def spec(self) -> ClusterSpec:
        """The `ClusterSpec` every server was created with."""
        return self._spec

    @property
    def targets(self) -> dict:
        """``{"/job:worker/replica:0/task:0": "grpc://localhost:port", ...}``."""
        return {name: s.target for name, s in self.servers.items()}

    def target(self, job="worker", index=0) -> str:
        """The session target of one task: ``tf.Session(cluster.target("worker", 0))``."""
        return self._server(job, index).target

    def server(self, job="worker", index=0) -> Server:
        """The ``tf.train.Server`` of one task."""
        return self._server(job, index)

    def status(self) -> dict:
        """``{task name: "running" | "stopped"}``."""
        return {
            name: "stopped" if s._stopped.is_set() else "running"
            for name, s in self.servers.items()
        }

    def alive(self) -> bool:
        """Whether every server still serves."""
        return not self._stopped and all(v == "running" for v in self.status().values())

    def _server(self, job, index) -> Server:
        name = f"/job:{job}/replica:0/task:{int(index)}"
        try:
            return self.servers[name]
        except KeyError:
            raise ValueError(
                f"No task /job:{job}/task:{index} in this cluster (tasks: {list(self.servers)})"
            ) from None

    # -- life cycle -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop every server and release its port. Safe to call twice."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            for s in self.servers.values():
                s.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        state = "stopped" if self._stopped else "running"
        return f"<InProcessCluster {state} {self._spec.as_dict()}>"
