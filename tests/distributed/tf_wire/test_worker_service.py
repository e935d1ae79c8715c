"""``tensorflow.WorkerService`` on a teachflow server: each method, as a TF master calls it.

The recorded TF session is replayed in test_worker_replay.py; here each method's
contract on its own: errors as TensorFlow's worker words them (class and words), feeds
and fetches through client-terminated ``_Recv``/``_Send``, sessions owning their graphs.
"""

from __future__ import annotations

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import free_ports, start_servers
from teachflow.distributed.tf_wire import convert, partition
from teachflow.distributed.tf_wire.methods import WORKER, stub
from teachflow.distributed.tf_wire.worker_client import TFWorkerClient
from teachflow.framework import errors
from teachflow.proto import messages
from teachflow.proto.tf_wire import worker_pb2

TASK = "/job:ps/replica:0/task:0"
DEVICE = f"{TASK}/device:CPU:0"
CLIENT = "/job:worker/replica:0/task:0/device:CPU:0"
TIMEOUT_S = 30


@pytest.fixture
def ps():
    spec, servers = start_servers({"ps": 1}, lambda spec, job, i: tf.train.Server(spec, job, i))
    server = servers["ps"][0]
    client = TFWorkerClient(TASK, spec["ps"][0])
    try:
        yield server, client
    finally:
        client.close()
        server.stop()


def incarnation(client) -> int:
    status = client.call("GetStatus", worker_pb2.GetStatusRequest())
    return status.device_attributes[0].incarnation


def node(name, op, inputs=(), **attrs):
    n = messages.NodeDef(name=name, op=op, input=list(inputs), device=DEVICE)
    for key, value in attrs.items():
        if isinstance(value, bool):
            n.attr[key].b = value
        elif isinstance(value, int) and key.endswith("incarnation"):
            n.attr[key].i = value - (1 << 64) if value >= 1 << 63 else value
        elif isinstance(value, int):
            n.attr[key].type = value
        else:
            n.attr[key].s = value.encode()
    return n


def doubling_graph(ps_incarnation, client_incarnation=7):
    """TF's shape of a partition that the client feeds and fetches: x arrives through a
    client-terminated _Recv (TF's internal name, leading "_"), y leaves through a
    client-terminated _Send."""
    g = messages.GraphDef()
    g.node.extend(
        [
            node(
                "_recv_x_0",
                "_Recv",
                tensor_type=1,
                tensor_name="x:0",
                send_device=CLIENT,
                send_device_incarnation=client_incarnation,
                recv_device=DEVICE,
                client_terminated=True,
            ),
            node("two", "Const", dtype=1),
            node("y", "Mul", ["_recv_x_0", "two"], T=1),
            node(
                "_send_y_0",
                "_Send",
                ["y"],
                T=1,
                tensor_name="y:0",
                send_device=DEVICE,
                send_device_incarnation=ps_incarnation,
                recv_device=CLIENT,
                client_terminated=True,
            ),
        ]
    )
    g.node[1].attr["value"].tensor.CopyFrom(convert.to_tensor_proto(np.float32(2.0)))
    return g


def register(client, graph_def, session=""):
    request = worker_pb2.RegisterGraphRequest(
        session_handle=session, create_worker_session_called=bool(session)
    )
    request.graph_def.CopyFrom(graph_def)
    return client.call("RegisterGraph", request).graph_handle


def test_feeds_and_fetches_cross_client_terminated_send_and_recv(ps):
    _, client = ps
    ours = incarnation(client)
    handle = register(client, doubling_graph(ours))
    x_key = partition.key_of(CLIENT, 7, DEVICE, "x:0")
    y_key = partition.key_of(DEVICE, ours, CLIENT, "y:0")
    request = worker_pb2.RunGraphRequest(graph_handle=handle, step_id=42, recv_key=[y_key])
    request.send.add(name=x_key, tensor=convert.to_tensor_proto(np.float32(3.5)))
    response = client.call("RunGraph", request)
    assert [r.name for r in response.recv] == [y_key]
    assert convert.to_numpy(response.recv[0].tensor) == np.float32(7.0)
    assert response.status_code == 0 and response.HasField("cost_graph")


