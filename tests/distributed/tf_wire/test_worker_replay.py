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

WIRE = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow" / "wire"
PS_DEVICE = "/job:ps/replica:0/task:0/device:CPU:0"
WORKER_DEVICE = "/job:worker/replica:0/task:0/device:CPU:0"
CALL_TIMEOUT_S = 30


class Recording:
    """One recorded session: its index, its messages, what the TF tasks were."""

    def __init__(self, directory: pathlib.Path):
        self.dir = directory
        self.index = json.loads((directory / "index.json").read_text())
        self.steps = {s["name"]: s["result"] for s in self.index["steps"]}
        status = self.message(self.calls("GetStatus")[0], "response")
        self.ps_incarnation = status.device_attributes[0].incarnation
        session = self.message(self.calls("CreateWorkerSession")[0], "request")
        self.worker_incarnation = partition.unsigned(session.master_incarnation)
        # What the TF ps asked worker:0 for, and got: (step id, key) -> the call, response.
        self.peer_calls, self.peer_answers = {}, {}
        for c in self.index["peer_calls"]:
            request = self.message(c, "request")
            key = (request.step_id, request.rendezvous_key)
            self.peer_calls[key] = c
            self.peer_answers[key] = self.message(c, "response")
        self.step_of = {
            c["seq"]: self.message(c, "request").step_id
            for c in self.index["calls"]
            if c["method"] in ("RunGraph", "RecvTensor", "CleanupGraph")
        }

    def answered_before(self, peer_key) -> set:
        """The master-side RecvTensor calls of that step which had ended when the TF ps
        asked worker:0 for ``peer_key``: worker:0 could send it only after them (it sent
        w's gradient after it had read w)."""
        start = self.peer_calls[peer_key]["start_us"]
        return {
            c["seq"]
            for c in self.calls("RecvTensor")
            if self.step_of[c["seq"]] == peer_key[0] and c["end_us"] < start
        }

    def message(self, call, which):
        method = WORKER.methods[call["method"]]
        cls = method.request if which == "request" else method.response
        return cls.FromString((self.dir / call[which]).read_bytes())

    def calls(self, name):
        return [c for c in self.index["calls"] if c["method"] == name]


# TF 2.x's resource variables and TF 1.x's ref variables: the same program, recorded twice.
RECORDINGS = {"resource": Recording(WIRE / "worker"), "ref": Recording(WIRE / "worker_ref")}


@pytest.fixture(params=sorted(RECORDINGS))
def recording(request):
    return RECORDINGS[request.param]


class StandInWorker:
    """worker:0 of the recording, as far as the ps sees it: TF's RecvTensor, answering
    what the real worker:0 answered the TF ps for the same step and key — once the
    replay is as far as the recording was when the TF ps asked."""

    def __init__(self, address, recording):
        self.asked = []  # the RecvTensorRequests the ps sent, in order
        self.recording = recording
        self.done = set()  # master-side calls the replay has completed (their seq)
        self._cond = threading.Condition()
        self._server = grpc.server(concurrent.futures.ThreadPoolExecutor(8))
        self._server.add_generic_rpc_handlers(
            (generic_handler(WORKER, {"RecvTensor": self.RecvTensor}),)
        )
        if self._server.add_insecure_port(address) == 0:
            raise OSError(f"Could not bind {address}")
        self._server.start()

    def completed(self, seq) -> None:
        with self._cond:
            self.done.add(seq)
            self._cond.notify_all()

    def RecvTensor(self, request, context):
        key = (request.step_id, request.rendezvous_key)
        with self._cond:
            self.asked.append(request)
        if key not in self.recording.peer_answers:
            context.abort(grpc.StatusCode.NOT_FOUND, f"not recorded: {request.rendezvous_key}")
        before = self.recording.answered_before(key)
        with self._cond:
            if not self._cond.wait_for(lambda: before <= self.done, timeout=CALL_TIMEOUT_S):
                context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"replay stuck before {key}")
        return self.recording.peer_answers[key]

    def stop(self):
        self._server.stop(None).wait()


@pytest.fixture
def ps_and_worker(recording):
    def make(spec, job, i):
        if job == "ps":
            return tf.train.Server(spec, job, i)
        return StandInWorker(spec[job][i], recording)

    spec, servers = start_servers({"ps": 1, "worker": 1}, make)
    channel = grpc.insecure_channel(spec["ps"][0])
    try:
        yield servers["ps"][0], servers["worker"][0], channel
    finally:
        channel.close()
        for group in servers.values():
            for s in group:
                s.stop()


def with_incarnation(request, method, theirs, ours):
    """The recorded request with the TF ps's incarnation replaced by the teachflow ps's."""
    theirs_hex, ours_hex = f"{theirs:016x}", f"{ours:016x}"
    if method == "RegisterGraph":
        for node in request.graph_def.node:
            attr = node.attr.get("send_device_incarnation")
            if attr is not None and partition.unsigned(attr.i) == theirs:
                # int64 on the wire: the same bits as TF's uint64.
                attr.i = ours - (1 << 64) if ours >= 1 << 63 else ours
    if method == "RecvTensor":
        request.rendezvous_key = request.rendezvous_key.replace(theirs_hex, ours_hex)
    return request


