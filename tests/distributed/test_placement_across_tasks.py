"""Placement over a cluster: pinned ops run on their task, unpinned ops on the master's.

Where an op ran is read from a FULL_TRACE's step stats (one ``dev_stats`` per device of
every task) and from ``log_device_placement`` lines. The expected devices for partial
device strings were recorded from TensorFlow 1.x servers in one process.
"""

import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.timeout(60)

PS0 = "/job:ps/replica:0/task:0/device:CPU:0"
PS1 = "/job:ps/replica:0/task:1/device:CPU:0"
W0 = "/job:worker/replica:0/task:0/device:CPU:0"
W1 = "/job:worker/replica:0/task:1/device:CPU:0"
W2 = "/job:worker/replica:0/task:2/device:CPU:0"


def traced_run(sess, fetches, feed_dict=None):
    """(values, {node name: device it ran on}) for one traced step."""
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    values = sess.run(fetches, feed_dict, options=options, run_metadata=md)
    where = {}
    for ds in md.step_stats.dev_stats:
        for n in ds.node_stats:
            where.setdefault(n.node_name, set()).add(ds.device)
    return values, {k: v.pop() if len(v) == 1 else v for k, v in where.items()}


def test_pinned_ops_run_on_their_tasks(cluster, session_config, capsys):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:ps/task:0"):
        a = tf.constant([1.0, 2.0], name="a")
        a2 = tf.square(a, name="a2")
    with tf.device("/job:worker/task:1"):
        b = tf.add(a2, 1.0, name="b")
    with tf.device("/job:worker/task:0"):
        d = tf.multiply(b, a, name="d")
    config = session_config(log_device_placement=True)
    with tf.Session(c.target("worker", 0), config=config) as sess:
        value, where = traced_run(sess, d)
    np.testing.assert_array_equal(value, [2.0, 10.0])
    assert where["a"] == PS0 and where["a2"] == PS0
    assert where["b"] == W1
    assert where["d"] == W0
    lines = capsys.readouterr().out.splitlines()
    assert f"a2: (Square): {PS0}" in lines
    assert f"b: (AddV2): {W1}" in lines
    assert f"d: (Mul): {W0}" in lines


@pytest.mark.parametrize(
    "job, task, device",
    [("worker", 0, W0), ("worker", 1, W1), ("ps", 0, PS0)],
)
def test_unpinned_ops_land_on_the_master_task(cluster, session_config, job, task, device):
    c = cluster(ps=1, workers=2)
    x = tf.placeholder_with_default(3.0, [], name="x")
    y = tf.multiply(x, 2.0, name="y")
    with tf.Session(c.target(job, task), config=session_config()) as sess:
        value, where = traced_run(sess, y)
    assert value == 6.0
    assert where["y"] == device and where["x"] == device


# (device scope, master task, expected device): recorded from TensorFlow 1.x.
PARTIAL_DEVICES = [
    ("/job:worker", ("worker", 1), W1),
    ("/job:worker", ("ps", 0), W0),
    ("/cpu:0", ("worker", 1), W1),
    ("/cpu:0", ("ps", 0), PS0),
    ("/job:ps", ("ps", 0), PS0),
    ("/task:1", ("worker", 1), W1),
    ("/task:1", ("ps", 0), PS1),
    ("/job:worker/task:1", ("ps", 0), W1),
]


@pytest.mark.parametrize("scope, master, device", PARTIAL_DEVICES)
def test_partial_device_strings_complete_like_tf(cluster, session_config, scope, master, device):
    c = cluster(ps=2, workers=2)
    with tf.device(scope):
        a = tf.placeholder_with_default(1.0, [], name="a")
        b = tf.identity(a, name="b")
    with tf.Session(c.target(*master), config=session_config()) as sess:
        value, where = traced_run(sess, b)
    assert value == 1.0 and where["b"] == device


def test_job_only_device_on_another_job_picks_its_first_task(cluster, session_config):
    c = cluster(ps=2, workers=2)
    with tf.device("/job:ps"):
        a = tf.placeholder_with_default(1.0, [], name="a")
        b = tf.identity(a, name="b")
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        value, where = traced_run(sess, b)
    assert value == 1.0 and where["b"] == PS0