def test_traced_run_graph_names_nodes_as_tensorflow_did(ps):
    _, client = ps
    ours = incarnation(client)
    handle = register(client, doubling_graph(ours))
    request = worker_pb2.RunGraphRequest(
        graph_handle=handle, step_id=43, recv_key=[partition.key_of(DEVICE, ours, CLIENT, "y:0")]
    )
    request.exec_opts.record_timeline = True
    request.exec_opts.record_partition_graphs = True
    request.send.add(
        name=partition.key_of(CLIENT, 7, DEVICE, "x:0"),
        tensor=convert.to_tensor_proto(np.float32(1.0)),
    )
    response = client.call("RunGraph", request)
    (dev,) = response.step_stats.dev_stats
    assert dev.device == DEVICE
    # TF's internal names come back as TF wrote them, not under tf_internal/.
    assert {"_recv_x_0", "y", "_send_y_0"} <= {n.node_name for n in dev.node_stats}
    assert [n.name for n in response.partition_graph[0].node][0] == "_recv_x_0"


def test_failed_step_answers_in_the_body_when_asked_and_fails_its_receivers(ps):
    # (A kernel's failure in the body: the recorded "a over p" step, test_worker_replay.)
    _, client = ps
    ours = incarnation(client)
    y_key = partition.key_of(DEVICE, ours, CLIENT, "y:0")
    request = worker_pb2.RunGraphRequest(
        graph_handle="no-such-graph", step_id=44, store_errors_in_response_body=True
    )
    response = client.call("RunGraph", request)
    assert response.status_code == errors.ABORTED
    assert "Graph handle is not found: no-such-graph" in response.status_error_message
    with pytest.raises(errors.AbortedError, match="Graph handle is not found"):
        client.call("RunGraph", worker_pb2.RunGraphRequest(graph_handle="nope", step_id=45))
    # A receiver of the failed step hears the step's error rather than waiting.
    with pytest.raises(errors.AbortedError, match="Graph handle is not found"):
        client.recv_tensor(44, y_key, timeout=TIMEOUT_S)


def test_recv_tensor_checks_the_key_and_the_incarnation(ps):
    _, client = ps
    ours = incarnation(client)
    stale = partition.key_of(DEVICE, ours ^ 1, CLIENT, "y:0")
    with pytest.raises(errors.AbortedError) as e:
        client.recv_tensor(1, stale, timeout=TIMEOUT_S)
    assert "RecvTensor expects a different device incarnation" in e.value.message
    assert f"{ours ^ 1} vs. {ours}" in e.value.message and "probably restarted" in e.value.message
    with pytest.raises(errors.InvalidArgumentError, match="Invalid rendezvous key: y:0"):
        client.recv_tensor(1, "y:0", timeout=TIMEOUT_S)
    other = partition.key_of("/job:ps/replica:0/task:0/device:GPU:3", ours, CLIENT, "y:0")
    with pytest.raises(errors.InvalidArgumentError, match="not a device of /job:ps"):
        client.recv_tensor(1, other, timeout=TIMEOUT_S)


def test_sessions_own_their_graphs(ps):
    _, client = ps
    ours = incarnation(client)
    create = worker_pb2.CreateWorkerSessionRequest(session_handle="s1", master_task=CLIENT)
    client.call("CreateWorkerSession", create)
    handle = register(client, doubling_graph(ours), session="s1")
    client.call("DeleteWorkerSession", worker_pb2.DeleteWorkerSessionRequest(session_handle="s1"))
    run = worker_pb2.RunGraphRequest(graph_handle=handle, step_id=46, session_handle="s1")
    run.create_worker_session_called = True
    with pytest.raises(errors.AbortedError, match="Session handle is not found: s1. Possibly this"):
        client.call("RunGraph", run)
    with pytest.raises(errors.AbortedError, match="Graph handle is not found"):
        client.call("DeregisterGraph", worker_pb2.DeregisterGraphRequest(graph_handle=handle))


def test_a_session_finds_its_peers_in_the_cluster_its_master_names(ps):
    _, client = ps
    (nobody,) = free_ports(1)  # worker:0 of this session: a machine that is off
    create = worker_pb2.CreateWorkerSessionRequest(session_handle="s2", master_task=CLIENT)
    create.server_def.job_name = "ps"
    create.server_def.cluster.job.add(name="worker").tasks[0] = f"127.0.0.1:{nobody}"
    client.call("CreateWorkerSession", create)
    g = messages.GraphDef()
    g.node.extend(
        [
            node(
                "r",
                "_Recv",
                tensor_type=1,
                tensor_name="edge_1_v",
                send_device=CLIENT,
                send_device_incarnation=7,
                recv_device=DEVICE,
            ),
            node("y", "Identity", ["r"], T=1),
        ]
    )
    handle = register(client, g, session="s2")
    run = worker_pb2.RunGraphRequest(graph_handle=handle, step_id=48, session_handle="s2")
    run.create_worker_session_called = True
    run.store_errors_in_response_body = True
    response = client.call("RunGraph", run, timeout=TIMEOUT_S)
    assert response.status_code == errors.UNAVAILABLE
    assert f"127.0.0.1:{nobody}" in response.status_error_message


