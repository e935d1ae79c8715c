"""master_client: teachflow's session on a TensorFlow master sends what TensorFlow's sends.

The master here is a fake ``tensorflow.MasterService`` in this process (nothing else on
its port, so teachflow's side-channel probe is answered UNIMPLEMENTED, as by a real
TensorFlow server). It records every request and answers with TensorFlow's recorded
responses (tests/fixtures/tensorflow/wire/master, recorded by record_wire_master.py from a
TF 2.21 client and server). The requests teachflow sends are compared, field by field,
with the requests TensorFlow's own client sent for the same program.
"""

from __future__ import annotations

import json
import pathlib
import threading
from concurrent import futures

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed import grpc_session
from teachflow.distributed.tf_wire.master_client import TensorFlowMasterClient
from teachflow.distributed.tf_wire.methods import MASTER, generic_handler
from teachflow.proto import messages
from teachflow.proto.tf_wire import master_pb2

GOLDEN = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow" / "wire" / "master"
TIMEOUT_MS = 10_000


def golden(step: str, method: str, kind: str = "req"):
    """The request (``kind="req"``) or response (``"resp"``) of the ``method`` call TF's
    client made in the recorded ``step`` (index.json names each call's step)."""
    index = json.loads((GOLDEN / "index.json").read_text())
    (call,) = [c for c in index["calls"] if c["step"] == step and c["method"] == method]
    m = MASTER.methods[method]
    cls = m.request if kind == "req" else m.response
    return cls.FromString((GOLDEN / f"{call['seq']:03d}_{method}.{kind}.bin").read_bytes())


class FakeTensorFlowMaster:
    """``tensorflow.MasterService`` only, answering the chapter's example as TF did."""

    VALUES = {"b:0": 3.0, "c:0": 3.0, "e:0": 4.0}

    def __init__(self):
        self.requests = []  # (method, request) in the order they came
        self.fail_with = None  # a grpc.StatusCode every RunStep aborts with
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        names = ["CreateSession", "ExtendSession", "RunStep", "ListDevices"]
        names += ["CloseSession", "Reset"]
        impls = {name: self._answer(name) for name in names}
        self._server.add_generic_rpc_handlers((generic_handler(MASTER, impls),))
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    def _answer(self, method):
        def answer(request, context):
            with self._lock:
                self.requests.append((method, request))
            return getattr(self, method)(request, context)

        return answer

    def of(self, method):
        return [r for m, r in self.requests if m == method]

    def CreateSession(self, request, context):  # noqa: N802 - TensorFlow's method names
        return golden("init", "CreateSession", "resp")

    def ExtendSession(self, request, context):  # noqa: N802
        return golden("extend", "ExtendSession", "resp")

    def RunStep(self, request, context):  # noqa: N802
        if self.fail_with is not None:
            context.abort(self.fail_with, "Step was cancelled by an explicit call")
        if request.options.trace_level == messages.RunOptions.FULL_TRACE:
            return golden("full_trace", "RunStep", "resp")  # TensorFlow's traced run of c
        res = master_pb2.RunStepResponse()
        res.metadata.SetInParent()
        feeds = {f.name: f.tensor for f in request.feed}
        for name in request.fetch:
            if name == "d:0":
                if "x:0" not in feeds:  # TensorFlow's answer, error in the body
                    return golden("error_unfed", "RunStep", "resp")
                value = np.frombuffer(feeds["x:0"].tensor_content, np.float32) * 1.0
            else:
                value = np.float32(self.VALUES[name])
            t = res.tensor.add(name=name).tensor
            t.dtype = 1
            t.tensor_shape.SetInParent()
            for size in np.shape(value):
                t.tensor_shape.dim.add(size=size)
            t.tensor_content = np.asarray(value, np.float32).tobytes()
        return res

    def ListDevices(self, request, context):  # noqa: N802
        return golden("list_devices", "ListDevices", "resp")

    def CloseSession(self, request, context):  # noqa: N802
        return master_pb2.CloseSessionResponse()

    def Reset(self, request, context):  # noqa: N802
        return master_pb2.ResetResponse()

    def stop(self):
        self._server.stop(None).wait(5)


@pytest.fixture
def master():
    fake = FakeTensorFlowMaster()
    yield fake
    fake.stop()


