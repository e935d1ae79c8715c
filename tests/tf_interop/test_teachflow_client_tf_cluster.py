"""teachflow's client on real TensorFlow servers: ``LocalCluster(engine="tensorflow")``.

The cluster is a real TensorFlow ps and worker (``tf.distribute.Server`` processes of the
Python that has TensorFlow); the client is teachflow's ``tf.Session(target)`` in this
process, which never imports TensorFlow. Skipped, saying why, without TensorFlow.
"""

from __future__ import annotations

import json
import os
import threading

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import teachflow as tf
from teachflow.cluster import LocalCluster
from teachflow.distributed.tf_wire.master_client import TensorFlowMasterClient
from teachflow.distributed.tf_wire.methods import WORKER, stub

from .conftest import run_tf

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def tf_cluster(tf_python, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TEACHFLOW_TF_PYTHON", tf_python)
        cluster = LocalCluster(
            ps=1,
            workers=1,
            engine="tensorflow",
            startup_timeout=120,
            log_dir=str(tmp_path_factory.mktemp("tf-cluster")),
        )
    yield cluster
    cluster.stop()


def session(cluster, graph):
    config = tf.ConfigProto(operation_timeout_in_ms=TIMEOUT_MS)
    return tf.Session(cluster.target("worker", 0), graph=graph, config=config)


def chapter():
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
        with tf.device("/job:worker/task:0"):
            b = tf.add(a, 2.0, name="b")
            c = tf.multiply(a, 3.0, name="c")
            x = tf.placeholder(tf.float32, [None], name="x")
            d = tf.multiply(x, a, name="d")
        init = tf.global_variables_initializer()
    return g, dict(a=a, b=b, c=c, x=x, d=d, init=init)


def test_the_tasks_are_tensorflow_servers(tf_cluster):
    assert tf_cluster.alive()
    assert [tf_cluster.engine("ps", 0), tf_cluster.engine("worker", 0)] == ["tensorflow"] * 2
    with open(tf_cluster.log_path("worker", 0)) as f:
        assert "TensorFlow 2." in f.read()


def test_the_chapters_example_on_tensorflow(tf_cluster):
    g, n = chapter()
    with session(tf_cluster, g) as sess:
        sess.run(n["init"])
        assert isinstance(sess._remote._tensorflow, TensorFlowMasterClient)
        b, c = sess.run([n["b"], n["c"]])
        assert (b, c) == (np.float32(3.0), np.float32(3.0))
        assert type(b) is np.float32
        got = sess.run(n["d"], {n["x"]: [1.0, 2.0, 3.0]})
        assert got.dtype == np.float32 and got.tolist() == [1.0, 2.0, 3.0]
        call = sess.make_callable(n["d"], feed_list=[n["x"]])
        assert call(np.array([4.0, 5.0], np.float32)).tolist() == [4.0, 5.0]
        with g.as_default(), tf.device("/job:worker/task:0"):
            e = tf.add(n["c"], 1.0, name="e")  # the next run extends the session
        assert sess.run(e) == np.float32(4.0)
        names = sorted(dev.name for dev in sess.list_devices())
    assert names == [
        "/job:ps/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:0",
    ]


def test_full_trace_shows_tensorflows_step(tf_cluster):
    g, n = chapter()
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    with session(tf_cluster, g) as sess:
        sess.run(n["init"])
        assert sess.run(n["c"], options=options, run_metadata=md) == np.float32(3.0)
    devices = {d.device for d in md.step_stats.dev_stats}
    assert devices == {
        "/job:ps/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:0",
    }
    labels = [s.timeline_label for d in md.step_stats.dev_stats for s in d.node_stats]
    assert any(label.startswith("c = Mul(") for label in labels)
    # TensorFlow's partitions: one per task, joined by its _Send/_Recv pairs.
    assert len(md.partition_graphs) == 2
    ops = {node.op for gd in md.partition_graphs for node in gd.node}
    assert {"_Send", "_Recv"} <= ops
    # The timeline view reads TensorFlow's stats as it reads teachflow's.
    from teachflow.client import timeline

    trace = json.loads(timeline.Timeline(md.step_stats).generate_chrome_trace_format())
    ran = {(e["args"]["name"], e["name"]) for e in trace["traceEvents"] if e.get("ph") == "X"}
    assert {("c", "Mul"), ("c/y", "Const")} <= ran


def test_an_unfed_placeholder_raises_tensorflows_error(tf_cluster):
    g, n = chapter()
    with session(tf_cluster, g) as sess:
        sess.run(n["init"])
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(n["d"])
    assert "You must feed a value for placeholder tensor 'x'" in e.value.message
    assert e.value.op is n["x"].op


def test_an_uninitialized_variable_raises_failed_precondition(tf_cluster):
    g = tf.Graph()
    with g.as_default(), tf.device("/job:ps/task:0"):
        v = tf.Variable(5.0, name="never_initialized")
    with session(tf_cluster, g) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError) as e:
            sess.run(v)
    assert "never_initialized" in e.value.message


LINEAR = """
x = np.linspace(-1.0, 1.0, 32, dtype=np.float32).reshape(-1, 1)
y = 2.0 * x + 1.0 + 0.1 * np.sin(7 * x)
g = tf.Graph()
with g.as_default():
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(tf.zeros([1, 1]), name="w")
        b = tf.Variable(tf.zeros([1]), name="b")
    with tf.device("/job:worker/task:0"):
        xs = tf.placeholder(tf.float32, [None, 1], name="xs")
        ys = tf.placeholder(tf.float32, [None, 1], name="ys")
        loss = tf.reduce_mean(tf.square(tf.matmul(xs, w) + b - ys))
        train = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
    init = tf.global_variables_initializer()
"""

