"""What a server holds and bounds: sessions nobody closed, long-lived calls, message sizes.

* Sessions idle for ``session_gc_seconds`` are closed (counted in GetStatus).
* Long-lived calls (StreamEvents, RecvTensor) have their own thread budgets: 64 live
  timelines cannot lock out a new client, and the 65th stream is told why it is refused.
* A request over ``max_message_bytes`` fails with ResourceExhaustedError, on gRPC and on
  the side channel alike; with a token set, a request without it is refused before its
  bytes are decoded.
"""

from __future__ import annotations

import threading
import time

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.worker import MAX_EVENT_STREAMS, STREAM_SUBSCRIBED_KEY

pytestmark = pytest.mark.timeout(60)

WAIT_S = 15.0


def _wait_until(predicate, what, timeout=WAIT_S):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


@pytest.fixture
def make_server():
    made = []

    def make(**kwargs):
        s = tf.train.Server({"localhost": ["localhost:0"]}, **kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def _status(server):
    with grpc.insecure_channel(server.target[len("grpc://") :]) as channel:
        return pb_grpc.WorkerServiceStub(channel).GetStatus(pb.GetStatusRequest(), timeout=10)


def _config():
    return tf.ConfigProto(operation_timeout_in_ms=10000)


# -- idle sessions -------------------------------------------------------------------------
def test_idle_sessions_are_closed_after_session_gc_seconds(make_server):
    server = make_server(session_gc_seconds=60.0)
    master = server.master_service
    now = [1000.0]
    master.clock = lambda: now[0]  # idleness in a clock the test winds
    x = tf.constant(3.0) * 2.0
    forgotten = [tf.Session(server.target, config=_config()) for _ in range(3)]
    for sess in forgotten:
        assert sess.run(x) == 6.0
    forgotten[0].close()
    status = _status(server)
    assert (status.master_sessions, status.worker_sessions) == (2, 2)
    now[0] += 59.0
    assert _status(server).master_sessions == 2  # not idle long enough yet
    now[0] += 2.0
    assert _status(server).master_sessions == 0
    _wait_until(lambda: _status(server).worker_sessions == 0, "partitions deregistered")
    with pytest.raises(tf.errors.AbortedError, match="idle for 60 s"):
        forgotten[1].run(x)
    with tf.Session(server.target, config=_config()) as fresh:
        assert fresh.run(x) == 6.0


def test_a_session_running_a_long_step_is_not_idle(make_server):
    server = make_server(session_gc_seconds=60.0)
    now = [0.0]
    server.master_service.clock = lambda: now[0]
    q = tf.FIFOQueue(1, tf.float32, shapes=[[]], shared_name="slow")
    got = []
    with tf.Session(server.target, config=_config()) as sess:
        t = threading.Thread(target=lambda: got.append(sess.run(q.dequeue())), daemon=True)
        t.start()
        _wait_until(lambda: _status(server).running_steps == 1, "the step waiting")
        now[0] += 3600.0
        assert _status(server).master_sessions == 1
        with tf.Session(server.target, config=_config()) as other:
            other.run(q.enqueue(5.0))
        t.join(WAIT_S)
    assert got == [5.0]


def test_gc_off_keeps_sessions(make_server):
    server = make_server(session_gc_seconds=0)
    now = [0.0]
    server.master_service.clock = lambda: now[0]
    sess = tf.Session(server.target, config=_config())
    sess.run(tf.constant(1.0))
    now[0] += 1e9
    assert _status(server).master_sessions == 1
    sess.close()


# -- long-lived calls ----------------------------------------------------------------------
def test_open_event_streams_do_not_lock_out_a_new_client(make_server):
    server = make_server()
    address = server.target[len("grpc://") :]
    channels = [grpc.insecure_channel(address) for _ in range(2)]
    streams = []
    try:
        for i in range(MAX_EVENT_STREAMS):
            stub = pb_grpc.WorkerServiceStub(channels[i % 2])
            call = stub.StreamEvents(pb.StreamEventsRequest(), timeout=30)
            streams.append(call)
            assert dict(call.initial_metadata()).get(STREAM_SUBSCRIBED_KEY) == "1"
        # One more is refused, and says why.
        extra = pb_grpc.WorkerServiceStub(channels[0]).StreamEvents(
            pb.StreamEventsRequest(), timeout=10
        )
        with pytest.raises(grpc.RpcError) as info:
            next(extra)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "live timeline" in info.value.details()
        # 64 live timelines hold their threads; a new client still runs a step at once.
        start = time.monotonic()
        with tf.Session(server.target, config=_config()) as sess:
            assert sess.run(tf.constant(20.0) + 1.0) == 21.0
        assert time.monotonic() - start < 5.0
    finally:
        for call in streams:
            call.cancel()
        for channel in channels:
            channel.close()


def test_a_recv_tensor_without_deadline_ends_with_its_step(make_server):
    server = make_server()
    worker = server.worker_service
    q = tf.FIFOQueue(1, tf.float32, shapes=[[]])
    sess = tf.Session(server.target, config=tf.ConfigProto(operation_timeout_in_ms=1000))
    ended = []

    def blocked_step():
        try:
            sess.run(q.dequeue())
        except tf.errors.DeadlineExceededError as e:
            ended.append(e)

    t = threading.Thread(target=blocked_step)
    t.start()
    try:
        _wait_until(lambda: worker.running_steps() == 1, "a step running with a deadline")
        (step_id,) = list(worker._running)
        with grpc.insecure_channel(server.target[len("grpc://") :]) as channel:
            call = pb_grpc.WorkerServiceStub(channel).RecvTensor(
                pb.RecvTensorRequest(step_id=step_id, rendezvous_key="never;0;a;b;0:0")
            )  # neither timeout_ms nor a gRPC deadline
            start = time.monotonic()
            with pytest.raises(grpc.RpcError) as info:
                list(call)
        assert info.value.code() in (
            grpc.StatusCode.DEADLINE_EXCEEDED,
            grpc.StatusCode.ABORTED,
            grpc.StatusCode.CANCELLED,
        )
        assert time.monotonic() - start < 5.0
    finally:
        t.join(WAIT_S)
        sess.close()
    assert len(ended) == 1  # the step itself ended at its deadline


# -- message sizes and tokens --------------------------------------------------------------
def test_a_request_over_max_message_bytes_is_resource_exhausted(make_server):
    server = make_server(max_message_bytes=1 << 20)
    x = tf.placeholder(tf.float32, [None])
    total = tf.reduce_sum(x)
    with tf.Session(server.target, config=_config()) as sess:
        assert sess.run(total, {x: np.ones(1000, np.float32)}) == 1000.0
        with pytest.raises(tf.errors.ResourceExhaustedError, match="larger than max"):
            sess.run(total, {x: np.ones(1 << 19, np.float32)})  # 2 MiB
        assert sess.run(total, {x: np.ones(10, np.float32)}) == 10.0  # still serving
    with grpc.insecure_channel(server.target[len("grpc://") :]) as channel:
        with pytest.raises(grpc.RpcError) as info:
            pb_grpc.MasterServiceStub(channel).RunStep(
                pb.RunStepRequest(session_handle="x" * (2 << 20)), timeout=10
            )
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_with_a_token_a_request_without_it_is_refused_before_decoding(make_server):
    server = make_server(token="s3cret")
    with grpc.insecure_channel(server.target[len("grpc://") :]) as channel:
        # Bytes that are no RegisterGraphRequest: decoding them would fail otherwise.
        raw = channel.unary_unary("/teachflow.WorkerService/RegisterGraph")
        for metadata in [(), (("authorization", "Bearer wrong"),)]:
            with pytest.raises(grpc.RpcError) as info:
                raw(b"\xff\xff\xff\xff not a message", timeout=10, metadata=metadata)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as info:
            raw(b"\xff\xff\xff\xff", timeout=10, metadata=(("authorization", "Bearer s3cret"),))
        assert info.value.code() != grpc.StatusCode.UNAUTHENTICATED  # decoded, then refused


def test_cluster_status_shows_each_tasks_sessions(make_server):
    from teachflow.magics.cluster_status import cluster_status

    server = make_server()
    with tf.Session(server.target, config=_config()) as sess:
        sess.run(tf.constant(1.0) + 1.0)
        status = cluster_status({"localhost": [server.target[len("grpc://") :]]})
        (task,) = status.tasks
        assert (task.sessions, task.running_steps) == (1, 0)
        assert "up; 1 session" in repr(status)
