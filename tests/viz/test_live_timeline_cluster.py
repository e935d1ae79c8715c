"""A LiveTimeline attached to a cluster draws every task's ops once, on the local clock."""

import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.trace.events import bus
from teachflow.viz import LiveTimeline

W0 = "/job:worker/replica:0/task:0"
W1 = "/job:worker/replica:0/task:1"


@pytest.fixture
def two_workers():
    spec, servers = start_servers({"worker": 2}, tf.train.Server, host="localhost")
    started = servers["worker"]
    yield spec, started
    for s in started:
        s.stop()


def test_attach_cluster_shows_ops_of_both_tasks_once(two_workers):
    spec, servers = two_workers
    with tf.device("/job:worker/task:0"):
        a = tf.constant(2.0, name="a")
        b = tf.multiply(a, 3.0, name="b")
    with tf.device("/job:worker/task:1"):
        c = tf.add(b, 1.0, name="c")
    lt = LiveTimeline(keep_steps=5)
    before = len(bus._subscribers)
    lt.attach_cluster(spec)
    try:
        # Ready means both servers have subscribed their streams (they share this bus):
        # the step below is run at once, with no wait for the subscriptions.
        assert lt.remote.wait_ready(10.0), lt.remote.errors
        assert len(bus._subscribers) == before + 2
        assert lt.remote.subscribed == {W0: True, W1: True}
        config = tf.ConfigProto(operation_timeout_in_ms=10_000)
        with tf.Session(servers[0].target, config=config) as sess:
            assert sess.run(c) == 7.0
    finally:
        # Waits until the streams are quiet: the step's last events are in.
        lt.detach()
    assert {"a", "b", "c"} <= {e["node"] for e in lt.events if e["kind"] == "op"}
    ops = [e for e in lt.events if e["kind"] == "op"]
    by_node = {e["node"]: e["device"] for e in ops}
    assert by_node["b"].startswith(W0 + "/") and by_node["c"].startswith(W1 + "/")
    keys = [(e["step"], e["device"], e["node"], e["start_us"]) for e in ops]
    assert len(keys) == len(set(keys))
    assert len({(e["device"], e["node"]) for e in ops}) == len(ops)
    # On the local clock: a few ms from the first step start, not an epoch away.
    assert all(-1e6 < e["start_us"] < 60e6 for e in ops)
    assert lt.remote is None and len(bus._subscribers) <= before + 2
