"""GetStatus(include_resources=True): the variables and queues a task holds."""

from __future__ import annotations

import numpy as np

import teachflow as tf
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.protocol.resources import resource_infos
from teachflow.distributed.worker_client import make_channel
from teachflow.runtime.resources import ResourceManager, VariableState


def get_status(address, **request):
    channel = make_channel(address)
    try:
        stub = pb_grpc.WorkerServiceStub(channel)
        return stub.GetStatus(pb.GetStatusRequest(**request), timeout=5)
    finally:
        channel.close()


def test_only_asked_for_resources_are_listed(cluster, session_config):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(np.ones([4], np.float64), name="v")
        q = tf.FIFOQueue(3, [tf.float32, tf.string], shapes=[[2], []], shared_name="q")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(v.initializer)
        sess.run(q.enqueue(([1.0, 2.0], b"a")))
    assert list(get_status(c.address("ps", 0)).resources) == []  # what masters ask
    res = get_status(c.address("ps", 0), include_resources=True).resources
    by_name = {r.name: r for r in res}
    var, queue = by_name["v"], by_name["q"]
    assert (var.kind, var.dtype, var.shape, var.initialized, var.bytes) == (
        "Variable",
        "float64",
        "(4,)",
        True,
        32,
    )
    assert var.device == "/job:ps/replica:0/task:0/device:CPU:0"
    assert (queue.kind, queue.dtype, queue.shape, queue.size, queue.capacity, queue.closed) == (
        "FIFOQueue",
        "float32, string",
        "(2,), ()",
        1,
        3,
        False,
    )
    assert list(get_status(c.address("worker", 0), include_resources=True).resources) == []


def test_containers_and_uninitialized_variables():
    rm = ResourceManager()
    rm.lookup_or_create("exp", "b", lambda: VariableState("b", tf.int32, tf.TensorShape(None)))
    rm.lookup_or_create("", "a", lambda: VariableState("a", tf.float32, tf.TensorShape([None])))
    infos = resource_infos(rm, [])
    assert [(r.container, r.name, r.shape, r.initialized, r.device) for r in infos] == [
        ("", "a", "(?,)", False, ""),
        ("exp", "b", "<unknown>", False, ""),
    ]
