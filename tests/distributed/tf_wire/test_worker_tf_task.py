"""teachflow's master driving a task that speaks only TensorFlow's WorkerService (no TF needed).

The TF-only task here is made of teachflow's parts: a worker whose only gRPC service is
`TFWorkerService` (whose answers test_worker_replay.py checks against a real TF ps).
teachflow's master must find out that the task serves no teachflow protocol, switch to
TensorFlow's (`PeerClient` -> `TensorFlowTask`), register TF-style partitions with
client-terminated feeds and fetches, and move tensors both ways with TF's RecvTensor.
tests/tf_interop/test_mixed_tf_ps.py does the same against a real TensorFlow ps.
"""

from __future__ import annotations

import concurrent.futures
import json
import pathlib

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.ports import start_servers
from teachflow.distributed.tf_wire import partition
from teachflow.distributed.tf_wire.tf_task import (
    PeerClient,
    TensorFlowTask,
    events_from_step_stats,
)
from teachflow.distributed.tf_wire.worker_service import TFWorkerService
from teachflow.distributed.worker import WorkerService
from teachflow.framework import dtypes
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.proto.tf_wire import worker_pb2
from teachflow.runtime.config import ConfigProto
from teachflow.runtime.devices import make_local_devices
from teachflow.runtime.resources import ResourceManager

PS = "/job:ps/replica:0/task:0"
PS_CPU = f"{PS}/device:CPU:0"
LEARNING_RATE = 0.01
XS = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


class TensorFlowOnlyTask:
    """A task serving TensorFlow's WorkerService and nothing else (as a TF server does)."""

    def __init__(self, spec, job, index):
        task = f"/job:{job}/replica:0/task:{index}"
        cluster = ClusterSpec(spec)
        self.resources = ResourceManager()
        devices = make_local_devices(ConfigProto(), task, self.resources)
        self.worker = WorkerService(task, devices, self.resources, peers=None)

        def address_of(name):
            parts = dict(p.split(":", 1) for p in name.strip("/").split("/"))
            return cluster.task_address(parts["job"], int(parts["task"]))

        self.service = TFWorkerService(self.worker, address_of)
        self._grpc = grpc.server(concurrent.futures.ThreadPoolExecutor(32))
        self._grpc.add_generic_rpc_handlers((self.service.handler(),))
        if self._grpc.add_insecure_port(spec[job][index]) == 0:
            self.worker.close()
            raise OSError(f"Could not bind {spec[job][index]}")
        self._grpc.start()

    def stop(self):
        self._grpc.stop(None).wait()
        self.service.close()
        self.worker.close()


@pytest.fixture
def mixed():
    def make(spec, job, i):
        return (
            tf.train.Server(spec, job, i) if job == "worker" else TensorFlowOnlyTask(spec, job, i)
        )

    spec, servers = start_servers({"worker": 1, "ps": 1}, make)
    try:
        yield spec, servers["worker"][0], servers["ps"][0]
    finally:
        for group in servers.values():
            for s in group:
                s.stop()


def test_master_switches_to_tensorflows_protocol_and_trains(mixed):
    spec, master, ps = mixed
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
            w = tf.Variable([[0.5], [-0.5]], name="w")
            p = tf.placeholder(tf.float32, [], name="p")
            scaled = tf.multiply(a, p, name="scaled")
        with tf.device("/job:worker/task:0"):
            b = tf.add(a, 2.0, name="b")
            x = tf.placeholder(tf.float32, [None, 2], name="x")
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0), name="loss")
            train = tf.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss)
            words = tf.constant(["tf", "wire"], name="words")
        with tf.device("/job:ps/task:0"):
            joined = tf.identity(words, name="joined")
        init = tf.global_variables_initializer()
    with tf.Session(f"grpc://{spec['worker'][0]}", graph=g) as sess:
        sess.run(init)
        # a crosses ps -> worker; p is fed into, and scaled fetched from, the ps partition.
        assert sess.run([b, scaled], {p: 4.0}) == [3.0, 4.0]
        losses = [float(sess.run([train, loss], {x: XS})[1]) for _ in range(2)]
        # A string tensor crosses worker -> ps (TF's RecvTensor on the teachflow worker).
        assert list(sess.run(joined)) == [b"tf", b"wire"]
        meta = tf.RunMetadata()
        opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        assert sess.run(scaled, {p: 2.0}, options=opts, run_metadata=meta) == 2.0
    # The traced step shows the TF-speaking task's nodes (from its RunGraph step stats).
    ps_nodes = {
        n.node_name for d in meta.step_stats.dev_stats if d.device == PS_CPU for n in d.node_stats
    }
    assert "scaled" in ps_nodes
    first_err = XS.astype(np.float64) @ np.array([[0.5], [-0.5]]) - 1.0
    assert losses[0] == pytest.approx(float(np.mean(first_err**2)))
    assert losses[1] < losses[0]
    peer = master.worker_client(PS)
    assert isinstance(peer, PeerClient) and isinstance(peer.current, TensorFlowTask)
    # The variables live on the TF-speaking task.
    assert float(ps.resources.lookup("", "a").value) == 1.0
    assert not np.allclose(ps.resources.lookup("", "w").value, [[0.5], [-0.5]])


