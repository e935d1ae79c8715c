"""A TensorFlow client's tf.cond and MonitoredTrainingSession on a teachflow ps.

TensorFlow's master (worker:0, a real ``tf.distribute.Server`` with the TF client in the
same process) partitions a graph with a cond whose branches read and update variables on
the teachflow ps, and registers the ps's partition, with its ``Switch``/``Merge`` nodes, on
the teachflow ps. The cond is built both ways TensorFlow builds one: v1 control flow
(``disable_control_flow_v2``) and TF 2.x's default v2 cond, an ``If`` op that TF's master
lowers to Switch/Merge before it partitions. Dead tensors cross between the two with
``RecvTensorResponse.is_dead``. ``MonitoredTrainingSession`` (whose global-step read is a
cond of ``initialized_value``) then trains a few steps with the global step on the ps.
A v1 ``tf.while_loop`` whose frame lies on the ps runs there too. (A loop whose frame TF
splits over two tasks gets TF's "control loops", per-iteration sends inside the frame,
which teachflow's tasks do not run yet.)
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers

from .conftest import TF_TIMEOUT_S

ATTEMPTS = 3

TF_CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf

spec = json.loads(sys.argv[1])
FLOW = sys.argv[2]
server = tf.distribute.Server(tf.train.ClusterSpec(spec), "worker", 0)
v1 = tf.compat.v1
v1.disable_eager_execution()
if FLOW == "v1":  # TF 1.x: ref variables, Switch/Merge built by tf.cond itself
    v1.disable_resource_variables()
    v1.disable_control_flow_v2()
out = {}
g = tf.Graph()
with g.as_default():
    with tf.device("/job:worker/task:0"):
        p = v1.placeholder(tf.bool, [], name="p")
        x = v1.placeholder(tf.float32, [2], name="x")
    with tf.device("/job:ps/task:0"):
        v = v1.Variable([1.0, 2.0], name="v")
        counter = v1.Variable(0, name="counter")
        r = tf.cond(p, lambda: v * x + 1.0, lambda: v - x)
        bump = tf.cond(p, lambda: v1.assign_add(counter, 1), lambda: v1.assign_add(counter, 10))
        if FLOW == "v1":  # a v2 loop reading v spans tasks: TF adds control loops (not yet)
            steps, total = tf.while_loop(
                lambda i, a: i < 4, lambda i, a: (i + 1, a + v * tf.cast(i, tf.float32)), [0, v]
            )
    # Dead tensors crossing tasks both ways: branches on one task, the Merge on the other.
    def on(task, fn):
        def branch():
            with tf.device(task):
                return fn()
        return branch

    with tf.device("/job:worker/task:0"):
        to_tf = tf.cond(p, on("/job:ps/task:0", lambda: v * 2.0), on("/job:ps/task:0", lambda: v - 1.0))
    with tf.device("/job:ps/task:0"):
        to_tf_ps = tf.cond(
            p, on("/job:worker/task:0", lambda: x * 2.0), on("/job:worker/task:0", lambda: x - 1.0)
        )
    init = v1.global_variables_initializer()
with v1.Session(server.target, graph=g) as sess:
    sess.run(init)
    out["true"] = sess.run(r, {p: True, x: [3.0, 4.0]}).tolist()
    out["false"] = sess.run(r, {p: False, x: [3.0, 4.0]}).tolist()
    out["bumps"] = [int(sess.run(bump, {p: flag})) for flag in (True, False, True)]
    out["across"] = [
        sess.run([to_tf, to_tf_ps], {p: flag, x: [3.0, 4.0]})[k].tolist()
        for flag in (True, False)
        for k in (0, 1)
    ]
    if FLOW == "v1":
        out["loop"] = [int(sess.run(steps))] + sess.run(total).tolist()
    out["ops"] = sorted({op.type for op in g.get_operations()})

g2 = tf.Graph()
with g2.as_default():
    with tf.device("/job:ps/task:0"):
        step = v1.train.get_or_create_global_step()
        w = v1.Variable(2.0, name="w")
    with tf.device("/job:worker/task:0"):
        loss = tf.square(w - 5.0)
        train = v1.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    hooks = [v1.train.StopAtStepHook(last_step=3)]
    seen = []
    with v1.train.MonitoredTrainingSession(master=server.target, hooks=hooks) as mts:
        while not mts.should_stop():
            mts.run(train)
            seen.append("train")
    with v1.Session(server.target, graph=g2) as sess:  # the variables live on in the ps
        out["mts_steps"] = [len(seen), int(sess.run(step))]
print(json.dumps(out))
"""


def run_mixed(tf_python, flow):
    for attempt in range(ATTEMPTS):
        spec, servers = start_servers(
            {"ps": 1, "worker": 1},
            lambda spec, job, i: tf.train.Server(spec, job, i) if job == "ps" else None,
        )
        ps = servers["ps"][0]
        try:
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
            done = subprocess.run(
                [tf_python, "-c", TF_CLIENT, json.dumps(spec), flow],
                capture_output=True,
                text=True,
                timeout=TF_TIMEOUT_S,
                env=env,
            )
        except BaseException:
            ps.stop()
            raise
        if done.returncode == 0:
            return json.loads(done.stdout.strip().splitlines()[-1]), ps
        ps.stop()
        if "Address already in use" not in done.stderr or attempt == ATTEMPTS - 1:
            pytest.fail(f"the TensorFlow worker and client failed:\n{done.stderr[-4000:]}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module", params=["v1", "v2"])
def mixed(tf_python, request):
    results, ps = run_mixed(tf_python, request.param)
    try:
        yield request.param, results, ps
    finally:
        ps.stop()


def test_cond_with_branches_on_the_teachflow_ps(mixed):
    flow, results, ps = mixed
    assert ("Switch" in results["ops"]) is (flow == "v1")
    assert ("If" in results["ops"] or "StatelessIf" in results["ops"]) is (flow == "v2")
    np.testing.assert_array_equal(results["true"], [4.0, 9.0])
    np.testing.assert_array_equal(results["false"], [-2.0, -2.0])
    # Branches on the ps, Merge on the TF worker (and the other way round): the branch not
    # taken sends a dead tensor (RecvTensorResponse.is_dead) and the Merge takes the other.
    assert results["across"] == [[2.0, 4.0], [6.0, 8.0], [0.0, 1.0], [2.0, 3.0]]
    # Only the branch taken assigned: +1, +10, +1.
    assert results["bumps"] == [1, 11, 12]
    assert int(ps.resources.lookup("", "counter").value) == 12
    if flow == "v1":  # a while loop on the ps, its frame there: v + v * (0 + 1 + 2 + 3)
        assert results["loop"] == [4, 7.0, 14.0]


def test_monitored_training_session_with_its_global_step_on_the_ps(mixed):
    _, results, ps = mixed
    assert results["mts_steps"] == [3, 3]  # three train runs, and the step says so
    assert int(ps.resources.lookup("", "global_step").value) == 3
    # Three steps of gradient descent on (w - 5)^2 from 2 with rate 0.25: exact in float32.
    assert float(ps.resources.lookup("", "w").value) == 4.625
