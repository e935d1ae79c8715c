"""The cluster training examples reach their stated accuracy, and show what they claim:
towers on every worker, stale gradients dropped with backup workers, a straggler holding
synchronous training back, layers on two devices."""

import pytest

import teachflow as tf
from teachflow import examples
from teachflow.cluster import LocalCluster
from teachflow.examples.datasets import make_blobs


def test_in_graph_replication_one_tower_per_worker(cluster):
    r = examples.in_graph_replication(cluster, num_workers=2)
    assert r.accuracy >= 0.90
    assert r.global_step == 60 and len(r.history) == 60
    assert r.history[-1][1] < r.history[0][1]
    assert r.details["towers"] == [
        "/job:worker/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:1/device:CPU:0",
    ]
    assert "in-graph replication: test accuracy" in str(r)


def test_between_graph_async_converges(cluster):
    r = examples.between_graph_async(cluster, num_workers=3, num_ps=2)
    assert r.accuracy >= 0.90
    # Every worker step is an update: the global step counts them all.
    assert r.global_step >= 120 and sum(r.details["worker_steps"]) == len(r.history)
    assert all(n > 0 for n in r.details["worker_steps"])


def test_between_graph_sync_aggregates_every_worker(cluster):
    r = examples.between_graph_sync(cluster, num_workers=2, steps=40)
    assert r.accuracy >= 0.90
    assert r.global_step == 40
    assert r.details["replicas_to_aggregate"] == 2
    # Each update takes one gradient per worker: at least 2 worker steps per update.
    assert sum(r.details["worker_steps"]) >= 2 * 40


def test_straggler_holds_sync_back_unless_a_backup_worker_covers(cluster):
    delay, steps = 0.05, 15
    slow = examples.between_graph_sync(cluster, num_workers=3, steps=steps, straggler_delay_s=delay)
    backup = examples.between_graph_sync(
        cluster, num_workers=3, backup_workers=1, steps=steps, straggler_delay_s=delay
    )
    assert slow.accuracy >= 0.85 and backup.accuracy >= 0.85
    # Without a backup, the straggler holds one of each update's tokens while it sleeps:
    # every update waits for its gradient (except a few at the start, where the fast
    # workers run ahead on the initial tokens).
    assert slow.details["worker_steps"][2] >= steps - 5
    assert slow.seconds >= (steps - 5) * delay
    # With one, two gradients make an update: the others go on, and the straggler's
    # late gradients are dropped as stale.
    assert backup.details["replicas_to_aggregate"] == 2
    assert backup.global_step == steps
    assert backup.details["worker_steps"][2] < backup.details["worker_steps"][0]
    assert backup.details["unused_gradients"] > 0


def test_model_parallelism_splits_layers_over_workers(cluster):
    r = examples.model_parallelism(cluster)
    assert r.accuracy >= 0.95
    assert r.details["hidden_layer"].startswith("/job:worker/replica:0/task:0/")
    assert r.details["output_layer"].startswith("/job:worker/replica:0/task:1/")


def test_examples_accept_addresses_and_check_the_cluster(cluster):
    r = examples.in_graph_replication(cluster.spec, num_workers=1, steps=5)
    assert r.global_step == 5
    with pytest.raises(ValueError, match=r"needs 4 'worker' task\(s\); the cluster has 3"):
        examples.between_graph_async(cluster, num_workers=4)
    with pytest.raises(ValueError, match=r"backup_workers must be in \[0, 3\)"):
        examples.between_graph_sync(cluster, backup_workers=3)


def test_runs_leave_no_state_behind(cluster):
    examples.between_graph_async(cluster, num_workers=1, steps=5, data=make_blobs(n_samples=200))
    with tf.Session(cluster.target("worker", 0)) as sess:
        with tf.device("/job:ps/task:0"):
            step = tf.train.get_or_create_global_step()
        assert sess.run(tf.report_uninitialized_variables([step])).tolist() == [b"global_step"]


def test_on_a_local_cluster_with_simulated_gpus():
    """Processes, one GPU per worker: towers and layers land on the GPUs."""
    with LocalCluster(ps=1, workers=2, gpus_per_task=1) as c:
        r = examples.in_graph_replication(c, steps=30)
        assert r.accuracy >= 0.90
        assert r.details["towers"] == [
            "/job:worker/replica:0/task:0/device:GPU:0",
            "/job:worker/replica:0/task:1/device:GPU:0",
        ]
        m = examples.model_parallelism(c)
        assert m.accuracy >= 0.95
        assert m.details["output_layer"] == "/job:worker/replica:0/task:1/device:GPU:0"
        s = examples.between_graph_sync(c, steps=30)
        assert s.accuracy >= 0.90 and s.global_step == 30
