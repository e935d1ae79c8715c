"""Failures: tasks that are down or stop, and malformed or hostile requests.

A task that cannot be reached gives `tf.errors.UnavailableError` naming it, within the
configured timeout. A bad request sent with raw gRPC stubs gets the gRPC status whose
code is the `tf.errors` code (never UNKNOWN, which means the servicer crashed), and the
server keeps serving, its variables intact. Nothing received is unpickled or evaluated.
"""

import pickle
import socket
import struct
import sys
import threading
import time

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.protocol import graphs, tensors
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.rendezvous import Rendezvous
from teachflow.distributed.worker_client import TOKEN_ENV, auth_metadata

pytestmark = pytest.mark.timeout(60)

PS = "/job:ps/task:0"
W0_CPU = "/job:worker/replica:0/task:0/device:CPU:0"


# -- helpers ---------------------------------------------------------------------------------
def _stubs(c, job="worker", task=0):
    channel = grpc.insecure_channel(c.address(job, task))
    return channel, pb_grpc.MasterServiceStub(channel), pb_grpc.WorkerServiceStub(channel)


def _graph_def(build):
    """The GraphDef message of the ops ``build()`` creates in a fresh graph."""
    g = tf.Graph()
    with g.as_default():
        build()
    return graphs.graph_def(g.get_operations())


def _rpc_error(call, *args, **kwargs):
    kwargs.setdefault("timeout", 10)
    with pytest.raises(grpc.RpcError) as info:
        result = call(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
            list(result)  # a streaming call fails while it is read
    return info.value


def _with_state(cluster, session_config, **kwargs):
    """A cluster whose ps holds v = 42 (set through worker 0), and a check of both."""
    c = cluster(**kwargs)
    g = tf.Graph()
    with g.as_default(), tf.device(PS):
        v = tf.Variable(0.0, name="v")
        set_v = tf.assign(v, 42.0)
    with tf.Session(c.target("worker", 0), graph=g, config=session_config()) as sess:
        sess.run(set_v)

    def still_serving(target=c.target("worker", 0)):
        with tf.Session(target, graph=g, config=session_config()) as sess:
            assert sess.run(v) == 42.0
            assert sess.run(tf.constant(2.0, name="fresh") * 3.0) == 6.0

    return c, still_serving


def _session(master, graph_def=None):
    gd = graph_def if graph_def is not None else pb.GraphDef()
    res = master.CreateSession(
        pb.CreateSessionRequest(
            graph_def=gd, config=pb.SessionConfig(operation_timeout_in_ms=5000)
        ),
        timeout=10,
    )
    return res.session_handle


# -- tasks that are down --------------------------------------------------------------------
def test_a_task_that_is_down_is_unavailable_within_the_timeout(cluster, session_config):
    c = cluster(ps=1, workers=2, down=[("worker", 1)])
    a = tf.constant(1.0)
    with tf.Session(c.target("worker", 0), config=session_config(timeout_ms=1000)) as sess:
        start = time.monotonic()
        with pytest.raises(tf.errors.UnavailableError) as info:
            sess.run(a)
        elapsed = time.monotonic() - start
    assert elapsed < 5.0
    message = info.value.message
    assert "/job:worker/replica:0/task:1" in message
    assert c.address("worker", 1) in message


def _within(seconds, fn, *args):
    """Run ``fn(*args)`` on a thread; its exception (or None), or fail after ``seconds``."""
    outcome = {}

    def call():
        try:
            fn(*args)
            outcome["error"] = None
        except Exception as e:  # noqa: BLE001 - handed to the test
            outcome["error"] = e

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} still running after {seconds} s"
    return outcome["error"]


def test_list_devices_with_a_task_down_is_unavailable(cluster, session_config):
    c = cluster(ps=1, workers=1, down=[("ps", 0)])
    with tf.Session(c.target("worker", 0), config=session_config(timeout_ms=1000)) as sess:
        error = _within(5.0, sess.list_devices)
    assert isinstance(error, tf.errors.UnavailableError)
    assert "/job:ps/replica:0/task:0" in error.message


