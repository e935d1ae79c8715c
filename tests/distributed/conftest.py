"""Clusters of in-process servers on free loopback ports, always stopped after the test.

    def test_x(cluster, session_config):
        c = cluster(ps=1, workers=2)
        with tf.Session(c.target("worker", 0), config=session_config()) as sess:
            ...

Every server of a cluster must know every address before any starts, so the ports are
picked first (bound to port 0 by the OS, then released) and written into the spec. A
task listed in ``down`` gets a free port that nobody listens on: a machine that is off.
"""

from __future__ import annotations

import pytest

import teachflow as tf
from teachflow.distributed.launcher import free_ports

# Every session a test opens is bounded: a bug makes it fail, never hang.
DEFAULT_TIMEOUT_MS = 10_000


class Cluster:
    """``spec`` (job -> addresses), ``servers`` (job -> [Server or None if down])."""

    def __init__(self, spec, servers):
        self.spec = spec
        self.servers = servers

    def server(self, job: str, task: int):
        return self.servers[job][task]

    def target(self, job: str, task: int) -> str:
        return f"grpc://{self.spec[job][task]}"

    def address(self, job: str, task: int) -> str:
        return self.spec[job][task]

    def all_servers(self):
        return [s for job in self.servers.values() for s in job if s is not None]

    def stop(self):
        for s in self.all_servers():
            s.stop()


@pytest.fixture
def cluster():
    """``cluster(ps=1, workers=2, down=(("worker", 1),), **server_kwargs) -> Cluster``."""
    made = []

    def make(ps=1, workers=2, down=(), **server_kwargs):
        jobs = {"ps": ps, "worker": workers}
        ports = iter(free_ports(ps + workers))
        spec = {job: [f"127.0.0.1:{next(ports)}" for _ in range(n)] for job, n in jobs.items() if n}
        down = set(down)
        servers = {job: [] for job in spec}
        c = Cluster(spec, servers)
        made.append(c)
        for job, addresses in spec.items():
            for i in range(len(addresses)):
                started = None
                if (job, i) not in down:
                    started = tf.train.Server(spec, job, i, **server_kwargs)
                servers[job].append(started)
        return c

    yield make
    for c in made:
        c.stop()


@pytest.fixture
def session_config():
    """``session_config(timeout_ms=10000, **fields) -> tf.ConfigProto`` with a bound."""

    def make(timeout_ms=DEFAULT_TIMEOUT_MS, **fields):
        return tf.ConfigProto(operation_timeout_in_ms=timeout_ms, **fields)

    return make
