"""In-process clusters for the training examples (stopped after each test module).

A module shares one cluster: every example run keeps its state in a resource container
of its own and clears it when done, so runs do not see each other's variables.
"""

from __future__ import annotations

import matplotlib
import pytest

import teachflow as tf
from tests.distributed.conftest import Cluster, free_ports

matplotlib.use("Agg")


def start_cluster(ps, workers):
    ports = iter(free_ports(ps + workers))
    spec = {
        job: [f"127.0.0.1:{next(ports)}" for _ in range(n)]
        for job, n in (("ps", ps), ("worker", workers))
        if n
    }
    servers = {
        job: [tf.train.Server(spec, job, i) for i in range(len(a))] for job, a in spec.items()
    }
    return Cluster(spec, servers)


@pytest.fixture(scope="module")
def cluster():
    """2 ps tasks and 3 workers, in this process."""
    c = start_cluster(ps=2, workers=3)
    yield c
    c.stop()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