def replay(channel, recording, worker):
    """Replay every recorded call, as TF's master made them: a step's RunGraph and the
    RecvTensor calls of that step at the same time, anything else once the calls it
    came after are answered. Returns [(call, teachflow's response or RpcError)]."""
    status = stub(channel, WORKER, "GetStatus")(
        WORKER.methods["GetStatus"].request(), timeout=CALL_TIMEOUT_S
    )
    ours, theirs = status.device_attributes[0].incarnation, recording.ps_incarnation
    handles = {}  # recorded graph handle -> teachflow's
    answers = {}  # seq -> teachflow's response or RpcError

    def issue(call, request):
        try:
            answers[call["seq"]] = stub(channel, WORKER, call["method"])(
                request, timeout=CALL_TIMEOUT_S
            )
        except grpc.RpcError as e:
            answers[call["seq"]] = e
        worker.completed(call["seq"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        running = {}  # seq -> future of a step's RunGraph or RecvTensor
        for call in recording.index["calls"]:
            method = call["method"]
            request = with_incarnation(recording.message(call, "request"), method, theirs, ours)
            if getattr(request, "graph_handle", ""):
                request.graph_handle = handles[request.graph_handle]
            if method in ("RunGraph", "RecvTensor"):
                running[call["seq"]] = pool.submit(issue, call, request)
                continue
            # CleanupGraph ends its step, DeleteWorkerSession all of them: after their calls.
            step = recording.step_of.get(call["seq"])
            for seq, future in list(running.items()):
                if method == "DeleteWorkerSession" or recording.step_of[seq] == step:
                    future.result(timeout=2 * CALL_TIMEOUT_S)
                    del running[seq]
            issue(call, request)
            if method == "RegisterGraph":
                recorded_handle = recording.message(call, "response").graph_handle
                handles[recorded_handle] = answers[call["seq"]].graph_handle
        for future in running.values():
            future.result(timeout=2 * CALL_TIMEOUT_S)
    return [(call, answers[call["seq"]]) for call in recording.index["calls"]]


def test_get_status_reports_the_ps_device_as_tensorflow_does(ps_and_worker, recording):
    _, _, channel = ps_and_worker
    ours = stub(channel, WORKER, "GetStatus")(
        WORKER.methods["GetStatus"].request(), timeout=CALL_TIMEOUT_S
    )
    theirs = recording.message(recording.calls("GetStatus")[0], "response")
    assert len(ours.device_attributes) == 1
    mine, tfs = ours.device_attributes[0], theirs.device_attributes[0]
    assert mine.incarnation != 0
    mine.incarnation = tfs.incarnation
    assert mine == tfs


def test_replayed_session_gives_tensorflows_answers(ps_and_worker, recording):
    ps, worker, channel = ps_and_worker
    results = replay(channel, recording, worker)
    message = recording.message
    # Each RunGraph's graph, as TF's master registered it.
    registered = {
        message(c, "response").graph_handle: message(c, "request").graph_def.node
        for c in recording.calls("RegisterGraph")
    }
    call_handles = {
        c["seq"]: message(c, "request").graph_handle for c in recording.calls("RunGraph")
    }
    assert len(results) == len(recording.index["calls"])
    for call, got in results:
        method = call["method"]
        if call["code"] != "OK":
            # The failing step's fetch: worker:0's RecvTensor ends with the step's error.
            assert isinstance(got, grpc.RpcError), (call, got)
            assert got.code().name == call["code"]
            assert "a over p" in got.details() and "Inf" in got.details()
            continue
        assert not isinstance(got, grpc.RpcError), (call, got.code(), got.details())
        expected = message(call, "response")
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
    assert asked == sorted(recording.peer_answers)
    for request in worker.asked:
        assert partition.parse_key(request.rendezvous_key).src_incarnation == (
            recording.worker_incarnation
        )
        assert request.request_id != 0  # as TF's: a retried call is told apart

    # The variables live on the teachflow ps, where a teacher can look at them.
    a = ps.resources.lookup("", "a")
    w = ps.resources.lookup("", "w")
    assert float(a.value) == 1.0
    expected_w = np.array(recording.steps["read_w"], np.float32)
    np.testing.assert_array_equal(np.asarray(w.value), expected_w)


def test_recorded_traffic_is_the_chapter_example(recording):
    steps = recording.steps
    assert steps["list_fetch"] == [3.0, 3.0]
    assert steps["error"] == "InvalidArgumentError: a over p : Tensor had Inf values"
    methods = [c["method"] for c in recording.index["calls"]]
    assert methods[:2] == ["GetStatus", "CreateWorkerSession"]
    assert methods[-1] == "DeleteWorkerSession"
    (register,) = [
        r
        for r in (recording.message(c, "request") for c in recording.calls("RegisterGraph"))
        if any(n.op.endswith("ApplyGradientDescent") for n in r.graph_def.node)
    ]
    recvs = [n for n in register.graph_def.node if n.op == "_Recv"]
    assert {n.attr["tensor_name"].s for n in recvs} == {
        b"edge_28_train/learning_rate",
        b"edge_29_gradients/y_grad/MatMul_1",
    }
    assert all(n.attr["send_device"].s.decode() == WORKER_DEVICE for n in recvs)