def chapter_graph():
    """The recorded program without its variable (TF 2.x's is a resource variable,
    teachflow's a TF1 ref variable): a is a constant on the ps."""
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            a = tf.constant(1.0, name="a")
        with tf.device("/job:worker/task:0"):
            b = tf.add(a, 2.0, name="b")
            c = tf.multiply(a, 3.0, name="c")
            x = tf.placeholder(tf.float32, [None], name="x")
            d = tf.multiply(x, a, name="d")
        init = tf.no_op(name="init")
    return g, {"a": a, "b": b, "c": c, "x": x, "d": d, "init": init}


def session(master, graph):
    config = tf.ConfigProto(operation_timeout_in_ms=TIMEOUT_MS)
    return tf.Session(f"grpc://127.0.0.1:{master.port}", graph=graph, config=config)


def test_a_server_without_teachflow_services_gets_tensorflows_protocol(master):
    g, n = chapter_graph()
    with session(master, g) as sess:
        assert sess.run(n["c"]) == np.float32(3.0)
        assert isinstance(sess._remote._tensorflow, TensorFlowMasterClient)
    assert [m for m, _ in master.requests] == ["CreateSession", "RunStep", "CloseSession"]


def test_create_session_sends_tensorflows_graph_def(master):
    g, n = chapter_graph()
    with session(master, g) as sess:
        sess.run(n["init"])
    (create,) = master.of("CreateSession")
    assert create.target == f"grpc://127.0.0.1:{master.port}"
    assert create.HasField("config") and create.config.operation_timeout_in_ms == TIMEOUT_MS
    theirs_gd = golden("init", "CreateSession").graph_def
    assert create.graph_def.versions == theirs_gd.versions
    assert create.graph_def.library == theirs_gd.library
    assert create.graph_def.HasField("library") and theirs_gd.HasField("library")
    theirs = {node.name: node for node in golden("init", "CreateSession").graph_def.node}
    mine = {node.name: node for node in create.graph_def.node}
    # The nodes that do not touch the variable are TensorFlow's, byte for byte.
    for name in ("b/y", "c/y", "x"):
        assert mine[name] == theirs[name], name


def test_run_step_sends_what_tensorflows_client_sends(master):
    g, n = chapter_graph()
    with session(master, g) as sess:
        sess.run(n["init"])
        assert [float(v) for v in sess.run([n["b"], n["c"]])] == [3.0, 3.0]
        got = sess.run(n["d"], {n["x"]: np.array([1.0, 2.0, 3.0], np.float32)})
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0])
    init, list_fetch, feed = master.of("RunStep")
    for mine, step in zip((init, list_fetch, feed), ("init", "list_fetch", "feed")):
        theirs = golden(step, "RunStep")
        assert mine.session_handle == theirs.session_handle  # the handle the master gave
        assert list(mine.fetch) == list(theirs.fetch)
        assert list(mine.target) == list(theirs.target)
        assert list(mine.feed) == list(theirs.feed)  # names and TensorProtos, byte for byte
        assert mine.HasField("options") and mine.options == theirs.options
        assert mine.store_errors_in_response_body == theirs.store_errors_in_response_body
        assert mine.request_id != 0
    assert len({r.request_id for r in (init, list_fetch, feed)}) == 3


def test_ops_added_later_go_in_extend_session(master):
    g, n = chapter_graph()
    with session(master, g) as sess:
        sess.run(n["c"])
        with g.as_default(), tf.device("/job:worker/task:0"):
            e = tf.add(n["c"], 1.0, name="e")
        assert sess.run(e) == np.float32(4.0)
        assert sess.run(e) == np.float32(4.0)  # nothing new: no second ExtendSession
    (extend,) = master.of("ExtendSession")
    theirs = golden("extend", "ExtendSession")
    assert extend.graph_def == theirs.graph_def
    assert extend.current_graph_version == theirs.current_graph_version
    assert extend.session_handle == theirs.session_handle


