"""A TensorFlow master's calls to its ps, replayed against a teachflow ps (no TF needed).

``tests/fixtures/tensorflow/record_wire_worker.py`` recorded, byte for byte, what a TF
master sent a TF ps on the chapter's example (a = 1.0 and w on the ps; b = a + 2,
c = a * 3 and a training step on worker:0): GetStatus, CreateWorkerSession, RegisterGraph,
RunGraph, RecvTensor (worker:0 pulling a and w), Logging, CleanupGraph and
DeleteWorkerSession. Here a teachflow server is that ps. Its worker:0 peer is a stand-in
answering TF's RecvTensor with what worker:0 answered the TF ps (recorded too: the
learning rate, w's gradient, the fed p), so the ps's own ``_Recv`` calls are checked too: they must
ask for what the TF ps asked, with the same rendezvous keys. As a real master would, the replay asks GetStatus for the ps's
incarnation and writes it where the recording has the TF ps's.
"""

from __future__ import annotations

import concurrent.futures
import json
import pathlib
import threading

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.distributed.tf_wire import partition
from teachflow.distributed.tf_wire.methods import WORKER, generic_handler, stub

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow" / "wire" / "worker"
INDEX = json.loads((FIXTURES / "index.json").read_text())
PS_DEVICE = "/job:ps/replica:0/task:0/device:CPU:0"
WORKER_DEVICE = "/job:worker/replica:0/task:0/device:CPU:0"
CALL_TIMEOUT_S = 30


def recorded(call, which):
    method = WORKER.methods[call["method"]]
    cls = method.request if which == "request" else method.response
    return cls.FromString((FIXTURES / call[which]).read_bytes())


def calls(name):
    return [c for c in INDEX["calls"] if c["method"] == name]


TF_PS_INCARNATION = recorded(calls("GetStatus")[0], "response").device_attributes[0].incarnation
TF_WORKER_INCARNATION = partition.unsigned(
    recorded(calls("CreateWorkerSession")[0], "request").master_incarnation
)
# What the TF ps asked worker:0 for, and got: (step id, rendezvous key) -> response.
PEER_ANSWERS = {
    (recorded(c, "request").step_id, recorded(c, "request").rendezvous_key): recorded(c, "response")
    for c in INDEX["peer_calls"]
}


class StandInWorker:
    """worker:0 of the recording, as far as the ps sees it: TF's RecvTensor, answering
    what the real worker:0 answered the TF ps for the same step and key."""

    def __init__(self, address):
        self.asked = []  # the RecvTensorRequests the ps sent, in order
        self._lock = threading.Lock()
        self._server = grpc.server(concurrent.futures.ThreadPoolExecutor(4))
        self._server.add_generic_rpc_handlers(
            (generic_handler(WORKER, {"RecvTensor": self.RecvTensor}),)
        )
        if self._server.add_insecure_port(address) == 0:
            raise OSError(f"Could not bind {address}")
        self._server.start()

    def RecvTensor(self, request, context):
        with self._lock:
            self.asked.append(request)
        answer = PEER_ANSWERS.get((request.step_id, request.rendezvous_key))
        if answer is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"not recorded: {request.rendezvous_key}")
        return answer

    def stop(self):
        self._server.stop(None).wait()


@pytest.fixture
def ps_and_worker():
    def make(spec, job, i):
        if job == "ps":
            return tf.train.Server(spec, job, i)
        return StandInWorker(spec[job][i])

    spec, servers = start_servers({"ps": 1, "worker": 1}, make)
    channel = grpc.insecure_channel(spec["ps"][0])
    try:
        yield servers["ps"][0], servers["worker"][0], channel
    finally:
        channel.close()
        for group in servers.values():
            for s in group:
                s.stop()


def with_incarnation(request, method, ours):
    """The recorded request with the TF ps's incarnation replaced by the teachflow ps's."""
    theirs_hex, ours_hex = f"{TF_PS_INCARNATION:016x}", f"{ours:016x}"
    if method == "RegisterGraph":
        for node in request.graph_def.node:
            attr = node.attr.get("send_device_incarnation")
            if attr is not None and partition.unsigned(attr.i) == TF_PS_INCARNATION:
                # int64 on the wire: the same bits as TF's uint64.
                attr.i = ours - (1 << 64) if ours >= 1 << 63 else ours
    if method == "RecvTensor":
        request.rendezvous_key = request.rendezvous_key.replace(theirs_hex, ours_hex)
    return request


def replay_order(all_calls):
    """The recorded calls, each step's RunGraph before the RecvTensor of that step (TF's
    worker asked while the ps's step ran; one thread here replays them in turn)."""
    run_steps = {}
    for c in all_calls:
        if c["method"] == "RunGraph":
            run_steps[c["seq"]] = recorded(c, "request").step_id
    out, waiting = [], []
    for c in all_calls:
        if c["method"] == "RecvTensor":
            step = recorded(c, "request").step_id
            if step not in [run_steps[x["seq"]] for x in out if x["method"] == "RunGraph"]:
                waiting.append(c)
                continue
        out.append(c)
        if c["method"] == "RunGraph":
            step = run_steps[c["seq"]]
            out += [w for w in waiting if recorded(w, "request").step_id == step]
            waiting = [w for w in waiting if recorded(w, "request").step_id != step]
    assert not waiting
    return out