def test_job_only_device_when_the_master_task_index_has_no_such_task(cluster, session_config):
    c = cluster(ps=1, workers=3)
    with tf.device("/job:ps"):
        a = tf.placeholder_with_default(1.0, [], name="a")
        b = tf.identity(a, name="b")
    with tf.Session(c.target("worker", 2), config=session_config()) as sess:
        value, where = traced_run(sess, b)
    assert value == 1.0 and where["b"] == PS0


def test_pinning_to_a_task_outside_the_cluster_fails(cluster, session_config):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:worker/task:7"):
        a = tf.constant(1.0, name="far")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="far") as info:
            sess.run(a)
    assert "/job:worker/task:7" in info.value.message
    assert W0 in info.value.message  # it lists the devices that exist


def test_replica_device_setter_spreads_variables_over_two_ps_tasks(cluster, session_config):
    c = cluster(ps=2, workers=2)
    rng = np.random.RandomState(1)
    xs = rng.randn(16, 2).astype(np.float32)
    ys = (xs @ np.array([[2.0], [-1.0]], np.float32) + 0.5).astype(np.float32)
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w = tf.Variable(tf.zeros([2, 1]), name="w")
        b = tf.Variable(tf.zeros([1]), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y), name="loss")
        train = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    assert w.device == "/job:ps/task:0" and b.device == "/job:ps/task:1"
    assert loss.device == "/job:worker"
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([loss, train], {x: xs, y: ys})[0] for _ in range(30)]
        _, where = traced_run(sess, [loss, train], {x: xs, y: ys})
        w_value, b_value = sess.run([w, b])
    assert losses[-1] < losses[0] / 20
    assert where["w"] == PS0 and where["b"] == PS1
    assert where["loss"] == W1  # "/job:worker" completed with the master's task
    # The updates ran on the ps tasks, next to their variables.
    updates = [n for n, d in where.items() if "ApplyGradientDescent" in n or "update_" in n]
    assert updates and {where[n] for n in updates} <= {PS0, PS1}
    np.testing.assert_allclose(w_value.ravel(), [2.0, -1.0], atol=0.1)
    np.testing.assert_allclose(b_value, [0.5], atol=0.1)
    # The variables live on the ps servers: another worker's session sees them.
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        np.testing.assert_array_equal(sess.run(w), w_value)


def test_cross_task_control_dependency_pulls_in_the_assign(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(0.0, name="v")
        assign = tf.assign(v, 5.0, name="assign")
    with tf.device("/job:worker/task:1"):
        marker = tf.constant(1.0, name="marker")
        with tf.control_dependencies([assign]):
            gated = tf.identity(marker, name="gated")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(v.initializer)
        # Fetching only `gated` must run the assign on the ps first.
        value, where = traced_run(sess, gated)
        assert value == 1.0
        assert where["assign"] == PS0 and where["gated"] == W1
        assert sess.run(v) == 5.0


def test_cross_task_control_dependency_orders_a_read_after_an_assign(cluster, session_config):
    """assign on ps -> gate on worker 1 -> read on ps -> consumer on worker 1."""
    c = cluster(ps=1, workers=2)
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(0.0, name="v")
        step = tf.placeholder(tf.float32, [], name="step")
        assign = tf.assign_add(v, step, name="assign")
    with tf.device("/job:worker/task:1"):
        with tf.control_dependencies([assign]):
            gate = tf.constant(0.0, name="gate")
    with tf.device("/job:ps/task:0"):
        with tf.control_dependencies([gate]):
            read = tf.identity(v.read_value(), name="read")
    with tf.device("/job:worker/task:1"):
        seen = tf.multiply(read, 1.0, name="seen")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(v.initializer)
        # Every read sees its own step's assign: 1, 3, 6, 10, ...
        got = [sess.run(seen, {step: float(i)}) for i in range(1, 21)]
    assert got == [i * (i + 1) / 2 for i in range(1, 21)]


def test_colocated_ops_follow_their_variable_across_tasks(cluster, session_config):
    c = cluster(ps=2, workers=1)
    with tf.device("/job:ps/task:1"):
        v = tf.Variable([1.0, 2.0], name="v")
    with tf.device("/job:worker/task:0"):
        # tf.assign is colocated with its variable, whatever the device scope says.
        inc = tf.assign_add(v, [10.0, 10.0], name="inc")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(v.initializer)
        value, where = traced_run(sess, inc)
    np.testing.assert_array_equal(value, [11.0, 12.0])
    assert where["inc"] == PS1 and where["v"] == PS1
