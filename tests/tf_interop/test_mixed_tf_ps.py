"""The other mix: teachflow's client and master drive a TensorFlow ps.

worker:0 is a teachflow server in this process (the master the teachflow client talks
to); ps:0 is a real ``tf.distribute.Server`` in a process of the Python that has
TensorFlow. teachflow's master finds that ps:0 serves no teachflow protocol and speaks
TensorFlow's ``WorkerService`` to it: it registers the ps's partitions as TF graphs and
runs them, and each side pulls tensors from the other with TF's ``RecvTensor``. The
values are the ones TensorFlow gives on its own (test_mixed_ps.py runs the same program).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.distributed.tf_wire.tf_task import PeerClient, TensorFlowTask
from teachflow.distributed.tf_wire.worker_client import TFWorkerClient
from teachflow.framework import errors
from teachflow.proto.tf_wire import worker_pb2

from .conftest import TF_TIMEOUT_S

ATTEMPTS = 3
LEARNING_RATE = 0.01
XS = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
TF_PS = r"""
import json, sys
import tensorflow as tf
server = tf.distribute.Server(tf.train.ClusterSpec(json.loads(sys.argv[1])), "ps", 0)
sys.stdin.read()  # serve until the test closes our stdin
"""


class TensorFlowPs:
    """ps:0 as a real TensorFlow server process, up once its GetStatus answers."""

    def __init__(self, tf_python, spec):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        # A file, not a pipe: a chatty TF never blocks on a pipe nobody reads.
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            [tf_python, "-c", TF_PS, json.dumps(spec)],
            stdin=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        client = TFWorkerClient("/job:ps/replica:0/task:0", spec["ps"][0])
        try:
            client.call("GetStatus", worker_pb2.GetStatusRequest(), TF_TIMEOUT_S, True)
        except errors.OpError:
            self.stop()
            raise OSError(f"the TensorFlow ps did not serve: {self.stderr[-2000:]}") from None
        finally:
            client.close()

    def stop(self):
        if self.log.closed:
            return  # stopped already
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.log.seek(0)
        self.stderr = self.log.read()
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tf_python):
    made = []

    def make(spec, job, i):
        server = tf.train.Server(spec, job, i) if job == "worker" else TensorFlowPs(tf_python, spec)
        made.append(server)
        return server

    spec, servers = start_servers({"worker": 1, "ps": 1}, make, attempts=ATTEMPTS)
    try:
        yield spec, servers["worker"][0]
    finally:
        for s in made:
            s.stop()


def chapter_graph():
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
            w = tf.Variable([[0.5], [-0.5]], name="w")
            p = tf.placeholder(tf.float32, [], name="p")
            checked = tf.check_numerics(a / p, "a over p", name="checked")
        with tf.device("/job:worker/task:0"):
            b = tf.add(a, 2.0, name="b")
            c = tf.multiply(a, 3.0, name="c")
            x = tf.placeholder(tf.float32, [None, 2], name="x")
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0), name="loss")
            train = tf.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss)
        init = tf.global_variables_initializer()
    return g, dict(a=a, w=w, p=p, checked=checked, b=b, c=c, x=x, loss=loss, train=train, init=init)


def expected_losses(steps=3):
    w = np.array([[0.5], [-0.5]])
    losses = []
    for _ in range(steps):
        err = XS @ w - 1.0
        losses.append(float(np.mean(err**2)))
        w = w - LEARNING_RATE * 2.0 / err.size * XS.T @ err
    return losses, w


def test_teachflow_master_runs_the_chapter_on_a_tensorflow_ps(cluster):
    spec, master = cluster
    g, t = chapter_graph()
    with tf.Session(f"grpc://{spec['worker'][0]}", graph=g) as sess:
        sess.run(t["init"])
        assert sess.run([t["b"], t["c"]]) == [3.0, 3.0]
        losses = [float(sess.run([t["train"], t["loss"]], {t["x"]: XS})[1]) for _ in range(3)]
        w = sess.run(t["w"])
        assert sess.run(t["checked"], {t["p"]: 2.0}) == 0.5
        step = sess.make_callable([t["b"], t["checked"]], feed_list=[t["p"]])
        assert [float(v) for v in step(4.0)] == [3.0, 0.25]
        opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        meta = tf.RunMetadata()
        assert sess.run(t["c"], options=opts, run_metadata=meta) == 3.0
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(t["checked"], {t["p"]: 0.0})
    # The traced step's RunMetadata shows the TF ps's nodes, from TF's own step stats.
    ps_stats = [d for d in meta.step_stats.dev_stats if d.device.startswith("/job:ps/")]
    assert ps_stats and "a" in {n.node_name for d in ps_stats for n in d.node_stats}
    assert "a over p : Tensor had Inf values" in e.value.message
    want_losses, want_w = expected_losses()
    eps = float(np.finfo(np.float32).eps)
    assert losses == pytest.approx(want_losses, rel=16 * eps)
    np.testing.assert_allclose(w, want_w, rtol=16 * eps)
    # The master talks TensorFlow's protocol to ps:0 (found out, not configured).
    peer = master.worker_client("/job:ps/replica:0/task:0")
    assert isinstance(peer, PeerClient) and isinstance(peer.current, TensorFlowTask)


def test_list_devices_shows_the_tensorflow_tasks_devices(cluster):
    spec, _ = cluster
    with tf.Session(f"grpc://{spec['worker'][0]}", graph=tf.Graph()) as sess:
        names = [d.name for d in sess.list_devices()]
    assert "/job:ps/replica:0/task:0/device:CPU:0" in names
    assert "/job:worker/replica:0/task:0/device:CPU:0" in names


def test_local_cluster_with_a_tensorflow_ps(tf_python, monkeypatch):
    """The same mix from one line: LocalCluster starts ps:0 as a TensorFlow process."""
    from teachflow.cluster import LocalCluster

    monkeypatch.setenv("TEACHFLOW_TF_PYTHON", tf_python)
    g, t = chapter_graph()
    with LocalCluster(ps=1, workers=1, engine={"ps": "tensorflow"}) as c:
        with tf.Session(c.target("worker", 0), graph=g) as sess:
            sess.run(t["init"])
            assert sess.run([t["b"], t["c"]]) == [3.0, 3.0]
            loss = float(sess.run([t["train"], t["loss"]], {t["x"]: XS})[1])
    assert loss == pytest.approx(expected_losses(1)[0][0], rel=16 * float(np.finfo(np.float32).eps))