def test_full_trace_fills_run_metadata_with_tensorflows_step(master):
    g, n = chapter_graph()
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    with session(master, g) as sess:
        assert sess.run(n["c"], options=options, run_metadata=md) == np.float32(3.0)
    (step,) = master.of("RunStep")
    assert step.options == golden("full_trace", "RunStep").options
    theirs = golden("full_trace", "RunStep", "resp").metadata
    assert [d.device for d in md.step_stats.dev_stats] == [
        d.device for d in theirs.step_stats.dev_stats
    ]
    ps = md.step_stats.device("/job:ps/replica:0/task:0/device:CPU:0")
    assert "c/ReadVariableOp" in [s.node_name for s in ps.node_stats]
    assert len(md.partition_graphs) == len(theirs.partition_graphs) == 2

    # The timeline reads TensorFlow's own times and labels (teachflow's StepStats record
    # keeps every field it models; allocator pointers and memory_stats it leaves out).
    def timeline(stats):
        return [
            (d.device, s.node_name, s.all_start_nanos, s.all_end_rel_nanos, s.timeline_label)
            for d in stats.dev_stats
            for s in d.node_stats
        ]

    assert timeline(md.to_proto().step_stats) == timeline(theirs.step_stats)


def test_an_error_in_the_response_body_raises_its_class(master):
    g, n = chapter_graph()
    with session(master, g) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(n["d"])
    assert "You must feed a value for placeholder tensor 'x'" in e.value.message
    (mine,) = master.of("RunStep")
    theirs = golden("error_unfed", "RunStep")
    mine.ClearField("request_id"), theirs.ClearField("request_id")  # drawn at random
    assert mine == theirs
    # As TensorFlow's client does, the error names the op of the client's graph.
    assert e.value.op is n["x"].op and e.value.node_def.name == "x"


def test_an_error_status_raises_its_class(master):
    g, n = chapter_graph()
    master.fail_with = grpc.StatusCode.CANCELLED
    with session(master, g) as sess:
        with pytest.raises(tf.errors.CancelledError, match="explicit call"):
            sess.run(n["c"])


def test_list_devices_and_close(master):
    g, _ = chapter_graph()
    sess = session(master, g)
    devices = sess.list_devices()
    theirs = golden("list_devices", "ListDevices", "resp")
    assert [(d.name, d.device_type, d.memory_limit_bytes, d.incarnation) for d in devices] == [
        (d.name, d.device_type, d.memory_limit, d.incarnation)
        for d in list(theirs.local_device) + list(theirs.remote_device)
    ]
    assert sess.placement_records() == []  # TensorFlow's master gives no reasons
    sess.close()
    assert master.of("ListDevices") == [golden("list_devices", "ListDevices")]
    assert master.of("CloseSession") == [golden("close", "CloseSession")]


def test_reset_falls_back_to_tensorflows_reset(master):
    tf.Session.reset(f"grpc://127.0.0.1:{master.port}", ["no_such_container"])
    assert master.of("Reset") == [golden("reset", "Reset")]  # what TF's client sent


def test_a_teachflow_server_keeps_teachflows_protocol(cluster):
    c = cluster(workers=1)
    with tf.Graph().as_default():
        with tf.Session(
            c.target("worker", 0), config=tf.ConfigProto(operation_timeout_in_ms=TIMEOUT_MS)
        ) as sess:
            assert sess.run(tf.constant(2.0) * 3) == np.float32(6.0)
            assert isinstance(sess._remote, grpc_session.MasterClient)
            assert sess._remote._tensorflow is None


def test_make_callable_runs_steps_as_tensorflows_client_does(master):
    # TensorFlow's Session.make_callable runs RunStep (TF_SessionRun) each call, not
    # MakeCallable: the recording shows it, and teachflow's sends the same requests.
    g, n = chapter_graph()
    with session(master, g) as sess:
        both = sess.make_callable([n["b"], n["c"]])
        assert [float(v) for v in both()] == [3.0, 3.0]
        fed = sess.make_callable(n["d"], feed_list=[n["x"]])
        assert fed(np.array([4.0, 5.0], np.float32)).tolist() == [4.0, 5.0]
    assert [m for m, _ in master.requests] == [
        "CreateSession",
        "RunStep",
        "RunStep",
        "CloseSession",
    ]
    mine = master.of("RunStep")
    for request, theirs in zip(
        mine, (golden("make_callable", "RunStep"), golden("make_callable_feed", "RunStep"))
    ):
        assert list(request.fetch) == list(theirs.fetch)
        assert list(request.feed) == list(theirs.feed)
        assert request.options == theirs.options
