"""Cluster events on the local clock: offset estimate, time conversion, a live 2-task run."""

from __future__ import annotations

import time

import pytest

import teachflow as tf
from teachflow.distributed import event_stream as re_
from teachflow.distributed.event_stream import (
    RemoteEventStream,
    addresses_from,
    estimate_offset,
    localize_event,
    offset_moved,
    to_local_perf,
)
from teachflow.distributed.ports import free_ports, start_servers
from teachflow.trace.events import OpEvent, StepEvent, TransferEvent, bus

W0 = "/job:worker/replica:0/task:0"
W1 = "/job:worker/replica:0/task:1"


def test_offset_from_the_shortest_round_trip():
    # Remote clock 5 s ahead; the slow sample's midpoint would be off by 90 ns.
    samples = [(100, 5_000_000_250, 400), (1_000, 5_000_001_010, 1_020)]
    assert estimate_offset(samples) == 5_000_000_000


def test_offset_can_be_negative_and_needs_a_sample():
    assert estimate_offset([(10_000, 4_000, 10_000)]) == -6_000
    with pytest.raises(ValueError, match="at least one"):
        estimate_offset([])


def test_a_new_offset_replaces_the_old_only_beyond_its_error_bound():
    assert not offset_moved(0, 400, round_trip_ns=1_000)
    assert not offset_moved(0, -500, round_trip_ns=1_000)
    assert offset_moved(0, -501, round_trip_ns=1_000)
    assert offset_moved(5_000_000, 0, round_trip_ns=0)


def test_to_local_perf_removes_offset_and_epoch_base():
    assert to_local_perf(1_000_000, offset_ns=0, epoch_minus_perf_ns=999_000) == 1_000
    assert to_local_perf(1_000_000, offset_ns=-500, epoch_minus_perf_ns=999_000) == 1_500


def test_localize_event_moves_every_time_field():
    op = OpEvent(1, W0 + "/device:CPU:0", "a", "Const", 10_000, 12_000, 4, 0)
    moved = localize_event(op, offset_ns=1_000, epoch_minus_perf_ns=8_000)
    assert (moved.start_ns, moved.end_ns) == (1_000, 3_000)
    assert (moved.node, moved.step_id) == ("a", 1)
    step = localize_event(StepEvent(2, "end", 9_500), 1_000, 8_000)
    assert step.time_ns == 500 and step.phase == "end"


def test_a_task_keeps_only_events_on_its_devices():
    mine = OpEvent(1, W0 + "/device:CPU:0", "a", "Const", 0, 1, 4, 0)
    other = OpEvent(1, W1 + "/device:CPU:0", "b", "Const", 0, 1, 4, 0)
    recv = TransferEvent(1, W1 + "/device:CPU:0", W0 + "/device:CPU:0", "b:0", 4, 0, 1, 0)
    assert re_._own_event(mine, W0) and not re_._own_event(other, W0)
    assert re_._own_event(recv, W0) and not re_._own_event(recv, W1)
    assert re_._own_event(StepEvent(1, "start", 0), W0)
    # task:1 is not a prefix of task:10
    assert not re_._own_event(OpEvent(1, W0 + "0/device:CPU:0", "c", "C", 0, 1, 0, 0), W0)


def test_addresses_from_every_accepted_form():
    assert addresses_from({"worker": ["h:1", "h:2"]}) == {W0: "h:1", W1: "h:2"}
    assert addresses_from(tf.train.ClusterSpec({"worker": ["h:1"]})) == {W0: "h:1"}
    assert addresses_from(["grpc://h:1", "h:2"]) == {"grpc://h:1": "h:1", "h:2": "h:2"}
    assert addresses_from({W0: "grpc://h:1"}) == {W0: "h:1"}

    class FakeLocalCluster:
        targets = {W0: "grpc://localhost:5"}

    assert addresses_from(FakeLocalCluster()) == {W0: "localhost:5"}
    with pytest.raises(TypeError, match="LocalCluster"):
        addresses_from(42)


def test_an_unreachable_task_records_an_error_and_stops():
    port = free_ports(1)[0]
    s = RemoteEventStream({W0: f"127.0.0.1:{port}"}, lambda e: None, timeout=0.5).start()
    assert not s.wait_ready(5.0)
    s.stop()
    assert W0 in s.errors


@pytest.fixture
def two_workers():
    spec, servers = start_servers({"worker": 2}, tf.train.Server, host="localhost")
    started = servers["worker"]
    yield spec, started
    for s in started:
        s.stop()


def test_stream_events_sends_its_headers_before_any_event(two_workers):
    import grpc

    from teachflow.distributed.protocol import teachflow_pb2 as pb
    from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc

    spec, _ = two_workers
    before = len(bus._subscribers)
    with grpc.insecure_channel(spec["worker"][1]) as channel:
        call = pb_grpc.WorkerServiceStub(channel).StreamEvents(
            pb.StreamEventsRequest(), timeout=10.0
        )
        try:
            # No event is ever published here: the headers come on their own.
            headers = dict(call.initial_metadata())
            assert headers["teachflow-subscribed"] == "1"
            assert headers["teachflow-task"] == W1
            assert len(bus._subscribers) == before + 1
        finally:
            call.cancel()
    # The server drops its subscription when the call ends: no events for nobody.
    deadline = time.monotonic() + 10.0
    while len(bus._subscribers) != before:
        assert time.monotonic() < deadline, "the stream's subscription outlived the call"
        time.sleep(0.005)


def test_offsets_are_measured_again_while_streaming(two_workers):
    spec, _ = two_workers
    shift = [0]  # this process's clock, moved by hand: a drift between machines

    def clock():
        return time.time_ns() + shift[0]

    s = RemoteEventStream(
        {W0: spec["worker"][0]}, lambda e: None, clock=clock, remeasure_every=0.02
    ).start()
    try:
        assert s.wait_ready(10.0), s.errors
        assert abs(s.offsets[W0]) < 50e6  # one machine: about zero
        shift[0] = -3_000_000_000  # the local clock now reads 3 s behind
        deadline = time.monotonic() + 10.0
        while s.offsets[W0] < 2.9e9 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert 2.9e9 < s.offsets[W0] < 3.1e9
        assert len(s.measurements[W0]) >= 2
    finally:
        s.stop()
    assert not s.errors
