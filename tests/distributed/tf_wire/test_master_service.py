"""tensorflow.MasterService on a teachflow cluster, driven with TensorFlow's messages.

What TensorFlow's own master answers (the messages and codes were checked against a TF
2.21 server) is what a TF client must get from teachflow's: graph versions, errors in the
response body, duplicate request ids, callables, device lists. And a TF client is one
more client of the same master: it shares state with teachflow's clients, and its steps
reach the live views.
"""

from __future__ import annotations

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.event_stream import RemoteEventStream
from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.methods import MASTER, stub
from teachflow.distributed.worker_client import make_channel
from teachflow.framework import errors
from teachflow.proto import messages
from teachflow.proto.tf_wire import master_pb2

# TensorFlow's CallableOptions, as MakeCallableRequest names it.
CallableOptions = type(master_pb2.MakeCallableRequest().options)

CALL_TIMEOUT_S = 30
PS = "/job:ps/replica:0/task:0"
WORKER = "/job:worker/replica:0/task:0"


def chapter_graph():
    """a = 1.0 on the ps; b = a + 2, c = a * 3, d = x * a on the worker."""
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
        with tf.device("/job:worker/task:0"):
            tf.add(a, 2.0, name="b")
            tf.multiply(a, 3.0, name="c")
            x = tf.placeholder(tf.float32, [None], name="x")
            tf.multiply(x, a, name="d")
        tf.global_variables_initializer()
    return g


class TensorFlowClient:
    """What TF's C++ session sends, one method at a time (``call("RunStep", ...)``)."""

    def __init__(self, address):
        self.channel = make_channel(address)

    def call(self, method, **fields):
        request = MASTER.methods[method].request(**fields)
        return stub(self.channel, MASTER, method)(request, timeout=CALL_TIMEOUT_S)

    def create(self, graph):
        return self.call("CreateSession", graph_def=graph.as_graph_def()).session_handle

    def run(self, handle, fetch=(), target=(), feed=None, **fields):
        request = master_pb2.RunStepRequest(
            session_handle=handle, fetch=list(fetch), target=list(target), **fields
        )
        for name, value in (feed or {}).items():
            request.feed.add(name=name, tensor=convert.to_tensor_proto(value))
        return stub(self.channel, MASTER, "RunStep")(request, timeout=CALL_TIMEOUT_S)


@pytest.fixture
def chapter(cluster):
    """(cluster, client of worker:0's master, handle of an initialised chapter session)."""
    c = cluster(ps=1, workers=1)
    client = TensorFlowClient(c.address("worker", 0))
    handle = client.create(chapter_graph())
    client.run(handle, target=["init"])
    yield c, client, handle
    client.channel.close()


def values(response):
    return [convert.to_numpy(t.tensor).tolist() for t in response.tensor]


def test_the_chapters_example_gives_tensorflows_values(chapter):
    _, client, handle = chapter
    response = client.run(handle, fetch=["b:0", "c:0"])
    assert [t.name for t in response.tensor] == ["b:0", "c:0"]
    assert values(response) == [3.0, 3.0]
    assert response.HasField("metadata") and not response.metadata.step_stats.dev_stats
    fed = client.run(handle, fetch=["d:0"], feed={"x:0": np.array([1.0, 2.0], np.float32)})
    assert values(fed) == [[1.0, 2.0]]


def test_extend_session_counts_versions_and_refuses_a_stale_one(chapter):
    _, client, handle = chapter
    g = tf.Graph()
    with g.as_default():
        tf.constant(5.0, name="e")
    first = client.call(
        "ExtendSession", session_handle=handle, graph_def=g.as_graph_def(), current_graph_version=0
    )
    assert first.new_graph_version == 1
    assert values(client.run(handle, fetch=["e:0"])) == [5.0]
    with pytest.raises(grpc.RpcError) as stale:
        client.call("ExtendSession", session_handle=handle, current_graph_version=0)
    assert stale.value.code() == grpc.StatusCode.ABORTED
    assert stale.value.details() == "Current version is 1 but caller expected 0."
    with pytest.raises(grpc.RpcError) as again:
        client.call(
            "ExtendSession",
            session_handle=handle,
            graph_def=g.as_graph_def(),
            current_graph_version=1,
        )
    assert again.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "includes node 'e', which was created by a previous call" in again.value.details()


