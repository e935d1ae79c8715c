"""Lab 10's TensorFlow client: the real client and the replayed recording agree."""

from __future__ import annotations

from teachflow.cluster import LocalCluster
from teachflow.labs.tensorflow_client import run_tensorflow_client


def test_the_real_client_and_the_replay_see_the_same_results(tf_python):
    cluster = LocalCluster(ps=1, workers=1)
    try:
        target = cluster.target("worker", 0)
        real = run_tensorflow_client(target, python=tf_python, replay=False)
        replayed = run_tensorflow_client(target, replay=True)
    finally:
        cluster.stop()
    assert real.source.startswith("TensorFlow 2.") and "real client" in real.source
    assert "replayed" in replayed.source
    for name in ("list_fetch", "feed", "full_trace", "make_callable", "list_devices"):
        assert real.result(name) == replayed.result(name), name
    assert real.result("error_unfed") == replayed.result("error_unfed")

    def devices(run):
        return sorted(d.device for d in run.run_metadata.step_stats.dev_stats)

    assert (
        devices(real)
        == devices(replayed)
        == [
            "/job:ps/replica:0/task:0/device:CPU:0",
            "/job:worker/replica:0/task:0/device:CPU:0",
        ]
    )
    assert len(real.run_metadata.partition_graphs) == 2
