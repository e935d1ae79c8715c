"""Clusters of in-process servers on free loopback ports, always stopped after the test.

    def test_x(cluster, session_config):
        c = cluster(ps=1, workers=2)
        with tf.Session(c.target("worker", 0), config=session_config()) as sess:
            ...

Every server of a cluster must know every address before any starts, so the ports are
picked first (bound to port 0 by the OS, then released) and written into the spec;
`start_servers` picks fresh ports when one was taken in between. A task listed in
``down`` gets a free port that nobody listens on: a machine that is off.
"""

from __future__ import annotations

import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers

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
        down = set(down)

        def make_server(spec, job, i):
            return None if (job, i) in down else tf.train.Server(spec, job, i, **server_kwargs)

        spec, servers = start_servers({"ps": ps, "worker": workers}, make_server)
        c = Cluster(spec, servers)
        made.append(c)
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