def test_register_graph_rejects_what_teachflow_cannot_run(ps):
    _, client = ps
    g = messages.GraphDef()
    g.node.add(name="x", op="NoOp", device="/job:worker/replica:0/task:0/device:CPU:0")
    with pytest.raises(errors.InvalidArgumentError, match="not a device of /job:ps"):
        register(client, g)
    # A library's functions are read (tf.data's run), but a node naming one that the
    # library lacks is refused with its name.
    g = messages.GraphDef()
    g.library.function.add().signature.name = "f"
    call = g.node.add(name="m", op="MapDataset", device="/job:ps/replica:0/task:0/device:CPU:0")
    call.attr["f"].func.name = "g"
    with pytest.raises(errors.InvalidArgumentError, match=r"names the function 'g'"):
        register(client, g)


def test_partial_runs_are_unimplemented_saying_so(ps):
    _, client = ps
    handle = register(client, doubling_graph(incarnation(client)))
    request = worker_pb2.RunGraphRequest(graph_handle=handle, step_id=47, is_partial=True)
    with pytest.raises(errors.UnimplementedError, match="Partial runs .* not supported"):
        client.call("RunGraph", request)


@pytest.mark.parametrize("method", ["RecvBuf", "CompleteGroup", "CompleteInstance"])
def test_collectives_are_unimplemented_saying_why(ps, method):
    _, client = ps
    with pytest.raises(errors.UnimplementedError) as e:
        client.call(method, WORKER.methods[method].request())
    assert f"tensorflow.WorkerService.{method} is not supported by teachflow" in e.value.message
    assert "collective" in e.value.message


def test_housekeeping_methods_answer_as_tensorflows_worker(ps):
    server, client = ps
    for method in ("Logging", "Tracing", "MarkRecvFinished", "CleanupGraph"):
        response = client.call(method, WORKER.methods[method].request())
        assert response.SerializeToString() == b""
    request = worker_pb2.GetStepSequenceRequest(graph_key=[5, 9])
    first = client.call("GetStepSequence", request).step_sequence
    again = client.call("GetStepSequence", request).step_sequence
    assert [s.graph_key for s in first] == [5, 9]
    assert [s.next_step_id + 1 for s in first] == [s.next_step_id for s in again]
    server.resources.lookup_or_create("c1", "v", lambda: object())
    client.call("CleanupAll", worker_pb2.CleanupAllRequest(container=["c1"]))
    assert "c1" not in server.resources.containers()


def test_a_token_keeps_tensorflow_peers_out_too():
    spec, servers = start_servers(
        {"ps": 1}, lambda spec, job, i: tf.train.Server(spec, job, i, token="s3cret")
    )
    channel = grpc.insecure_channel(spec["ps"][0])
    try:
        with pytest.raises(grpc.RpcError) as e:
            stub(channel, WORKER, "GetStatus")(worker_pb2.GetStatusRequest(), timeout=TIMEOUT_S)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        channel.close()
        servers["ps"][0].stop()


def test_parse_key_is_tensorflows():
    key = partition.parse_key(f"{DEVICE};00000000000000ff;{CLIENT};edge_1_a;0:0")
    assert key.src_device == DEVICE and key.src_incarnation == 255
    assert key.dst_device == CLIENT and key.tensor_name == "edge_1_a"
    assert str(key) == f"{DEVICE};00000000000000ff;{CLIENT};edge_1_a;0:0"
    for bad in ("a;b;c", f"{DEVICE};zz;{CLIENT};t;0:0", f";1;{CLIENT};t;0:0"):
        with pytest.raises(errors.InvalidArgumentError, match="Invalid rendezvous key"):
            partition.parse_key(bad)
    # TF's int64 attr holds the incarnation's bits: the key spells them unsigned.
    assert partition.key_of(DEVICE, -1, CLIENT, "t").split(";")[1] == "f" * 16
