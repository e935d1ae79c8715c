"""A seeded fuzz of every RPC of both gRPC services and of the side channel.

Each case sends one RPC a malformed or mutated request: random bytes, or a plausible
message (naming a real session, a real variable) with bytes flipped, cut or inserted.
However it is answered, the server must answer a status of its own (never UNKNOWN: a
servicer that crashed), keep serving, and lose no state: afterwards a normal run gives the
right answer and the variable set before the fuzz still holds its value.

A few hundred cases run by default; ``TEACHFLOW_FUZZ_CASES=5000`` runs more, and
``TEACHFLOW_FUZZ_SEED`` picks another sequence (a failure names its seed and case).
"""

from __future__ import annotations

import os
import random
import socket
import struct
import time

import grpc
import pytest

import teachflow as tf
from teachflow.distributed.protocol import graphs
from teachflow.distributed.protocol import teachflow_pb2 as pb

pytestmark = pytest.mark.timeout(120)

CASES = int(os.environ.get("TEACHFLOW_FUZZ_CASES", "300"))
SEED = int(os.environ.get("TEACHFLOW_FUZZ_SEED", "20261207"))
# A call that waits (a receive, a stream, a step of a fuzzed graph) gives up after this.
CALL_S = 0.5

MASTER = ["CreateSession", "ExtendSession", "RunStep", "CloseSession", "ListDevices", "Reset"]
WORKER = [
    "GetStatus",
    "RegisterGraph",
    "RunGraph",
    "RecvTensor",
    "DeregisterGraph",
    "CleanupGraph",
    "CleanupAll",
    "StreamEvents",
]
STREAMING = {"RecvTensor", "StreamEvents"}
# Clearing containers is what these calls are for: fuzzed, they only name containers
# other than the default one, where the variable under watch lives.
CLEARING = {"Reset", "CleanupAll"}


def _templates(session_handle, graph_handle, step_id):
    """Plausible requests, one per method, naming real things where a field can."""
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="c")
    gd = graphs.graph_def(g.get_operations())
    feed = pb.NamedTensor(name="v:0", tensor=pb.TensorProto(dtype=1, tensor_content=b"\0" * 4))
    return {
        "CreateSession": pb.CreateSessionRequest(graph_def=gd),
        "ExtendSession": pb.ExtendSessionRequest(session_handle=session_handle, graph_def=gd),
        "RunStep": pb.RunStepRequest(session_handle=session_handle, fetch=["v:0"], feed=[feed]),
        "CloseSession": pb.CloseSessionRequest(session_handle="not-" + session_handle),
        "ListDevices": pb.ListDevicesRequest(session_handle=session_handle),
        "Reset": pb.ResetRequest(container=["fuzz"]),
        "GetStatus": pb.GetStatusRequest(include_resources=True),
        "RegisterGraph": pb.RegisterGraphRequest(session_handle="fuzz", graph_def=gd),
        "RunGraph": pb.RunGraphRequest(
            session_handle=session_handle, graph_handle=graph_handle, step_id=step_id
        ),
        "RecvTensor": pb.RecvTensorRequest(step_id=step_id, rendezvous_key="a;0;b;c;0:0"),
        "DeregisterGraph": pb.DeregisterGraphRequest(graph_handle="not-" + graph_handle),
        "CleanupGraph": pb.CleanupGraphRequest(step_id=step_id),
        "CleanupAll": pb.CleanupAllRequest(container=["fuzz"]),
        "StreamEvents": pb.StreamEventsRequest(),
    }


