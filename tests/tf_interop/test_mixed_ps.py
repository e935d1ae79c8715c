"""A mixed cluster: a TensorFlow client and worker training against a teachflow ps.

The ps is a teachflow server in this process, so its variables and the ops it ran can be
looked at directly; worker:0 is a real ``tf.distribute.Server`` in a process of the
Python that has TensorFlow, which also runs the TF client (``tf.compat.v1`` in graph
mode) against it. worker:0 is the master: it registers the ps's partitions on the
teachflow ps through ``tensorflow.WorkerService``, and the two pull tensors from each
other with TensorFlow's ``RecvTensor``.
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.trace import events as trace_events

from .conftest import TF_TIMEOUT_S

PS_DEVICE = "/job:ps/replica:0/task:0/device:CPU:0"
# A port taken between choosing it and TF's bind fails TF's start: choose again.
ATTEMPTS = 3
# Two TF processes importing TensorFlow and training 25 steps each: seconds, more when loaded.
REPLICAS_TIMEOUT_S = 100
LEARNING_RATE = 0.01
XS = np.array([[1.0, 2.0], [3.0, 4.0]])


def expected_losses(steps=3):
    """Gradient descent on mean((x @ w - 1)^2), in float64: what the three steps give."""
    w = np.array([[0.5], [-0.5]])
    losses = []
    for _ in range(steps):
        err = XS @ w - 1.0
        losses.append(float(np.mean(err**2)))
        w = w - LEARNING_RATE * 2.0 / err.size * XS.T @ err
    return losses, w


# The chapter's example and a training step; worker:0 (this TF process) is the master.
TF_WORKER_AND_CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf

spec = json.loads(sys.argv[1])
LEARNING_RATE = float(sys.argv[2])
VARIABLES = sys.argv[3]
server = tf.distribute.Server(tf.train.ClusterSpec(spec), "worker", 0)
tf.compat.v1.disable_eager_execution()
if VARIABLES == "ref":  # TF 1.x's variables (VariableV2, Assign, Identity reads)
    tf.compat.v1.disable_resource_variables()
out = {}
g = tf.Graph()
with g.as_default():
    with tf.device("/job:ps/task:0"):
        a = tf.compat.v1.Variable(1.0, name="a")
        w = tf.compat.v1.Variable([[0.5], [-0.5]], name="w")
        p = tf.compat.v1.placeholder(tf.float32, [], name="p")
        checked = tf.debugging.check_numerics(a / p, "a over p", name="checked")
    with tf.device("/job:worker/task:0"):
        b = tf.add(a, 2.0, name="b")
        c = tf.multiply(a, 3.0, name="c")
        x = tf.compat.v1.placeholder(tf.float32, [None, 2], name="x")
        y = tf.matmul(x, w, name="y")
        loss = tf.reduce_mean(tf.square(y - 1.0), name="loss")
        train = tf.compat.v1.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss, name="train")
    init = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session(server.target, graph=g) as sess:
    sess.run(init)
    out["list_fetch"] = [float(v) for v in sess.run([b, c])]
    xs = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    out["losses"] = [float(sess.run([train, loss], {x: xs})[1]) for _ in range(3)]
    out["w"] = sess.run(w).tolist()
    opts = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    meta = tf.compat.v1.RunMetadata()
    out["traced"] = float(sess.run(c, options=opts, run_metadata=meta))
    out["traced_devices"] = sorted(d.device for d in meta.step_stats.dev_stats)
    out["traced_ps_nodes"] = sorted(
        n.node_name for d in meta.step_stats.dev_stats if "/job:ps/" in d.device
        for n in d.node_stats)
    out["feed_to_ps"] = float(sess.run(checked, {p: 2.0}))
    step = sess.make_callable([b, checked], feed_list=[p])
    out["callable"] = [float(v) for v in step(4.0)]
    try:
        sess.run(checked, {p: 0.0})
        out["error"] = None
    except tf.errors.OpError as e:
        out["error"] = [type(e).__name__, e.message]
print(json.dumps(out))
"""


