"""In-process clusters for the training examples (stopped after each test module).

A module shares one cluster: every example run keeps its state in a resource container
of its own and clears it when done, so runs do not see each other's variables.
"""

from __future__ import annotations

import matplotlib
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from tests.distributed.conftest import Cluster

matplotlib.use("Agg")


def start_cluster(ps, workers):
    spec, servers = start_servers({"ps": ps, "worker": workers}, tf.train.Server)
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
