"""`InProcessCluster`: every task a ``tf.train.Server`` of this process."""

from __future__ import annotations

import socket

import pytest

import teachflow as tf
from teachflow.magics.in_process import InProcessCluster


def listening(address) -> bool:
    host, _, port = address.rpartition(":")
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1" if host == "localhost" else host, int(port))) == 0


def test_runs_a_step_across_tasks_and_releases_its_ports():
    with InProcessCluster(ps=1, workers=2, gpus_per_task=1) as cluster:
        assert cluster.spec.jobs == ["ps", "worker"]
        assert list(cluster.targets) == [
            "/job:ps/replica:0/task:0",
            "/job:worker/replica:0/task:0",
            "/job:worker/replica:0/task:1",
        ]
        with tf.device("/job:ps/task:0"):
            w = tf.Variable(2.0, name="w")
        with tf.device("/job:worker/task:1/device:GPU:0"):
            y = w * 5.0
        with tf.Session(cluster.target("worker", 0)) as sess:
            sess.run(w.initializer)
            assert sess.run(y) == 10.0
        devices = [d.name for d in cluster.server("worker", 1).devices]
        assert devices[-1] == "/job:worker/replica:0/task:1/device:GPU:0"
        assert [d.device_type for d in cluster.server("ps", 0).devices] == ["CPU"]
        addresses = [t.removeprefix("grpc://") for t in cluster.targets.values()]
        assert all(listening(a) for a in addresses) and cluster.alive()
    assert set(cluster.status().values()) == {"stopped"} and not cluster.alive()
    assert not any(listening(a) for a in addresses)
    cluster.stop()  # twice is fine


def test_bad_arguments():
    with pytest.raises(ValueError, match="A cluster needs at least one task"):
        InProcessCluster(ps=0, workers=0)
    with pytest.raises(ValueError, match="gpus_per_task must be >= 0, got -1"):
        InProcessCluster(gpus_per_task=-1)
    with InProcessCluster(ps=0, workers=1) as cluster:
        with pytest.raises(ValueError, match="No task /job:ps/task:0 in this cluster"):
            cluster.target("ps", 0)