def run_mixed(tf_python, variables):
    """Start the teachflow ps, run the TF worker and client; returns (results, ps, events)."""
    for attempt in range(ATTEMPTS):
        # worker:0 gets a port nobody listens on yet: TensorFlow's process binds it.
        spec, servers = start_servers(
            {"ps": 1, "worker": 1},
            lambda spec, job, i: tf.train.Server(spec, job, i) if job == "ps" else None,
        )
        ps = servers["ps"][0]
        seen = []
        try:
            with trace_events.bus.subscribed(seen.append, kinds=("op",)):
                env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
                done = subprocess.run(
                    [
                        tf_python,
                        "-c",
                        TF_WORKER_AND_CLIENT,
                        json.dumps(spec),
                        str(LEARNING_RATE),
                        variables,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=TF_TIMEOUT_S,
                    env=env,
                )
        except BaseException:
            ps.stop()
            raise
        if done.returncode == 0:
            results = json.loads(done.stdout.strip().splitlines()[-1])
            return results, ps, [e for e in seen if e.kind == "op"]
        ps.stop()
        if "Address already in use" not in done.stderr or attempt == ATTEMPTS - 1:
            pytest.fail(f"the TensorFlow worker and client failed:\n{done.stderr[-4000:]}")
    raise AssertionError("unreachable")


# TF 2.x's tf.compat.v1 makes resource variables; TF 1.x programs make ref variables.
@pytest.fixture(scope="module", params=["resource", "ref"])
def mixed(tf_python, request):
    results, ps, seen = run_mixed(tf_python, request.param)
    try:
        yield results, ps, seen
    finally:
        ps.stop()


def test_tf_client_gets_tensorflows_answers(mixed):
    results, _, _ = mixed
    assert results["list_fetch"] == [3.0, 3.0]
    assert results["traced"] == 3.0
    assert results["feed_to_ps"] == 0.5
    assert results["callable"] == [3.0, 0.25]
    losses, w = expected_losses()
    # float32 arithmetic on a handful of values: a few ulps of float32.
    eps = float(np.finfo(np.float32).eps)
    assert results["losses"] == pytest.approx(losses, rel=16 * eps)
    np.testing.assert_allclose(results["w"], w, rtol=16 * eps)
    assert losses[0] == 2.25 and losses[0] > losses[1] > losses[2]


def test_ps_errors_reach_the_tf_client_as_tf_errors(mixed):
    results, _, _ = mixed
    kind, message = results["error"]
    assert kind == "InvalidArgumentError"
    assert "a over p : Tensor had Inf values" in message
    assert "checked" in message


def test_variables_live_on_the_teachflow_ps(mixed):
    results, ps, _ = mixed
    a = ps.resources.lookup("", "a")
    w = ps.resources.lookup("", "w")
    assert float(a.value) == 1.0
    # Read back by the TF client and read here: the same float32 values.
    np.testing.assert_array_equal(np.asarray(w.value), np.array(results["w"], np.float32))
    # Three steps of gradient descent moved w from where it started.
    assert not np.allclose(np.asarray(w.value), [[0.5], [-0.5]])


def test_ps_ran_the_update_and_its_step_stats_reach_the_client(mixed):
    results, _, seen = mixed
    ran = {(e.device, e.op_type) for e in seen}
    assert {(PS_DEVICE, "ResourceApplyGradientDescent"), (PS_DEVICE, "ApplyGradientDescent")} & ran
    # A FULL_TRACE step's RunMetadata carries the ps's stats, merged by TF's master.
    assert PS_DEVICE in results["traced_devices"]
    assert "a" in results["traced_ps_nodes"]


def test_local_cluster_with_tensorflow_workers(tf_python, monkeypatch):
    """The same mix from one line: LocalCluster starts worker:0 as a TensorFlow process
    (and the ps as a teachflow one); a TF client runs the chapter's example on it."""
    from teachflow.cluster import LocalCluster

    from .conftest import run_tf

    monkeypatch.setenv("TEACHFLOW_TF_PYTHON", tf_python)
    client = r"""
import sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
with tf.device("/job:ps/task:0"):
    a = tf.compat.v1.Variable(1.0, name="a")
with tf.device("/job:worker/task:0"):
    b, c = a + 2.0, a * 3.0
with tf.compat.v1.Session(sys.argv[1]) as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    print([float(v) for v in sess.run([b, c])])
"""
    with LocalCluster(ps=1, workers=1, engine={"worker": "tensorflow"}) as cluster:
        done = run_tf(tf_python, client, cluster.target("worker", 0))
    assert done.stdout.strip().splitlines()[-1] == "[3.0, 3.0]"


# Between-graph replication, the chapter's picture: two TF workers, each the master of
# its own session, train the same variables on one teachflow ps.
TF_REPLICA = r"""
import json, sys, time
import numpy as np
import tensorflow as tf

spec, index, steps = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
server = tf.distribute.Server(tf.train.ClusterSpec(spec), "worker", index)
tf.compat.v1.disable_eager_execution()
v1 = tf.compat.v1
setter = v1.train.replica_device_setter(
    worker_device=f"/job:worker/task:{index}", cluster=tf.train.ClusterSpec(spec))
g = tf.Graph()
with g.as_default(), v1.device(setter):
    step = v1.Variable(0, name="global_step", trainable=False, dtype=tf.int64)
    w = v1.get_variable("w", [2, 1], initializer=v1.zeros_initializer())
    x = v1.placeholder(tf.float32, [None, 2])
    y = v1.placeholder(tf.float32, [None, 1])
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = v1.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
    init = v1.global_variables_initializer()
xs = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
ys = xs @ np.array([[1.0], [-1.0]], np.float32)
# Each replica's session sees the ps and its own task only (mnist_replica's device_filters),
# so neither waits for the other worker's server to come up.
config = v1.ConfigProto(device_filters=["/job:ps", f"/job:worker/task:{index}"])
with v1.Session(server.target, graph=g, config=config) as sess:
    if index == 0:
        sess.run(init)
    deadline = time.time() + 60
    while True:  # the other replica waits for the chief's initialization, as TF1 taught
        try:
            sess.run(w)
            break
        except tf.errors.FailedPreconditionError:
            assert time.time() < deadline, "the chief never initialized the variables"
            time.sleep(0.1)
    for _ in range(steps):
        sess.run(train, {x: xs, y: ys})
    print(json.dumps({"loss": float(sess.run(loss, {x: xs, y: ys}))}))
"""


def _run_replicas(tf_python, spec, steps):
    """Both TF worker processes to their end: (returncode, stdout, stderr) each. One that
    outlives the timeout is killed, and the failure shows what both wrote."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    procs = [
        subprocess.Popen(
            [tf_python, "-c", TF_REPLICA, json.dumps(spec), str(i), str(steps)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    try:
        # Under pytest's own timeout, so a hang reports the replicas' stderr.
        outputs = [p.communicate(timeout=REPLICAS_TIMEOUT_S) for p in procs]
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        errs = [p.communicate(timeout=30)[1] for p in procs]
        pytest.fail("\n".join(f"replica {i} stderr:\n{e[-3000:]}" for i, e in enumerate(errs)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate(timeout=30)
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]


@pytest.mark.timeout(REPLICAS_TIMEOUT_S * ATTEMPTS + 60)
def test_two_tf_workers_train_on_one_teachflow_ps(tf_python):
    steps = 25
    for attempt in range(ATTEMPTS):
        # The workers' ports are bound by TensorFlow's processes: one taken meanwhile (by
        # any outgoing connection) fails that replica's start, so choose again.
        spec, servers = start_servers(
            {"ps": 1, "worker": 2},
            lambda spec, job, i: tf.train.Server(spec, job, i) if job == "ps" else None,
        )
        ps = servers["ps"][0]
        try:
            results = _run_replicas(tf_python, spec, steps)
            failed = [err for rc, _, err in results if rc != 0]
            if any("Address already in use" in err for err in failed) and attempt < ATTEMPTS - 1:
                continue
            assert not failed, failed[0][-4000:]
            losses = [json.loads(out.strip().splitlines()[-1])["loss"] for _, out, _ in results]
            # Every replica's updates landed on the one global step the ps holds.
            assert int(ps.resources.lookup("", "global_step").value) == 2 * steps
            # From w = 0 (loss 1.0) the shared w got better for both replicas.
            assert all(loss < 1.0 for loss in losses)
            return
        finally:
            ps.stop()