def replay(channel):
    """Replay every recorded call; returns [(call, teachflow's response or RpcError)]."""
    status = stub(channel, WORKER, "GetStatus")(
        WORKER.methods["GetStatus"].request(), timeout=CALL_TIMEOUT_S
    )
    ours = status.device_attributes[0].incarnation
    handles = {}  # recorded graph handle -> teachflow's
    out = []
    for call in replay_order(INDEX["calls"]):
        method = call["method"]
        request = with_incarnation(recorded(call, "request"), method, ours)
        if hasattr(request, "graph_handle") and request.graph_handle:
            request.graph_handle = handles[request.graph_handle]
        try:
            response = stub(channel, WORKER, method)(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as e:
            out.append((call, e))
            continue
        if method == "RegisterGraph":
            handles[recorded(call, "response").graph_handle] = response.graph_handle
        out.append((call, response))
    return out


def test_get_status_reports_the_ps_device_as_tensorflow_does(ps_and_worker):
    _, _, channel = ps_and_worker
    ours = stub(channel, WORKER, "GetStatus")(
        WORKER.methods["GetStatus"].request(), timeout=CALL_TIMEOUT_S
    )
    theirs = recorded(calls("GetStatus")[0], "response")
    assert len(ours.device_attributes) == 1
    mine, tfs = ours.device_attributes[0], theirs.device_attributes[0]
    assert mine.incarnation != 0
    mine.incarnation = tfs.incarnation
    assert mine == tfs


def test_replayed_session_gives_tensorflows_answers(ps_and_worker):
    ps, worker, channel = ps_and_worker
    results = replay(channel)
    # Each RunGraph's graph, as TF's master registered it.
    registered = {
        recorded(c, "response").graph_handle: recorded(c, "request").graph_def.node
        for c in calls("RegisterGraph")
    }
    call_handles = {c["seq"]: recorded(c, "request").graph_handle for c in calls("RunGraph")}
    assert len(results) == len(INDEX["calls"])
    for call, got in results:
        method = call["method"]
        if call["code"] != "OK":
            # The failing step's fetch: worker:0's RecvTensor ends with the step's error.
            assert isinstance(got, grpc.RpcError), (call, got)
            assert got.code().name == call["code"]
            assert "a over p" in got.details() and "Inf" in got.details()
            continue
        assert not isinstance(got, grpc.RpcError), (call, got.code(), got.details())
        expected = recorded(call, "response")
        if method == "RecvTensor":
            # The tensors worker:0 pulled: a (1.0), w before and after the training step,
            # a / p — the same bytes TF's ps sent.
            assert got.tensor == expected.tensor, call
            assert not got.is_dead and got.send_start_micros > 0
        elif method == "RunGraph":
            assert got.status_code == expected.status_code, (call, got.status_error_message)
            if expected.status_code:
                assert "a over p : Tensor had Inf values" in got.status_error_message
                assert "checked" in got.status_error_message
            assert got.HasField("cost_graph") and not got.recv
            if expected.HasField("step_stats"):
                (dev,) = got.step_stats.dev_stats
                assert dev.device == PS_DEVICE
                names = {n.node_name for n in dev.node_stats}
                tf_names = {n.node_name for n in expected.step_stats.dev_stats[0].node_stats}
                # teachflow also times the _Send (TF's async send records none).
                sends = {n.name for n in registered[call_handles[call["seq"]]] if n.op == "_Send"}
                assert tf_names - {"_SOURCE"} <= names <= tf_names | sends
            else:
                assert not got.HasField("step_stats")
        elif method == "RegisterGraph":
            assert len(got.graph_handle) == 16
        elif method == "GetStatus":
            assert got.device_attributes[0].name == PS_DEVICE  # the incarnation is ours
        else:
            assert got == expected, call

    # The ps's _Recv nodes asked worker:0 what the TF ps asked, for the same steps, with
    # the same rendezvous keys (worker:0's incarnation in hex), each once.
    asked = sorted((r.step_id, r.rendezvous_key) for r in worker.asked)
    assert asked == sorted(PEER_ANSWERS)
    for request in worker.asked:
        assert partition.parse_key(request.rendezvous_key).src_incarnation == (
            TF_WORKER_INCARNATION
        )
        assert request.request_id != 0  # as TF's: a retried call is told apart

    # The variables live on the teachflow ps, where a teacher can look at them.
    a = ps.resources.lookup("", "a")
    w = ps.resources.lookup("", "w")
    assert float(a.value) == 1.0
    steps = {step["name"]: step["result"] for step in INDEX["steps"]}
    expected_w = np.array(steps["read_w"], np.float32)
    np.testing.assert_array_equal(np.asarray(w.value), expected_w)


def test_recorded_traffic_is_the_chapter_example():
    steps = {s["name"]: s["result"] for s in INDEX["steps"]}
    assert steps["list_fetch"] == [3.0, 3.0]
    assert steps["error"] == "InvalidArgumentError: a over p : Tensor had Inf values"
    methods = [c["method"] for c in INDEX["calls"]]
    assert methods[:2] == ["GetStatus", "CreateWorkerSession"]
    assert methods[-1] == "DeleteWorkerSession"
    (register,) = [
        r
        for r in (recorded(c, "request") for c in calls("RegisterGraph"))
        if any(n.op == "ResourceApplyGradientDescent" for n in r.graph_def.node)
    ]
    recvs = [n for n in register.graph_def.node if n.op == "_Recv"]
    assert {n.attr["tensor_name"].s for n in recvs} == {
        b"edge_28_train/learning_rate",
        b"edge_29_gradients/y_grad/MatMul_1",
    }
    assert all(n.attr["send_device"].s.decode() == WORKER_DEVICE for n in recvs)