def _mutate(rng, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        what = rng.random()
        if what < 0.4 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif what < 0.6 and data:
            del data[rng.randrange(len(data)) :]
        elif what < 0.8:
            at = rng.randrange(len(data) + 1)
            data[at:at] = rng.randbytes(rng.randint(1, 8))
        elif data:
            at = rng.randrange(len(data))
            del data[at : at + rng.randint(1, 8)]
    return bytes(data)


def _request_bytes(rng, method, templates):
    if method in CLEARING:
        names = [rng.randbytes(rng.randint(1, 6)).hex() for _ in range(rng.randint(1, 3))]
        cls = pb.ResetRequest if method == "Reset" else pb.CleanupAllRequest
        return cls(container=names).SerializeToString()
    if rng.random() < 0.3:
        return rng.randbytes(rng.randint(0, 64))
    return _mutate(rng, templates[method].SerializeToString())


def _grpc_case(channel, rng, templates, case):
    service = rng.choice(["MasterService", "WorkerService"])
    method = rng.choice(MASTER if service == "MasterService" else WORKER)
    payload = _request_bytes(rng, method, templates)
    path = f"/teachflow.{service}/{method}"
    try:
        if method in STREAMING:
            for _ in channel.unary_stream(path)(payload, timeout=CALL_S):
                break
        else:
            channel.unary_unary(path)(payload, timeout=CALL_S)
    except grpc.RpcError as e:
        assert e.code() != grpc.StatusCode.UNKNOWN, f"case {case} ({method}): {e.details()}"


def _side_case(port, rng, templates, case):
    with socket.create_connection(("127.0.0.1", port), timeout=CALL_S + 2) as sock:
        sock.sendall(struct.pack("!i", 0))
        assert struct.unpack("!ii", _recv(sock, 8)) == (0, 0), f"case {case}: no welcome"
        what = rng.random()
        if what < 0.6:
            method = rng.choice([f"MasterService/{m}" for m in MASTER if m not in CLEARING])
            method = rng.choice([method, f"WorkerService/{rng.choice(WORKER)}"])
            if method.endswith(tuple(CLEARING)):
                method = "WorkerService/GetStatus"
            name = method.encode()
            data = _request_bytes(rng, method.rpartition("/")[2], templates)
            sock.sendall(
                b"C" + struct.pack("!i", len(name)) + name + struct.pack("!i", len(data)) + data
            )
            status, n = struct.unpack("!ii", _recv(sock, 8))
            _recv(sock, n)
            assert status != tf.errors.UNKNOWN, f"case {case} ({method})"
        elif what < 0.8:
            key = rng.randbytes(rng.randint(1, 40))
            sock.sendall(b"T" + struct.pack("!qqi", rng.getrandbits(62), 50, len(key)) + key)
        else:
            sock.sendall(rng.randbytes(rng.randint(1, 48)))


def _recv(sock, n):
    data = sock.recv(n, socket.MSG_WAITALL)
    if len(data) != n:
        raise AssertionError(f"the server closed the connection ({len(data)} of {n} bytes)")
    return data


def test_fuzzed_requests_leave_the_server_serving_with_its_state(cluster):
    c = cluster(ps=0, workers=1)
    server = c.server("worker", 0)
    v = tf.Variable(0.0, name="v")
    config = tf.ConfigProto(operation_timeout_in_ms=10000)
    sess = tf.Session(c.target("worker", 0), config=config)
    sess.run(v.assign(42.0))
    session_handle = sess._remote._handle
    graph_handle = next(iter(server.worker_service._graphs))
    templates = _templates(session_handle, graph_handle, step_id=1)
    port = server.worker_service.side_channel.port
    rng = random.Random(SEED)
    channel = grpc.insecure_channel(c.address("worker", 0))
    try:
        for case in range(CASES):
            if rng.random() < 0.7:
                _grpc_case(channel, rng, templates, case)
            else:
                _side_case(port, rng, templates, case)
    finally:
        channel.close()
    # A normal run is answered correctly, and the state is intact.
    assert sess.run(v) == 42.0
    assert sess.run(v * 2.0 + 1.0) == 85.0
    with tf.Session(c.target("worker", 0), config=config) as fresh:
        assert fresh.run(v) == 42.0
    sess.close()
    end = time.monotonic() + 10.0
    while server.worker_service.running_steps() and time.monotonic() < end:
        time.sleep(0.05)
    assert server.worker_service.running_steps() == 0