def test_teachflow_peers_keep_teachflows_protocol(cluster):
    c = cluster(ps=1, workers=1)
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            v = tf.constant(2.0)
        with tf.device("/job:worker/task:0"):
            y = v * 5.0
        with tf.Session(c.target("worker", 0)) as sess:
            assert sess.run(y) == 10.0
    peer = c.server("worker", 0).worker_client(PS)
    assert type(peer.current).__name__ == "WorkerClient"


def test_to_tensorflow_feeds_and_fetches_through_client_terminated_nodes():
    big = (1 << 64) - 3  # a TF device's incarnation: a uint64 past int64's range
    nodes = [
        NodeDef(
            "x/_feed_0",
            "Placeholder",
            [],
            PS_CPU,
            {"dtype": dtypes.float32, "shape": TensorShape([])},
        ),
        NodeDef(
            "r",
            "_Recv",
            [],
            PS_CPU,
            {
                "T": dtypes.float32,
                "shape": TensorShape([]),
                "tensor_name": "edge_1_v",
                "send_device": "/job:worker/replica:0/task:0/device:CPU:0",
                "send_device_incarnation": 5,
                "recv_device": PS_CPU,
            },
        ),
        NodeDef("y", "Mul", ["x/_feed_0", "r"], PS_CPU, {"T": dtypes.float32}),
    ]
    gd, keys = partition.to_tensorflow(nodes, ["x/_feed_0:0"], ["y:0"], {PS_CPU: big})
    by_name = {n.name: n for n in gd.node}
    feed = by_name["x/_feed_0"]
    assert feed.op == "_Recv" and feed.attr["client_terminated"].b
    assert feed.attr["tensor_type"].type == dtypes.float32.enum
    assert feed.attr["send_device_incarnation"].i == big - (1 << 64)
    recv = by_name["r"]
    assert "T" not in recv.attr and "shape" not in recv.attr
    assert recv.attr["tensor_type"].type == dtypes.float32.enum
    assert not recv.attr["client_terminated"].b
    (fetch,) = [n for n in gd.node if n.op == "_Send"]
    assert list(fetch.input) == ["y"] and fetch.attr["client_terminated"].b
    assert keys.feeds == {"x/_feed_0:0": f"{PS_CPU};fffffffffffffffd;{PS_CPU};x/_feed_0:0;0:0"}
    assert keys.fetches == {"y:0": f"{PS_CPU};fffffffffffffffd;{PS_CPU};y:0;0:0"}


def test_a_tensorflow_workers_step_stats_become_op_events():
    """The traced RunGraph response a TF ps sent (recorded): its nodes as teachflow's
    op events, for the timeline and RunMetadata of a step teachflow's master ran."""
    fixtures = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow" / "wire" / "worker"
    index = json.loads((fixtures / "index.json").read_text())
    responses = [
        worker_pb2.RunGraphResponse.FromString((fixtures / c["response"]).read_bytes())
        for c in index["calls"]
        if c["method"] == "RunGraph" and c["code"] == "OK"
    ]
    (response,) = [r for r in responses if r.HasField("step_stats")]
    events = events_from_step_stats(response.step_stats, step_id=7)
    by_node = {e.node: e for e in events}
    assert set(by_node) == {"a", "c/ReadVariableOp"}  # TF's _SOURCE marker left out
    assert by_node["a"].op_type == "VarHandleOp"
    assert by_node["c/ReadVariableOp"].op_type == "ReadVariableOp"
    for e in events:
        assert e.step_id == 7 and e.device == PS_CPU and e.kind == "op"
        assert 0 <= e.end_ns - e.start_ns < 10**9
        assert e.start_ns // 1000 >= 1_700_000_000_000_000  # epoch microseconds, as TF's
