"""State lives on the servers: variables outlive sessions and are shared between clients.

As in TensorFlow, a variable is named by its container and name on its device's task:
any session, of any client graph, that declares the same variable on the same device
reads and writes the same storage. ``tf.Session.reset`` clears containers on every task.
"""

import threading

import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.timeout(60)

PS = "/job:ps/task:0"


def _counter(name="counter", device=PS, container=None):
    """A scalar variable and an op that adds one to it, in the current graph."""
    with tf.device(device):
        if container is None:
            v = tf.Variable(0.0, name=name)
        else:
            with tf.container(container):
                v = tf.Variable(0.0, name=name)
    return v, tf.assign_add(v, 1.0, use_locking=True)


def _uninitialized_message(sess, v):
    with pytest.raises(tf.errors.FailedPreconditionError) as info:
        sess.run(v)
    return info.value.message


def test_a_second_session_sees_the_value_the_first_left(cluster, session_config):
    c = cluster()
    v, inc = _counter()
    target = c.target("worker", 0)
    with tf.Session(target, config=session_config()) as sess:
        sess.run(v.initializer)
        for _ in range(3):
            sess.run(inc)
    with tf.Session(target, config=session_config()) as sess:
        assert sess.run(v) == 3.0
        assert sess.run(inc) == 4.0


def test_a_fresh_client_graph_declaring_the_same_variable_shares_it(cluster, session_config):
    c = cluster()
    target = c.target("worker", 0)
    g1 = tf.Graph()
    with g1.as_default(), tf.device(PS):
        v1 = tf.Variable([1.0, 2.0], name="shared/w")
        double = tf.assign(v1, v1 * 2.0)
    with tf.Session(target, graph=g1, config=session_config()) as sess:
        sess.run(v1.initializer)
        sess.run(double)
    g2 = tf.Graph()
    with g2.as_default(), tf.device(PS):
        # Another program: another initial value, never initialized here.
        v2 = tf.Variable([0.0, 0.0], name="shared/w")
        tf.Variable(0, name="unrelated")
    with tf.Session(target, graph=g2, config=session_config()) as sess:
        np.testing.assert_array_equal(sess.run(v2), [2.0, 4.0])
        assert sess.run(v2).dtype == np.float32


def test_two_sessions_on_different_workers_share_a_ps_variable(cluster, session_config):
    c = cluster(ps=1, workers=2)
    v, inc = _counter()
    s0 = tf.Session(c.target("worker", 0), config=session_config())
    s1 = tf.Session(c.target("worker", 1), config=session_config())
    try:
        s0.run(v.initializer)
        s0.run(inc)
        assert s1.run(v) == 1.0
        s1.run(inc)
        s1.run(inc)
        assert s0.run(v) == 3.0
    finally:
        s0.close()
        s1.close()