def test_errors_go_in_the_body_when_the_client_asks(chapter):
    _, client, handle = chapter
    in_body = client.run(handle, fetch=["d:0"], store_errors_in_response_body=True)
    assert in_body.status_code == errors.INVALID_ARGUMENT
    assert "You must feed a value for placeholder tensor 'x'" in in_body.status_error_message
    assert in_body.HasField("metadata")
    with pytest.raises(grpc.RpcError) as as_status:
        client.run(handle, fetch=["d:0"])
    assert as_status.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "You must feed a value for placeholder tensor 'x'" in as_status.value.details()


def test_unknown_names_and_sessions_are_tensorflows_errors(chapter):
    _, client, handle = chapter
    with pytest.raises(grpc.RpcError) as fetch:
        client.run(handle, fetch=["zz:0"])
    assert (fetch.value.code(), fetch.value.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "FetchOutputs node zz:0: not found",
    )
    with pytest.raises(grpc.RpcError) as feed:
        client.run(handle, fetch=["b:0"], feed={"q:0": np.float32(1)})
    assert feed.value.details() == "FeedInputs: unable to find feed output q:0"
    with pytest.raises(grpc.RpcError) as target:
        client.run(handle, target=["nope"])
    assert target.value.code() == grpc.StatusCode.NOT_FOUND and "nope" in target.value.details()
    with pytest.raises(grpc.RpcError) as session:
        client.run("0123456789abcdef", fetch=["b:0"])
    assert session.value.code() == grpc.StatusCode.ABORTED
    assert session.value.details() == "Session 0123456789abcdef is not found."


def test_a_feed_of_the_wrong_dtype_is_an_invalid_argument(chapter):
    _, client, handle = chapter
    with pytest.raises(grpc.RpcError) as e:
        client.run(handle, fetch=["d:0"], feed={"x:0": np.array([1, 2], np.int32)})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "float" in e.value.details() and "int32" in e.value.details()


def test_a_request_id_seen_before_is_refused(chapter):
    _, client, handle = chapter
    assert values(client.run(handle, fetch=["c:0"], request_id=77)) == [3.0]
    again = client.run(handle, fetch=["c:0"], request_id=77, store_errors_in_response_body=True)
    assert again.status_code == errors.ABORTED
    assert again.status_error_message.startswith(
        "The same RunStep (Master) request was received twice."
    )
    assert values(client.run(handle, fetch=["c:0"], request_id=78)) == [3.0]


def test_full_trace_fills_run_metadata_with_tensorflows_messages(chapter):
    _, client, handle = chapter
    response = client.run(
        handle,
        fetch=["c:0"],
        options=messages.RunOptions(trace_level=3, output_partition_graphs=True),
    )
    meta = response.metadata
    stats = {d.device: [n.node_name for n in d.node_stats] for d in meta.step_stats.dev_stats}
    assert "c" in stats[f"{WORKER}/device:CPU:0"]
    assert "a" in stats[f"{PS}/device:CPU:0"]
    assert {n.op for g in meta.partition_graphs for n in g.node} >= {"_Send", "_Recv", "Mul"}
    assert meta.partition_graphs[0].versions.producer > 0


def test_callables_run_with_their_options_and_are_released(chapter):
    _, client, handle = chapter
    made = client.call(
        "MakeCallable",
        session_handle=handle,
        options=CallableOptions(feed=["x:0"], fetch=["d:0", "b:0"]),
    )
    assert made.handle == 0
    ran = client.call(
        "RunCallable",
        session_handle=handle,
        handle=made.handle,
        feed=[convert.to_tensor_proto(np.array([2.0, 4.0], np.float32))],
    )
    assert [convert.to_numpy(t).tolist() for t in ran.fetch] == [[2.0, 4.0], 3.0]
    with pytest.raises(grpc.RpcError) as count:
        client.call("RunCallable", session_handle=handle, handle=made.handle)
    assert count.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expected 1, got 0" in count.value.details()
    with pytest.raises(grpc.RpcError) as unknown:
        client.call("RunCallable", session_handle=handle, handle=9)
    assert unknown.value.details() == "No such callable handle: 9"
    client.call("ReleaseCallable", session_handle=handle, handle=made.handle)
    with pytest.raises(grpc.RpcError) as released:
        client.call("RunCallable", session_handle=handle, handle=made.handle)
    assert released.value.details() == ("Attempted to run callable after handle was released: 0")
    with pytest.raises(grpc.RpcError) as bad:
        client.call(
            "MakeCallable",
            session_handle=handle,
            options=CallableOptions(fetch=["zz:0"]),
        )
    assert bad.value.code() == grpc.StatusCode.NOT_FOUND