def test_a_master_that_is_down_is_unavailable(cluster, session_config):
    c = cluster(ps=0, workers=1, down=[("worker", 0)])
    a = tf.constant(1.0)
    with tf.Session(c.target("worker", 0), config=session_config(timeout_ms=1000)) as sess:
        start = time.monotonic()
        with pytest.raises(tf.errors.UnavailableError) as info:
            sess.run(a)
    assert time.monotonic() - start < 5.0
    assert c.address("worker", 0) in info.value.message


def test_a_task_that_starts_late_is_waited_for(cluster, session_config):
    c = cluster(ps=1, workers=1, down=[("ps", 0)])
    with tf.device(PS):
        a = tf.constant(5.0)
    late = []

    def start_ps():
        time.sleep(0.3)
        late.append(tf.train.Server(c.spec, "ps", 0))

    t = threading.Thread(target=start_ps)
    t.start()
    try:
        with tf.Session(c.target("worker", 0), config=session_config(timeout_ms=5000)) as sess:
            assert sess.run(a) == 5.0
    finally:
        t.join(10)
        for s in late:
            s.stop()


def test_a_stopped_worker_leaves_the_others_and_the_ps_variables(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device(PS):
        v = tf.Variable([1.0, 2.0], name="v")
        inc = tf.assign_add(v, [1.0, 1.0])
    with tf.device("/job:worker/task:0"):
        on_w0 = tf.reduce_sum(v, name="on_w0")
    config = session_config(timeout_ms=2000)
    with tf.Session(c.target("worker", 1), config=config) as sess:
        sess.run(v.initializer)
        sess.run(inc)
        assert sess.run(on_w0) == 5.0
    c.server("worker", 0).stop()
    with tf.Session(c.target("worker", 1), config=config) as sess:
        # The ps kept its variable; worker 1 and the ps still serve.
        np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])
        sess.run(inc)
        np.testing.assert_array_equal(sess.run(v), [3.0, 4.0])
        # A step that needs the stopped worker fails, quickly, naming it.
        start = time.monotonic()
        with pytest.raises(tf.errors.UnavailableError) as info:
            sess.run(on_w0)
        assert time.monotonic() - start < 5.0
        assert "/job:worker/replica:0/task:0" in info.value.message
        # ... and the session goes on working afterwards.
        np.testing.assert_array_equal(sess.run(v), [3.0, 4.0])