TF_LINEAR = f"""
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
{LINEAR}
losses = []
# teachflow's variables w and b (TF1 ref variables) go; TF's are resource variables.
tf.Session.reset(sys.argv[1])
with tf.Session(sys.argv[1], graph=g) as sess:
    sess.run(init)
    for _ in range(20):
        losses.append(float(sess.run([train, loss], {{xs: x, ys: y}})[1]))
    wv, bv = sess.run([w, b])
print(json.dumps({{"losses": losses, "w": float(wv[0, 0]), "b": float(bv[0])}}))
"""


def test_a_training_loop_gives_tensorflows_numbers(tf_cluster, tf_python):
    scope = {"tf": tf, "np": np}
    exec(LINEAR, scope)
    losses = []
    with session(tf_cluster, scope["g"]) as sess:
        sess.run(scope["init"])
        feed = {scope["xs"]: scope["x"], scope["ys"]: scope["y"]}
        for _ in range(20):
            losses.append(float(sess.run([scope["train"], scope["loss"]], feed)[1]))
        w, b = sess.run([scope["w"], scope["b"]])
    # TensorFlow's own client, on the same TensorFlow cluster.
    target = tf_cluster.target("worker", 0)
    theirs = json.loads(run_tf(tf_python, TF_LINEAR, target).stdout.strip().splitlines()[-1])
    # float32 arithmetic in a few ops per step, 32 samples: a few ulps of the loss scale.
    tol = np.finfo(np.float32).eps * np.sqrt(32) * 8
    np.testing.assert_allclose(losses, theirs["losses"], rtol=tol, atol=tol)
    np.testing.assert_allclose([w[0, 0], b[0]], [theirs["w"], theirs["b"]], rtol=tol, atol=tol)
    assert losses[-1] < losses[0] / 10


def test_a_mixed_cluster_starts_both_engines(tf_python, monkeypatch, tmp_path):
    monkeypatch.setenv("TEACHFLOW_TF_PYTHON", tf_python)
    engines = {"ps": "teachflow", "worker": "tensorflow"}
    with LocalCluster(ps=1, workers=1, engine=engines, startup_timeout=120) as cluster:
        assert cluster.alive()
        assert [cluster.engine("ps", 0), cluster.engine("worker", 0)] == [
            "teachflow",
            "tensorflow",
        ]
        # Each task answers its own engine's protocol (the mixed *run* is the worker
        # side's work: tests/tf_interop/test_mixed_*).
        ps, worker = cluster.spec.as_dict()["ps"][0], cluster.spec.as_dict()["worker"][0]
        with grpc.insecure_channel(ps) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=30
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
        with grpc.insecure_channel(worker) as channel:
            status = stub(channel, WORKER, "GetStatus")(
                WORKER.methods["GetStatus"].request(), timeout=30
            )
        assert [d.name for d in status.device_attributes] == [
            "/job:worker/replica:0/task:0/device:CPU:0"
        ]
        pids = [cluster.pid("ps", 0), cluster.pid("worker", 0)]
    assert not cluster.alive()
    for pid in pids:  # stopped: no process is left behind
        assert not os.path.exists(f"/proc/{pid}") or _zombie(pid)


def _zombie(pid) -> bool:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] == "Z"


PARENT = """
import sys
from teachflow.cluster import LocalCluster
cluster = LocalCluster(ps=1, workers=1, engine="tensorflow", startup_timeout=120)
print(cluster.pid("ps", 0), cluster.pid("worker", 0), flush=True)
sys.stdin.read()  # until the test kills this process
"""


def test_tensorflow_tasks_end_when_their_launcher_is_killed(tf_python, monkeypatch):
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.setenv("TEACHFLOW_TF_PYTHON", tf_python)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    pids = []
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2, "the launcher printed no task pids"
        assert all(os.path.exists(f"/proc/{pid}") for pid in pids)
        parent.send_signal(signal.SIGKILL)  # no atexit, no stop(): only the children's watch
        parent.wait(30)
        deadline = time.monotonic() + 30
        alive = pids
        while alive and time.monotonic() < deadline:
            alive = [p for p in alive if os.path.exists(f"/proc/{p}") and not _zombie(p)]
            if alive:
                threading.Event().wait(0.1)  # polling the process table, bounded above
        assert alive == [], f"TensorFlow tasks {alive} outlived their launcher"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(30)
        for pid in pids:  # a task that outlived its launcher is ended here, not leaked
            if os.path.exists(f"/proc/{pid}") and not _zombie(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_killed_tensorflow_task_restarts_on_its_port_with_its_config(tf_python, monkeypatch):
    monkeypatch.setenv("TEACHFLOW_TF_PYTHON", tf_python)
    # TensorFlow's fields of the config reach the TF server; teachflow's own are left out.
    config = tf.ConfigProto(device_count={"CPU": 2}, simulated_gpus=0)
    with LocalCluster(
        ps=0, workers=1, engine="tensorflow", config=config, startup_timeout=120
    ) as cluster:
        target = cluster.target("worker", 0)
        cluster.kill("worker", 0)
        assert cluster.status()["/job:worker/replica:0/task:0"] == "killed by SIGKILL"
        cluster.restart("worker", 0)
        assert cluster.target("worker", 0) == target and cluster.alive()
        g = tf.Graph()
        with g.as_default():
            c = tf.constant(1.0) * 3
        with session(cluster, g) as sess:
            assert sess.run(c) == np.float32(3.0)
            assert sorted(d.name for d in sess.list_devices()) == [
                "/job:worker/replica:0/task:0/device:CPU:0",
                "/job:worker/replica:0/task:0/device:CPU:1",
            ]