def test_partial_runs_are_unimplemented_by_name(chapter):
    _, client, handle = chapter
    with pytest.raises(grpc.RpcError) as e:
        client.call("PartialRunSetup", session_handle=handle, feed=["x:0"], fetch=["d:0"])
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "PartialRunSetup" in e.value.details() and "partial run" in e.value.details()


def test_list_devices_lists_the_cluster_master_first(chapter):
    _, client, handle = chapter
    listed = client.call("ListDevices", session_handle=handle)
    assert [d.name for d in listed.local_device] == [f"{WORKER}/device:CPU:0", f"{PS}/device:CPU:0"]
    assert {d.device_type for d in listed.local_device} == {"CPU"}
    assert all(d.incarnation and d.memory_limit > 0 for d in listed.local_device)
    assert not listed.remote_device
    assert len(client.call("ListDevices").local_device) == 2  # no session needed
    with pytest.raises(grpc.RpcError) as e:
        client.call("ListDevices", session_handle="nope")
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_close_session_ends_it(chapter):
    c, client, handle = chapter
    client.call("CloseSession", session_handle=handle)
    with pytest.raises(grpc.RpcError) as e:
        client.call("CloseSession", session_handle=handle)
    assert e.value.code() == grpc.StatusCode.ABORTED
    assert "Possibly, this master has restarted." in e.value.details()
    assert handle not in c.server("worker", 0).master_service.sessions


def test_a_tensorflow_client_shares_state_with_teachflow_clients(chapter, session_config):
    c, client, handle = chapter
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
        bump = a.assign_add(10.0)
    with tf.Session(c.target("worker", 0), graph=g, config=session_config()) as sess:
        assert sess.run(bump) == 11.0
    assert values(client.run(handle, fetch=["c:0"])) == [33.0]
    client.call("Reset", container=[""])
    in_body = client.run(handle, fetch=["c:0"], store_errors_in_response_body=True)
    assert in_body.status_code == errors.FAILED_PRECONDITION


def test_a_tensorflow_clients_step_reaches_the_live_event_stream(chapter):
    c, client, handle = chapter
    events = []
    stream = RemoteEventStream(
        {PS: c.address("ps", 0), WORKER: c.address("worker", 0)}, events.append
    ).start()
    try:
        assert stream.wait_ready(10.0)
        assert values(client.run(handle, fetch=["c:0"])) == [3.0]
    finally:
        stream.stop(quiet=0.2)
    ops = {(e.node, e.device) for e in events if e.kind == "op"}
    assert ("c", f"{WORKER}/device:CPU:0") in ops
    assert ("a", f"{PS}/device:CPU:0") in ops


def test_a_token_protected_server_refuses_tensorflow_clients(cluster):
    c = cluster(ps=0, workers=1, token="sesame")
    client = TensorFlowClient(c.address("worker", 0))
    try:
        with pytest.raises(grpc.RpcError) as e:
            client.call("ListDevices")
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        client.channel.close()


def test_a_session_the_master_closed_while_idle_is_gone_for_tensorflow_too(chapter):
    c, client, handle = chapter
    master = c.server("worker", 0).master_service
    tf_master = c.server("worker", 0).tf_master_service
    master.session_gc_seconds = 60.0
    now = master.clock()
    master.clock = lambda: now + 3600.0  # an hour later: the chapter's session is idle
    other = client.create(chapter_graph())
    assert handle not in master.sessions and handle not in tf_master.sessions
    assert other in tf_master.sessions
    with pytest.raises(grpc.RpcError) as e:
        client.run(handle, fetch=["c:0"])
    assert e.value.code() == grpc.StatusCode.ABORTED and handle in e.value.details()