def test_a_worker_stopped_after_its_partition_was_registered(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:worker/task:0"):
        a = tf.placeholder_with_default(1.0, [], name="a")
        b = tf.multiply(a, 2.0, name="b")
    config = session_config(timeout_ms=2000)
    with tf.Session(c.target("worker", 1), config=config) as sess:
        assert sess.run(b) == 2.0  # the partition is registered on worker 0
        c.server("worker", 0).stop()
        start = time.monotonic()
        with pytest.raises(tf.errors.UnavailableError) as info:
            sess.run(b)  # same signature: only RunGraph
        assert time.monotonic() - start < 5.0
        assert "/job:worker/replica:0/task:0" in info.value.message
        assert sess.run(tf.constant(3.0)) == 3.0


def test_a_step_past_its_timeout_is_deadline_exceeded(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device(PS):
        x = tf.ones([300, 300]) * 0.001
        for _ in range(100):
            x = tf.tanh(tf.matmul(x, x))
    with tf.device("/job:worker/task:1"):
        for _ in range(100):
            x = tf.tanh(tf.matmul(x, x))
        total = tf.reduce_sum(x)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        full = sess.run(total)  # a few hundred ms
        start = time.monotonic()
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(total, options=tf.RunOptions(timeout_in_ms=20))
        assert time.monotonic() - start < 5.0
        # The session is still good, and the next step gives the same value.
        assert sess.run(total) == full


# -- hostile and malformed requests --------------------------------------------------------
def test_run_step_with_an_unknown_session_handle(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(master.RunStep, pb.RunStepRequest(session_handle="nope", fetch=["a:0"]))
    assert err.code() == grpc.StatusCode.ABORTED
    assert "nope" in err.details() and "not found" in err.details()
    still_serving()


def test_extend_and_list_devices_with_an_unknown_session_handle(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(
            master.ExtendSession, pb.ExtendSessionRequest(session_handle="nope", graph_def={})
        )
        assert err.code() == grpc.StatusCode.ABORTED
        # Closing an unknown session is harmless, as in TF.
        master.CloseSession(pb.CloseSessionRequest(session_handle="nope"), timeout=10)
    still_serving()


def _unknown_op():
    tf.constant(1.0, name="a")


def test_create_session_with_an_unknown_op_type(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    gd = _graph_def(_unknown_op)
    gd.node.add(name="evil", op="NoSuchOp", input=["a"])
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(
            master.CreateSession, pb.CreateSessionRequest(graph_def=gd, config=pb.SessionConfig())
        )
    assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
    assert "NoSuchOp" in err.details()
    still_serving()


def test_extend_session_with_an_unknown_op_type_keeps_the_session(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        handle = _session(master, _graph_def(_unknown_op))
        gd = pb.GraphDef()
        gd.node.add(name="evil", op="NoSuchOp", input=["a"])
        err = _rpc_error(
            master.ExtendSession, pb.ExtendSessionRequest(session_handle=handle, graph_def=gd)
        )
        assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
        assert "NoSuchOp" in err.details()
        # The session still runs its graph.
        res = master.RunStep(pb.RunStepRequest(session_handle=handle, fetch=["a:0"]), timeout=10)
        assert tensors.from_proto(res.tensor[0].tensor) == 1.0
    still_serving()


def test_create_session_with_a_node_whose_input_is_missing(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    gd = _graph_def(lambda: tf.identity(tf.constant(1.0, name="a"), name="b"))
    del gd.node[0]  # "b" now reads a node nobody sends
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(
            master.CreateSession, pb.CreateSessionRequest(graph_def=gd, config=pb.SessionConfig())
        )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'a'" in err.details() or " a" in err.details()
    still_serving()


def test_create_session_with_a_cycle(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    gd = pb.GraphDef()
    gd.node.add(name="x", op="Identity", input=["y"])
    gd.node.add(name="y", op="Identity", input=["x"])
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(
            master.CreateSession, pb.CreateSessionRequest(graph_def=gd, config=pb.SessionConfig())
        )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    still_serving()


def test_create_session_with_a_missing_attr(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    gd = _graph_def(lambda: tf.constant(1.0, name="a"))
    del gd.node[0].attr["value"]
    channel, master, _ = _stubs(c)
    with channel:
        err = _rpc_error(
            master.CreateSession, pb.CreateSessionRequest(graph_def=gd, config=pb.SessionConfig())
        )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    still_serving()


def _placeholder_graph():
    x = tf.placeholder(tf.float32, [2], name="x")
    tf.multiply(x, 2.0, name="y")


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            lambda t: setattr(t, "tensor_content", t.tensor_content[:-1]), id="short_bytes"
        ),
        pytest.param(lambda t: t.tensor_shape.dim.add(size=1000), id="shape_too_big"),
        pytest.param(lambda t: t.tensor_shape.dim.add(size=1 << 62), id="huge_shape"),
        pytest.param(lambda t: t.tensor_shape.dim.add(size=-5), id="negative_dim"),
        pytest.param(lambda t: setattr(t, "dtype", 999), id="unknown_dtype"),
    ],
)
def test_a_feed_whose_bytes_do_not_match_its_shape(cluster, session_config, bad):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        handle = _session(master, _graph_def(_placeholder_graph))
        good = tensors.to_proto(np.array([1.0, 2.0], np.float32))
        res = master.RunStep(
            pb.RunStepRequest(
                session_handle=handle, feed=[pb.NamedTensor(name="x:0", tensor=good)], fetch=["y:0"]
            ),
            timeout=10,
        )
        np.testing.assert_array_equal(tensors.from_proto(res.tensor[0].tensor), [2.0, 4.0])
        tensor = pb.TensorProto()
        tensor.CopyFrom(good)
        bad(tensor)
        err = _rpc_error(
            master.RunStep,
            pb.RunStepRequest(
                session_handle=handle,
                feed=[pb.NamedTensor(name="x:0", tensor=tensor)],
                fetch=["y:0"],
            ),
        )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    still_serving()


def test_a_feed_of_the_wrong_dtype(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        handle = _session(master, _graph_def(_placeholder_graph))
        wrong = tensors.to_proto(np.array([1, 2], np.int32))
        err = _rpc_error(
            master.RunStep,
            pb.RunStepRequest(
                session_handle=handle,
                feed=[pb.NamedTensor(name="x:0", tensor=wrong)],
                fetch=["y:0"],
            ),
        )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    still_serving()


def test_a_feed_or_fetch_of_an_unknown_tensor(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, _ = _stubs(c)
    with channel:
        handle = _session(master, _graph_def(_placeholder_graph))
        err = _rpc_error(
            master.RunStep, pb.RunStepRequest(session_handle=handle, fetch=["nothing:0"])
        )
        assert err.code() == grpc.StatusCode.NOT_FOUND
        feed = pb.NamedTensor(name="ghost:0", tensor=tensors.to_proto(np.float32(1)))
        err = _rpc_error(
            master.RunStep, pb.RunStepRequest(session_handle=handle, feed=[feed], fetch=["y:0"])
        )
        assert err.code() == grpc.StatusCode.NOT_FOUND
        err = _rpc_error(master.RunStep, pb.RunStepRequest(session_handle=handle, target=["zz"]))
        assert err.code() == grpc.StatusCode.NOT_FOUND
    still_serving()


def test_register_graph_naming_a_device_that_does_not_exist(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    with channel:
        for device in [
            "/job:worker/replica:0/task:0/device:GPU:7",
            "/job:ps/replica:0/task:0/device:CPU:0",  # another task's device
            "",
        ]:
            gd = _graph_def(lambda: tf.constant(1.0, name="a"))
            gd.node[0].device = device
            err = _rpc_error(
                worker.RegisterGraph,
                pb.RegisterGraphRequest(session_handle="s", graph_def=gd),
            )
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, device
            assert "a" in err.details()
    still_serving()


def test_register_graph_with_an_unknown_op_type(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    gd = pb.GraphDef()
    gd.node.add(name="evil", op="NoSuchOp", device=W0_CPU)
    channel, _, worker = _stubs(c)
    with channel:
        err = _rpc_error(
            worker.RegisterGraph, pb.RegisterGraphRequest(session_handle="s", graph_def=gd)
        )
    assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
    assert "NoSuchOp" in err.details()
    still_serving()


def test_run_graph_with_an_unknown_graph_handle(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    with channel:
        err = _rpc_error(
            worker.RunGraph, pb.RunGraphRequest(graph_handle="forged", step_id=1, recv_key=["a:0"])
        )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    still_serving()


def _registered_placeholder_graph(worker):
    gd = _graph_def(_placeholder_graph)
    for n in gd.node:
        n.device = W0_CPU
    return worker.RegisterGraph(
        pb.RegisterGraphRequest(session_handle="s", graph_def=gd), timeout=10
    ).graph_handle


GOOD_X = pb.NamedTensor(name="x:0", tensor=tensors.to_proto(np.ones(2, np.float32)))


def test_run_graph_of_a_registered_graph_and_an_unfed_placeholder(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    with channel:
        handle = _registered_placeholder_graph(worker)
        res = worker.RunGraph(
            pb.RunGraphRequest(graph_handle=handle, step_id=7, send=[GOOD_X], recv_key=["y:0"]),
            timeout=10,
        )
        np.testing.assert_array_equal(tensors.from_proto(res.recv[0].tensor), [2.0, 2.0])
        err = _rpc_error(
            worker.RunGraph, pb.RunGraphRequest(graph_handle=handle, step_id=9, recv_key=["y:0"])
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
        assert "x" in err.details()
    still_serving()


@pytest.mark.parametrize("field", ["recv_key", "send"])
def test_run_graph_naming_a_tensor_not_in_the_graph(cluster, session_config, field):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    with channel:
        handle = _registered_placeholder_graph(worker)
        if field == "recv_key":
            request = pb.RunGraphRequest(
                graph_handle=handle, step_id=8, send=[GOOD_X], recv_key=["nope:0"]
            )
        else:
            ghost = pb.NamedTensor(name="nope:0", tensor=GOOD_X.tensor)
            request = pb.RunGraphRequest(
                graph_handle=handle, step_id=8, send=[GOOD_X, ghost], recv_key=["y:0"]
            )
        err = _rpc_error(worker.RunGraph, request)
        assert err.code() in (
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.NOT_FOUND,
        ), err.details()
    still_serving()


def _const_with_a_string_value():
    gd = _graph_def(lambda: tf.constant(1.0, name="a"))
    gd.node[0].attr["value"].CopyFrom(pb.AttrValue(s=b"not a tensor"))
    gd.node[0].device = W0_CPU
    return gd


@pytest.mark.parametrize("service", ["master", "worker"])
def test_an_attr_of_the_wrong_kind(cluster, session_config, service):
    c, still_serving = _with_state(cluster, session_config)
    channel, master, worker = _stubs(c)
    with channel:
        gd = _const_with_a_string_value()
        if service == "master":
            call = master.CreateSession
            request = pb.CreateSessionRequest(graph_def=gd, config=pb.SessionConfig())
        else:
            call = worker.RegisterGraph
            request = pb.RegisterGraphRequest(session_handle="s", graph_def=gd)
        err = _rpc_error(call, request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    still_serving()


def test_recv_tensor_for_a_key_that_never_comes(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    key = f"{W0_CPU};0000000000000001;/job:ps/replica:0/task:0/device:CPU:0;never;0:0"
    with channel:
        start = time.monotonic()
        err = _rpc_error(
            worker.RecvTensor,
            pb.RecvTensorRequest(step_id=12345, rendezvous_key=key, timeout_ms=300),
        )
        assert time.monotonic() - start < 5.0
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "never" in err.details()
    still_serving()


def _threads_waiting_in_recv():
    """Threads of this process whose stack is inside `Rendezvous.recv`."""
    code = Rendezvous.recv.__code__
    waiting = []
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code is code:
                waiting.append(frame)
                break
            frame = frame.f_back
    return waiting


def test_recv_tensor_whose_caller_gave_up_frees_its_server_thread(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    key = f"{W0_CPU};0000000000000001;/job:ps/replica:0/task:0/device:CPU:0;never;0:0"
    rendezvous = c.server("worker", 0).worker_service.rendezvous
    try:
        with channel:
            start = time.monotonic()
            err = _rpc_error(
                worker.RecvTensor, pb.RecvTensorRequest(step_id=77, rendezvous_key=key), timeout=0.5
            )
            assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - start < 5.0
        deadline = time.monotonic() + 3.0
        while _threads_waiting_in_recv() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _threads_waiting_in_recv() == []
        still_serving()
    finally:
        # Release a thread the bug left waiting, so that this process can still exit.
        rendezvous.send(77, key, np.float32(0))


def test_cleanup_all_of_an_unknown_container_and_get_status(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c, "ps", 0)
    with channel:
        worker.CleanupAll(pb.CleanupAllRequest(container=["no_such"]), timeout=10)
        status = worker.GetStatus(pb.GetStatusRequest(), timeout=10)
        assert status.task == "/job:ps/replica:0/task:0"
        assert [d.name for d in status.device_attributes] == [
            "/job:ps/replica:0/task:0/device:CPU:0"
        ]
    still_serving()


class _Boom:
    """Unpickling this creates a marker file: proof that bytes were unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_pickled_payloads_are_never_unpickled(cluster, session_config, tmp_path):
    c, still_serving = _with_state(cluster, session_config)
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_Boom(marker))
    channel, master, worker = _stubs(c)
    with channel:
        # As a string tensor fed to a step: it is just bytes and comes back as bytes.
        g = tf.Graph()
        with g.as_default():
            s = tf.placeholder(tf.string, [], name="s")
            tf.identity(s, name="t")
        handle = _session(master, graphs.graph_def(g.get_operations()))
        res = master.RunStep(
            pb.RunStepRequest(
                session_handle=handle,
                feed=[pb.NamedTensor(name="s:0", tensor=tensors.to_proto(payload))],
                fetch=["t:0"],
            ),
            timeout=10,
        )
        assert tensors.from_proto(res.tensor[0].tensor) == payload
        # As the raw bytes of a numeric tensor, an attr value, a node name.
        t = pb.TensorProto(dtype=pb.DT_FLOAT, tensor_content=payload)
        _rpc_error(
            master.RunStep,
            pb.RunStepRequest(session_handle=handle, feed=[pb.NamedTensor(name="s:0", tensor=t)]),
        )
        gd = _graph_def(lambda: tf.constant(1.0, name="a"))
        gd.node[0].attr["pickled"].CopyFrom(pb.AttrValue(s=payload))
        gd.node[0].attr["as_tensor"].CopyFrom(
            pb.AttrValue(tensor=pb.TensorProto(dtype=pb.DT_STRING, string_val=[payload]))
        )
        gd.node.add(name=payload.decode("latin-1"), op="NoOp")
        for n in gd.node:
            n.device = W0_CPU
        try:
            worker.RegisterGraph(
                pb.RegisterGraphRequest(session_handle="s", graph_def=gd), timeout=10
            )
        except grpc.RpcError as e:
            assert e.code() != grpc.StatusCode.UNKNOWN, e.details()
        key = payload.decode("latin-1")
        _rpc_error(
            worker.RecvTensor, pb.RecvTensorRequest(step_id=1, rendezvous_key=key, timeout_ms=50)
        )
    assert not marker.exists()
    still_serving()


def test_a_cluster_token_refuses_calls_without_it(cluster, session_config, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "s3cret")
    c, still_serving = _with_state(cluster, session_config, token="s3cret")
    channel, master, worker = _stubs(c)
    with channel:
        for call, request in [
            (master.RunStep, pb.RunStepRequest(session_handle="x")),
            (master.Reset, pb.ResetRequest()),
            (worker.CleanupAll, pb.CleanupAllRequest()),
            (worker.GetStatus, pb.GetStatusRequest()),
        ]:
            err = _rpc_error(call, request)
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        err = _rpc_error(
            worker.CleanupAll,
            pb.CleanupAllRequest(),
            metadata=(("authorization", "Bearer wrong"),),
        )
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    still_serving()  # the reset above was refused: v is still 42


# -- the side channel (plain TCP, GetStatus.bulk_port) ---------------------------------------
def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def _side_socket(c, token=b"", job="worker", task=0, welcome=True):
    """A connection to a task's side channel, past its token preamble (and, with
    ``welcome``, past the server's answer to it)."""
    channel, _, worker = _stubs(c, job, task)
    with channel:
        port = worker.GetStatus(pb.GetStatusRequest(), timeout=10, metadata=auth_metadata())
    port = port.bulk_port
    assert port
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(struct.pack("!i", len(token)) + token)
    if welcome:
        assert struct.unpack("!ii", _recv_exact(sock, 8)) == (0, 0)
    return sock


def _side_call(sock, method, payload):
    name = method.encode()
    sock.sendall(b"C" + struct.pack("!i", len(name)) + name + struct.pack("!i", len(payload)))
    sock.sendall(payload)
    status, n = struct.unpack("!ii", _recv_exact(sock, 8))
    return status, _recv_exact(sock, n)


def _dropped(sock):
    """True when the server closed the connection (reads end), within the timeout."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_side_channel_calls_answer_like_grpc(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    with _side_socket(c) as sock:
        status, data = _side_call(sock, "WorkerService/GetStatus", b"")
        assert status == 0
        assert pb.GetStatusResponse.FromString(data).task == "/job:worker/replica:0/task:0"
        request = pb.RunStepRequest(session_handle="nope", fetch=["a:0"]).SerializeToString()
        status, data = _side_call(sock, "MasterService/RunStep", request)
        assert status == tf.errors.ABORTED and b"nope" in data
        status, data = _side_call(sock, "WorkerService/StreamEvents", b"")
        assert status == tf.errors.UNIMPLEMENTED
        status, data = _side_call(sock, "os/system", b"touch /tmp/x")
        assert status == tf.errors.UNIMPLEMENTED
        status, data = _side_call(sock, "MasterService/RunStep", b"\xff\xff\xff garbage")
        assert status == tf.errors.INVALID_ARGUMENT
        # The connection stays usable after errors.
        status, _ = _side_call(sock, "WorkerService/GetStatus", b"")
        assert status == 0
    still_serving()


def test_side_channel_tensor_pull_for_a_key_that_never_comes(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    key = b"never;0;x;y;0:0"
    with _side_socket(c) as sock:
        start = time.monotonic()
        sock.sendall(b"T" + struct.pack("!qqi", 5, 200, len(key)) + key)
        (status,) = struct.unpack("!i", _recv_exact(sock, 4))
        (n,) = struct.unpack("!i", _recv_exact(sock, 4))
        message = _recv_exact(sock, n)
        assert time.monotonic() - start < 5.0
    assert status == tf.errors.DEADLINE_EXCEEDED and b"never" in message
    still_serving()


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
        pytest.param(b"C" + struct.pack("!i", -1), id="negative_name_length"),
        pytest.param(b"C" + struct.pack("!i", 1 << 30), id="huge_name_length"),
        pytest.param(
            b"C" + struct.pack("!i", 3) + b"abc" + struct.pack("!i", -7), id="negative_frame"
        ),
        pytest.param(
            b"C" + struct.pack("!i", 3) + b"abc" + struct.pack("!i", (1 << 30) + 1),
            id="frame_over_limit",
        ),
        pytest.param(b"T" + struct.pack("!qqi", 1, 10, -1), id="negative_key_length"),
        pytest.param(b"T" + struct.pack("!qqi", 1, 10, 1 << 20), id="huge_key_length"),
    ],
)
def test_side_channel_drops_malformed_frames(cluster, session_config, frame):
    c, still_serving = _with_state(cluster, session_config)
    with _side_socket(c) as sock:
        sock.sendall(frame)
        assert _dropped(sock)
    still_serving()


def test_side_channel_bad_preambles_are_dropped(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    channel, _, worker = _stubs(c)
    with channel:
        port = worker.GetStatus(pb.GetStatusRequest(), timeout=10).bulk_port
    for preamble in [struct.pack("!i", -1), struct.pack("!i", 1 << 30), b"\x00\x00"]:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(preamble)
            if len(preamble) < 4:
                sock.shutdown(socket.SHUT_WR)
            assert _dropped(sock)
    still_serving()


def test_side_channel_refuses_a_wrong_token(cluster, session_config, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "s3cret")
    c, still_serving = _with_state(cluster, session_config, token="s3cret")
    for token in [b"", b"wrong!", b"s3cre"]:
        with _side_socket(c, token=token, welcome=False) as sock:
            status, n = struct.unpack("!ii", _recv_exact(sock, 8))
            assert status == tf.errors.UNAUTHENTICATED
            _recv_exact(sock, n)
            assert _dropped(sock)
    with _side_socket(c, token=b"s3cret") as sock:
        status, _ = _side_call(sock, "WorkerService/GetStatus", b"")
        assert status == 0
    still_serving()


def test_side_channel_tensor_pull_whose_client_left_frees_its_thread(cluster, session_config):
    c, still_serving = _with_state(cluster, session_config)
    key = "left;0;x;y;0:0"
    rendezvous = c.server("worker", 0).worker_service.rendezvous
    try:
        with _side_socket(c) as sock:
            sock.sendall(b"T" + struct.pack("!qqi", 66, 0, len(key)) + key.encode())
            time.sleep(0.2)
        deadline = time.monotonic() + 3.0
        while _threads_waiting_in_recv() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _threads_waiting_in_recv() == []
        still_serving()
    finally:
        rendezvous.send(66, key, np.float32(0))


# -- restarts and ports ----------------------------------------------------------------------
def test_a_second_server_on_a_taken_port_fails(cluster):
    c = cluster(ps=0, workers=1)
    with pytest.raises(OSError, match="Could not bind"):
        tf.train.Server(c.spec, "worker", 0)
    assert c.server("worker", 0).target == c.target("worker", 0)


def test_a_restarted_worker_serves_again_with_fresh_state(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:worker/task:0"):
        v = tf.Variable(3.0, name="v")
        doubled = tf.multiply(v, 2.0, name="doubled")
    with tf.device(PS):
        w = tf.Variable(5.0, name="w")
    total = doubled + w  # on worker 1, the master: it receives from worker 0
    # Neither step waits out the operation timeout: both answer well within half of it.
    config = session_config(timeout_ms=10000)
    restarted = []
    with tf.Session(c.target("worker", 1), config=config) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(total) == 11.0
        c.server("worker", 0).stop()
        try:
            restarted.append(tf.train.Server(c.spec, "worker", 0))
            # The new process forgot the partitions and the variable: the master
            # registers the partitions again; the variable is uninitialized there.
            start = time.monotonic()
            try:
                sess.run(total)  # the first step may see the old connections drop
            except (tf.errors.UnavailableError, tf.errors.FailedPreconditionError):
                pass
            assert time.monotonic() - start < 5.0
            start = time.monotonic()
            with pytest.raises(tf.errors.FailedPreconditionError, match="v"):
                sess.run(total)
            assert time.monotonic() - start < 5.0
            sess.run(v.initializer)
            assert sess.run(total) == 11.0
            assert sess.run(w) == 5.0  # the ps was never restarted
        finally:
            for s in restarted:
                s.stop()


def test_a_restarted_master_forgets_its_sessions(cluster, session_config):
    c = cluster(ps=1, workers=1)
    with tf.device(PS):
        w = tf.Variable(5.0, name="w")
    config = session_config(timeout_ms=3000)
    restarted = []
    sess = tf.Session(c.target("worker", 0), config=config)
    try:
        sess.run(w.initializer)
        c.server("worker", 0).stop()
        restarted.append(tf.train.Server(c.spec, "worker", 0))
        with tf.Session(c.target("worker", 0), config=config) as fresh:
            assert fresh.run(w) == 5.0  # the ps still holds it
        try:
            sess.run(w)  # the first call may see the old connection drop
        except (tf.errors.UnavailableError, tf.errors.AbortedError):
            pass
        with pytest.raises(tf.errors.AbortedError, match="not found"):
            sess.run(w)
    finally:
        sess.close()
        for s in restarted:
            s.stop()


def _wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_a_master_stopped_during_a_blocked_step_fails_the_client_quickly(cluster):
    # No operation timeout: the dequeue would wait forever. Stopping the server cancels the
    # step, and the client, finding no master to reconnect to, says so within seconds
    # instead of waiting out the startup wait (30 s).
    c = cluster(ps=0, workers=1)
    server = c.server("worker", 0)
    q = tf.FIFOQueue(2, tf.float32, shared_name="q")
    dequeue = q.dequeue()
    caught = []
    sess = tf.Session(c.target("worker", 0))

    def run():
        try:
            sess.run(dequeue)
        except tf.errors.OpError as e:
            caught.append(e)

    def acceptors():
        return sum(th.name == "side-accept" for th in threading.enumerate())

    t = threading.Thread(target=run)
    t.start()
    before = acceptors()
    try:
        _wait_until(lambda: server.worker_service._running)
        start = time.monotonic()
        server.stop()
        t.join(10)
        assert not t.is_alive()
        assert time.monotonic() - start < 5.0
        assert len(caught) == 1 and isinstance(caught[0], tf.errors.UnavailableError)
        assert "is unavailable while running a step" in caught[0].message
    finally:
        t.join(10)
    # The stopped server's side-channel acceptor thread ended with it.
    _wait_until(lambda: acceptors() == before - 1)


def test_a_receive_after_its_step_ended_on_the_sender_fails_at_once():
    # The sender's step failed and was cleaned up before a peer asked for its tensor (a
    # race on a restarted task): the late receive must not wait out its deadline.
    r = Rendezvous()
    r.abort(7, tf.errors.FailedPreconditionError(None, None, "uninitialized value v"))
    r.cleanup(7)
    start = time.monotonic()
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value v"):
        r.recv(7, "k", timeout=30.0)
    r.send(8, "done", 1.0)
    assert r.recv(8, "done", timeout=1.0) == 1.0
    r.cleanup(8)  # a step that ended well: a late receive is told so
    with pytest.raises(tf.errors.AbortedError, match="Step 8 has already ended on this task"):
        r.recv(8, "other", timeout=30.0)
    assert time.monotonic() - start < 5.0
    assert r.pending() == 0