def test_concurrent_increments_from_two_workers_are_not_lost(cluster, session_config):
    c = cluster(ps=1, workers=2)
    v, inc = _counter()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(v.initializer)
    failures = []

    def work(task):
        try:
            with tf.Session(c.target("worker", task), config=session_config()) as sess:
                for _ in range(50):
                    sess.run(inc.op)
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in (0, 1, 0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        assert sess.run(v) == 200.0


def test_worker_local_variables_are_separate_per_task(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:worker/task:0"):
        a = tf.Variable(1.0, name="local")
    g = tf.Graph()
    with g.as_default(), tf.device("/job:worker/task:1"):
        b = tf.Variable(2.0, name="local")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(a.initializer)
    with tf.Session(c.target("worker", 0), graph=g, config=session_config()) as sess:
        # Same name, other task: a different variable, still uninitialized.
        assert "local" in _uninitialized_message(sess, b)
        sess.run(b.initializer)
        assert sess.run(b) == 2.0
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        assert sess.run(a) == 1.0


def test_reset_of_one_container_clears_only_that_container(cluster, session_config):
    c = cluster(ps=1, workers=2)
    target = c.target("worker", 0)
    plain, _ = _counter("plain")
    exp1, _ = _counter("in_exp1", container="exp1")
    exp2, _ = _counter("in_exp2", container="exp2")
    with tf.device("/job:worker/task:1"), tf.container("exp1"):
        exp1_w1 = tf.Variable(7.0, name="exp1_on_w1")
    with tf.Session(target, config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run([plain, exp1, exp2, exp1_w1]) == [0.0, 0.0, 0.0, 7.0]
    tf.Session.reset(target, ["exp1"])
    with tf.Session(target, config=session_config()) as sess:
        assert "in_exp1" in _uninitialized_message(sess, exp1)
        # Every task clears the container, not only the master's.
        assert "exp1_on_w1" in _uninitialized_message(sess, exp1_w1)
        assert sess.run([plain, exp2]) == [0.0, 0.0]
        # A reset container can be filled again.
        sess.run(exp1.initializer)
        assert sess.run(exp1) == 0.0


def test_reset_of_several_containers(cluster, session_config):
    c = cluster(ps=1, workers=1)
    target = c.target("worker", 0)
    plain, _ = _counter("plain")
    exp1, _ = _counter("in_exp1", container="exp1")
    exp2, _ = _counter("in_exp2", container="exp2")
    with tf.Session(target, config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
    tf.Session.reset(target, ["exp1", "exp2"])
    with tf.Session(target, config=session_config()) as sess:
        _uninitialized_message(sess, exp1)
        _uninitialized_message(sess, exp2)
        assert sess.run(plain) == 0.0


def test_reset_without_containers_clears_everything(cluster, session_config):
    c = cluster(ps=1, workers=2)
    target = c.target("worker", 1)
    plain, _ = _counter("plain")
    exp1, _ = _counter("in_exp1", container="exp1")
    with tf.device("/job:worker/task:0"):
        on_w0 = tf.Variable(3.0, name="on_w0")
    with tf.Session(target, config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
    tf.Session.reset(target)
    with tf.Session(target, config=session_config()) as sess:
        for v, name in [(plain, "plain"), (exp1, "in_exp1"), (on_w0, "on_w0")]:
            assert name in _uninitialized_message(sess, v)
        assert sess.run([tf.is_variable_initialized(v) for v in (plain, exp1, on_w0)]) == [
            False,
            False,
            False,
        ]


def test_reset_through_any_task_and_of_an_unknown_container(cluster, session_config):
    c = cluster(ps=1, workers=2)
    plain, _ = _counter("plain")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(plain.initializer)
    tf.Session.reset(c.target("ps", 0), ["never_used"])  # no error, nothing cleared
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        assert sess.run(plain) == 0.0
    tf.Session.reset(c.target("ps", 0))
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        _uninitialized_message(sess, plain)


def test_an_open_session_after_reset_sees_uninitialized_variables(cluster, session_config):
    c = cluster(ps=1, workers=1)
    target = c.target("worker", 0)
    v, inc = _counter()
    with tf.Session(target, config=session_config()) as sess:
        sess.run(v.initializer)
        assert sess.run(inc) == 1.0
        tf.Session.reset(target)
        _uninitialized_message(sess, v)
        sess.run(v.initializer)
        assert sess.run(inc) == 1.0


def test_reset_of_a_server_that_is_down_is_unavailable(cluster):
    c = cluster(ps=0, workers=1, down=[("worker", 0)])
    with pytest.raises(tf.errors.UnavailableError):
        tf.Session.reset(c.target("worker", 0))


def test_report_uninitialized_variables_over_several_tasks(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device(PS):
        on_ps = tf.Variable(1.0, name="on_ps")
    with tf.device("/job:worker/task:0"):
        on_w0 = tf.Variable(2.0, name="on_w0")
    report = tf.report_uninitialized_variables()
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        assert sess.run(report).tolist() == [b"on_ps", b"on_w0"]
        sess.run(on_ps.initializer)
        assert sess.run(report).tolist() == [b"on_w0"]
        sess.run(on_w0.initializer)
        assert sess.run(report).tolist() == []
