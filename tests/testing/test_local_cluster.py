"""tf.test.create_local_cluster: real in-process servers, each stopped by the test."""

import pytest

import teachflow as tf


@pytest.fixture
def local_cluster():
    workers, ps = tf.test.create_local_cluster(num_workers=2, num_ps=1)
    yield workers, ps
    for server in workers + ps:
        server.stop()


def test_cluster_has_the_jobs_and_runs_a_graph(local_cluster):
    workers, ps = local_cluster
    assert len(workers) == 2 and len(ps) == 1
    assert all(w.target.startswith("grpc://localhost:") for w in workers + ps)
    jobs = workers[0].server_def.cluster
    assert sorted(j.name for j in jobs.job) == ["ps", "worker"]
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(2.0)
    with tf.device("/job:worker/task:1"):
        y = v * 3.0
    with tf.Session(workers[0].target) as sess:
        sess.run(v.initializer)
        assert sess.run(y) == 6.0
