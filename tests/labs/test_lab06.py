"""Lab 06 (sharding and sharing state): reference answers pass, typical wrong ones get feedback."""

import pytest

import teachflow as tf
from teachflow.cluster import LocalCluster


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(ps=2, workers=1) as c:
        yield c


def test_ps_of_w4(lab):
    with tf.device(tf.train.replica_device_setter(ps_tasks=3)):
        ws = [tf.Variable(float(i), name=f"w{i}") for i in range(5)]
    task = tf.DeviceSpec.from_string(ws[4].op.device).task
    assert lab.check("ps_of_w4", task)
    assert "only three" in lab.check("ps_of_w4", 4).feedback


def setter_graph(**setter_kwargs):
    g = tf.Graph()
    with g.as_default(), tf.device(tf.train.replica_device_setter(**setter_kwargs)):
        ws = [tf.Variable(tf.ones([2, 2]), name=f"w{i}") for i in range(4)]
        tf.add(tf.matmul(ws[0], ws[1]), ws[2] + ws[3], name="out")
    return g


def test_setter_graph(lab, cluster):
    g = setter_graph(ps_tasks=2, worker_device="/job:worker/task:0")
    assert lab.check("setter_graph", g)
    with g.as_default(), tf.Session(cluster.target("worker", 0)) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(g.get_tensor_by_name("out:0")).tolist() == [[4.0, 4.0], [4.0, 4.0]]
    assert lab.check(
        "setter_graph", setter_graph(ps_tasks=2)
    )  # worker_device defaults to /job:worker
    one_ps = lab.check("setter_graph", setter_graph(ps_tasks=1))
    assert "The variables all sit on ps task 0:" in one_ps.feedback
    wrong_worker = setter_graph(ps_tasks=2, worker_device="/job:worker/task:1")
    assert "worker 0" in lab.check("setter_graph", wrong_worker).feedback
    assert "holds 0 variables" in lab.check("setter_graph", tf.Graph()).feedback
    with tf.Graph().as_default() as one:
        tf.Variable(1.0)
    assert "holds 1 variable;" in lab.check("setter_graph", one).feedback


def test_shared_value_and_after_reset(lab, cluster):
    target = cluster.target("worker", 0)
    with tf.container("exp"), tf.device("/job:ps/task:0"):
        counter = tf.Variable(10.0, name="counter")
    with tf.Session(target) as sess:
        sess.run(counter.initializer)
    second = tf.Graph()
    with second.as_default():
        with tf.container("exp"), tf.device("/job:ps/task:0"):
            other = tf.Variable(0.0, name="counter")
        with tf.Session(target) as sess:
            value = sess.run(other.assign_add(5.0))
    assert lab.check("shared_value", value)
    assert "initializer" in lab.check("shared_value", 5).feedback

    tf.Session.reset(target, ["exp"])
    with tf.Session(target) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError):
            sess.run(counter)
    assert lab.check("after_reset", "b")
    assert "clears the container" in lab.check("after_reset", "a").feedback
