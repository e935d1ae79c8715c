"""A classic TF1 distributed training program, its ps a teachflow server.

The program every TF1 course shows: ``replica_device_setter`` puts the variables (weights,
Adam's slots, the global step) on the ps, the worker computes, ``Saver`` writes a
checkpoint (the save ops run on the ps). It runs twice in a TensorFlow process: with a
TensorFlow ps, the reference, and with a teachflow ps. Both give the same losses, and the
checkpoint the teachflow ps wrote is one TensorFlow reads.
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import free_ports, start_servers

from .conftest import TF_TIMEOUT_S

STEPS = 20
ATTEMPTS = 3

TF_PROGRAM = r"""
import json, sys
import numpy as np
import tensorflow as tf

spec, ckpt_dir, ps_engine = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
STEPS = int(sys.argv[4])
servers = [tf.distribute.Server(tf.train.ClusterSpec(spec), "worker", 0)]
if ps_engine == "tensorflow":
    servers.append(tf.distribute.Server(tf.train.ClusterSpec(spec), "ps", 0))
tf.compat.v1.disable_eager_execution()
v1 = tf.compat.v1
rng = np.random.RandomState(0)
xs = rng.randn(32, 4).astype(np.float32)
ys = (xs[:, 0] > 0).astype(np.int64) + (xs[:, 1] > 0)
out = {}
g = tf.Graph()
with g.as_default(), v1.device(v1.train.replica_device_setter(cluster=tf.train.ClusterSpec(spec))):
    step = v1.Variable(0, name="global_step", trainable=False, dtype=tf.int64)
    x = v1.placeholder(tf.float32, [None, 4], name="x")
    y = v1.placeholder(tf.int64, [None], name="y")
    W = v1.get_variable("W", [4, 3], initializer=v1.glorot_uniform_initializer(seed=1))
    b = v1.get_variable("b", [3], initializer=v1.zeros_initializer())
    loss = v1.losses.sparse_softmax_cross_entropy(y, tf.matmul(x, W) + b)
    train = v1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    saver = v1.train.Saver()
    init = v1.global_variables_initializer()
with v1.Session(servers[0].target, graph=g) as sess:
    sess.run(init)
    out["losses"] = [float(sess.run([train, loss], {x: xs, y: ys})[1]) for _ in range(STEPS)]
    out["W"] = sess.run(W).tolist()
    path = saver.save(sess, ckpt_dir + "/model", global_step=step)
    sess.run(W.assign(tf.zeros([4, 3])))
    saver.restore(sess, path)
    out["restored_W"] = sess.run(W).tolist()
reader = tf.train.load_checkpoint(path)
out["checkpoint"] = {
    name: np.asarray(reader.get_tensor(name)).tolist()
    for name in ("W", "b", "global_step")
}
out["checkpoint_names"] = sorted(reader.get_variable_to_shape_map())
if ps_engine == "teachflow":
    # TF's control flow (Switch/Merge, dead tensors) placed on the teachflow ps, written with
    # TF 1.x's cond and with TF 2.x's (If, lowered to Switch/Merge by TF's master).
    for version in ("v1", "v2"):
        if version == "v1":
            v1.disable_control_flow_v2()
        else:
            v1.enable_control_flow_v2()
        g2 = tf.Graph()
        with g2.as_default(), tf.device("/job:ps/task:0"):
            q = v1.placeholder(tf.float32, [], name="q")
            r = v1.cond(q > 0, lambda: q + 1.0, lambda: q - 1.0)
        try:
            with v1.Session(servers[0].target, graph=g2) as sess:
                out["cond_" + version] = [float(sess.run(r, {q: x})) for x in (1.0, -1.0)]
        except tf.errors.OpError as e:
            out["cond_" + version] = [type(e).__name__, e.message]
print(json.dumps(out))
"""


def run_program(tf_python, spec, ckpt_dir, ps_engine):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    args = [json.dumps(spec), str(ckpt_dir), ps_engine, str(STEPS)]
    return subprocess.run(
        [tf_python, "-c", TF_PROGRAM, *args],
        capture_output=True,
        text=True,
        timeout=TF_TIMEOUT_S,
        env=env,
    )


def results_of(done):
    if done.returncode != 0:
        pytest.fail(f"the TensorFlow program failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tf_python, tmp_path_factory):
    """(results with a TensorFlow ps, results with a teachflow ps, the teachflow ps)."""
    for attempt in range(ATTEMPTS):
        ps_port, worker_port = free_ports(2)
        spec = {"ps": [f"127.0.0.1:{ps_port}"], "worker": [f"127.0.0.1:{worker_port}"]}
        done = run_program(tf_python, spec, tmp_path_factory.mktemp("tf"), "tensorflow")
        if "Address already in use" not in done.stderr or attempt == ATTEMPTS - 1:
            break
    reference = results_of(done)
    for _ in range(ATTEMPTS):
        spec, servers = start_servers(
            {"ps": 1, "worker": 1},
            lambda spec, job, i: tf.train.Server(spec, job, i) if job == "ps" else None,
        )
        ps = servers["ps"][0]
        try:
            done = run_program(tf_python, spec, tmp_path_factory.mktemp("mixed"), "teachflow")
        except BaseException:
            ps.stop()
            raise
        if done.returncode == 0 or "Address already in use" not in done.stderr:
            break
        ps.stop()
    try:
        yield reference, results_of(done), ps
    finally:
        ps.stop()


def test_teachflow_ps_trains_as_a_tensorflow_ps_does(runs):
    reference, mixed, _ = runs
    # Same graph, same data, same initial values (seeded): only the ps's kernels (Adam's
    # update, the reads) differ, each a few float32 roundings per step.
    tolerance = 4 * STEPS * float(np.finfo(np.float32).eps)
    assert mixed["losses"] == pytest.approx(reference["losses"], rel=tolerance)
    np.testing.assert_allclose(mixed["W"], reference["W"], rtol=tolerance, atol=tolerance)
    assert mixed["losses"][-1] < mixed["losses"][0] / 2


def test_checkpoint_written_by_the_teachflow_ps_is_read_by_tensorflow(runs):
    reference, mixed, ps = runs
    assert mixed["checkpoint_names"] == reference["checkpoint_names"]
    assert mixed["checkpoint"]["global_step"] == STEPS
    assert mixed["checkpoint"]["W"] == mixed["W"] == mixed["restored_W"]
    # The values the TF worker read are the ones held on the teachflow ps.
    np.testing.assert_array_equal(np.asarray(ps.resources.lookup("", "W").value), mixed["W"])


def test_tensorflow_control_flow_runs_on_the_teachflow_ps(runs):
    _, mixed, _ = runs
    # TF's master lowers TF 2.x's If to TF 1.x's Switch/Merge before it partitions: both
    # reach the ps as Switch and Merge, and the branch not taken is dead there.
    for version in ("v1", "v2"):
        assert mixed[f"cond_{version}"] == [2.0, -2.0], version
