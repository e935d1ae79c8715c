"""Lab 05 (clusters and servers): reference answers pass, typical wrong ones get feedback."""

import pytest

import teachflow as tf
from teachflow.cluster import LocalCluster

TRACE_PARTITIONS = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(ps=1, workers=2, gpus_per_task=1) as c:
        yield c


def chapter_graph():
    with tf.device("/job:ps/task:0"):
        a = tf.Variable(1.0, name="a")
    with tf.device("/job:worker/task:1"):
        b = tf.add(a, 2.0, name="b")
    c = tf.multiply(a, 3.0, name="c")
    return a, b, c


def test_master_device_and_partitions(lab, cluster):
    a, b, c = chapter_graph()
    meta = tf.RunMetadata()
    with tf.Session(cluster.target("worker", 0)) as sess:
        sess.run(a.initializer)
        assert sess.run([b, c], options=TRACE_PARTITIONS, run_metadata=meta) == [3.0, 3.0]
    ran_on = {ns.node_name: d.device for d in meta.step_stats.dev_stats for ns in d.node_stats}
    assert lab.check("master_device", ran_on["c"])
    assert lab.check("master_device", "/job:worker/task:0/gpu:0")
    assert (
        "worker 1 was the master" in lab.check("master_device", "/job:worker/task:1/gpu:0").feedback
    )
    assert "job and the task" in lab.check("master_device", "/gpu:0").feedback
    assert lab.check("partitions", len(meta.partition_graphs))
    assert "master's own task" in lab.check("partitions", 2).feedback


def test_merged_device(lab):
    with tf.device("/job:ps/task:0/cpu:0"):
        with tf.device("/job:worker"):
            with tf.device("/gpu:1"):
                d = tf.constant(1.0, name="d")
    assert lab.check("merged_device", d.op.device)
    assert "outer one's task" in lab.check("merged_device", "/job:worker/gpu:1").feedback
    assert "replaces" in lab.check("merged_device", "/job:ps/task:0/gpu:1").feedback


def test_pin_across_tasks(lab, cluster):
    with tf.device("/job:ps/task:0/cpu:0"):
        w = tf.Variable(5.0, name="w")
    with tf.device("/job:worker/task:1/device:GPU:0"):
        y = w * 2
    assert lab.check("pin_across_tasks", y)
    with tf.Session(cluster.target("worker", 0)) as sess:
        sess.run(w.initializer)
        assert sess.run(y) == 10.0

    tf.reset_default_graph()
    with tf.device("/job:ps/task:0"):  # no device type: not the CPU asked for
        w = tf.Variable(5.0, name="w")
    with tf.device("/job:worker/task:1/gpu:0"):
        y = w * 2
    assert "ps task's CPU" in lab.check("pin_across_tasks", y).feedback

    tf.reset_default_graph()
    with tf.device("/job:ps/task:0/cpu:0"):
        w = tf.Variable(5.0, name="w")
    y = w * 2
    assert "worker 1's first GPU" in lab.check("pin_across_tasks", y).feedback
    assert "from a variable" in lab.check("pin_across_tasks", tf.constant(1.0) * 2).feedback
    assert "tensor `y`" in lab.check("pin_across_tasks", "y").feedback
