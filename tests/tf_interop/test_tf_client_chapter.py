"""A real TensorFlow client on a teachflow cluster: the chapter's example, unmodified.

TensorFlow 2.21's ``tf.compat.v1.Session("grpc://...")`` (graph mode) runs, in a subprocess
of the TF Python, against a teachflow ps + worker started here: ``a = 1.0`` on the ps,
``b = a + 2`` and ``c = a * 3`` on the worker give 3.0; feeds, a list fetch, FULL_TRACE
RunMetadata with partition graphs, an op added after the first run (ExtendSession),
``make_callable`` and ``_make_callable_from_options`` (MakeCallable/RunCallable),
``list_devices``, bad feeds (TF's InvalidArgumentError class in the TF client) and a partial
run (UnimplementedError), with resource variables (TF 2.x's default) and ref variables
(TF 1.x's).
"""

from __future__ import annotations

import json

import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers

from .conftest import run_tf

TF_CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2

target, variables = sys.argv[1], sys.argv[2]
tf.compat.v1.disable_eager_execution()
if variables == "ref":
    tf.compat.v1.disable_resource_variables()
out = {}
g = tf.Graph()
with g.as_default():
    with tf.device("/job:ps/task:0"):
        a = tf.compat.v1.Variable(1.0, name="a")
    with tf.device("/job:worker/task:0"):
        b = tf.add(a, 2.0, name="b")
        c = tf.multiply(a, 3.0, name="c")
        x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
        d = tf.multiply(x, a, name="d")
        r = tf.reshape(x, [2, 2], name="r")
    init = tf.compat.v1.global_variables_initializer()
    out["ops"] = sorted({op.type for op in g.get_operations()})
with tf.compat.v1.Session(target, graph=g) as sess:
    sess.run(init)
    out["list_fetch"] = [float(v) for v in sess.run([b, c])]
    out["dict_fetch"] = {k: float(v) for k, v in sess.run({"b": b, "c": c}).items()}
    out["feed"] = sess.run(d, {x: np.array([1.0, 2.0, 3.0], np.float32)}).tolist()
    opts = tf.compat.v1.RunOptions(
        trace_level=tf.compat.v1.RunOptions.FULL_TRACE, output_partition_graphs=True
    )
    meta = tf.compat.v1.RunMetadata()
    out["traced"] = float(sess.run(c, options=opts, run_metadata=meta))
    out["trace_devices"] = sorted({s.device for s in meta.step_stats.dev_stats})
    out["trace_nodes"] = sorted({n.node_name for s in meta.step_stats.dev_stats
                                 for n in s.node_stats})
    out["partition_devices"] = sorted({n.device for p in meta.partition_graphs for n in p.node})
    with g.as_default(), tf.device("/job:worker/task:0"):
        e = tf.add(c, 1.0, name="e")
    out["extended"] = float(sess.run(e))
    f = sess.make_callable([b, c])
    out["make_callable"] = [float(v) for v in f()]
    fd = sess.make_callable(d, feed_list=[x])
    out["make_callable_feed"] = fd(np.array([4.0, 5.0], np.float32)).tolist()
    fo = sess._make_callable_from_options(
        config_pb2.CallableOptions(feed=["x:0"], fetch=["d:0", "b:0"])
    )
    out["callable_from_options"] = [v.tolist() for v in fo(np.array([2.0], np.float32))]
    del fo
    out["devices"] = sorted((dev.name, dev.device_type) for dev in sess.list_devices())
    errors = {}
    for name, run in [("unfed", lambda: sess.run(d)),
                      ("bad_reshape", lambda: sess.run(r, {x: np.ones(3, np.float32)})),
                      ("partial_run", lambda: sess.partial_run_setup([d], [x]))]:
        try:
            run()
            errors[name] = None
        except tf.errors.OpError as err:
            errors[name] = [type(err).__name__, err.message]
    out["errors"] = errors
    sess.run(a.assign(5.0))
    out["after_assign"] = float(sess.run(c))
print("RESULT " + json.dumps(out))
"""


@pytest.fixture
def teachflow_cluster():
    """A teachflow ps + worker on free ports: (spec, servers), stopped afterwards."""
    spec, servers = start_servers(
        {"ps": 1, "worker": 1}, lambda spec, job, i: tf.train.Server(spec, job, i)
    )
    yield spec, servers
    for job in servers.values():
        for s in job:
            s.stop()


def _result(done) -> dict:
    [line] = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(line[len("RESULT ") :])


@pytest.mark.parametrize("variables", ["resource", "ref"])
def test_tensorflow_client_runs_the_chapters_example_on_teachflow(
    tf_python, teachflow_cluster, variables
):
    spec, servers = teachflow_cluster
    done = run_tf(tf_python, TF_CLIENT, f"grpc://{spec['worker'][0]}", variables)
    out = _result(done)
    if variables == "ref":
        assert "VariableV2" in out["ops"]
    else:
        assert "VarHandleOp" in out["ops"]
    assert out["list_fetch"] == [3.0, 3.0]
    assert out["dict_fetch"] == {"b": 3.0, "c": 3.0}
    assert out["feed"] == [1.0, 2.0, 3.0]
    assert out["traced"] == 3.0
    ps_cpu = "/job:ps/replica:0/task:0/device:CPU:0"
    worker_cpu = "/job:worker/replica:0/task:0/device:CPU:0"
    assert out["trace_devices"] == [ps_cpu, worker_cpu]
    assert {"a", "c"} <= set(out["trace_nodes"])
    assert out["partition_devices"] == [ps_cpu, worker_cpu]
    assert out["extended"] == 4.0
    assert out["make_callable"] == [3.0, 3.0]
    assert out["make_callable_feed"] == [4.0, 5.0]
    assert out["callable_from_options"] == [[2.0], 3.0]
    assert out["devices"] == [[ps_cpu, "CPU"], [worker_cpu, "CPU"]]
    unfed_class, unfed_message = out["errors"]["unfed"]
    assert unfed_class == "InvalidArgumentError"
    assert "You must feed a value for placeholder tensor 'x'" in unfed_message
    reshape_class, reshape_message = out["errors"]["bad_reshape"]
    assert reshape_class == "InvalidArgumentError"
    assert "reshape" in reshape_message.lower() and "3" in reshape_message
    partial_class, partial_message = out["errors"]["partial_run"]
    assert partial_class == "UnimplementedError" and "PartialRunSetup" in partial_message
    assert out["after_assign"] == 15.0
    # The TF client's variable lives on the teachflow ps, where a teachflow client sees it.
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(0.0, name="a")
        with tf.Session(f"grpc://{spec['worker'][0]}") as sess:
            assert sess.run(a.read_value() if variables == "resource" else a) == 5.0
