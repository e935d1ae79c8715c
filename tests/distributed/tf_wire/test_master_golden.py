"""Conformance: a real TensorFlow client's requests, replayed against teachflow's master.

tests/fixtures/tensorflow/record_wire_master.py recorded, byte for byte, what TF 2.21's
client sent a TF master and what the master answered, on the chapter's cluster (``a = 1.0``
on the ps, ``b = a + 2`` and ``c = a * 3`` on the worker). Here the same request bytes go to
a teachflow ps + worker, and every response must decode to TensorFlow's: the same bytes
where TF's answer is deterministic, the same values, devices and error where it is not
(session handles, incarnations, timings). No TensorFlow needed.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.replay import replay_master_calls
from teachflow.framework import errors

WIRE = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow" / "wire" / "master"
INDEX = json.loads((WIRE / "index.json").read_text())
CALLS = INDEX["calls"]
# Answers that carry something no two runs share: a fresh handle, incarnations, timings,
# an error worded by the engine that ran the step.
NONDETERMINISTIC = {"CreateSession", "ListDevices"}
NONDETERMINISTIC_STEPS = {"full_trace", "error_unfed"}


@pytest.fixture(scope="module")
def replayed():
    """Every recorded request sent, in order, to worker:0 of a teachflow ps + worker:
    [(call, recorded response, teachflow's response)]."""
    spec, servers = start_servers(
        {"ps": 1, "worker": 1}, lambda spec, job, i: tf.train.Server(spec, job, i)
    )
    try:
        calls = replay_master_calls(spec["worker"][0], WIRE)
    finally:
        for job in servers.values():
            for s in job:
                s.stop()
    return [(call, c.recorded, c.response) for call, c in zip(CALLS, calls, strict=True)]


def test_the_recording_is_the_chapters_example():
    steps = {s["name"]: s["result"] for s in INDEX["steps"]}
    assert steps["list_fetch"] == [3.0, 3.0]
    assert steps["feed"] == [1.0, 2.0, 3.0]
    assert steps["error_unfed"]["error"] == "InvalidArgumentError"
    methods = {c["method"] for c in CALLS}
    assert {"CreateSession", "ExtendSession", "RunStep", "MakeCallable", "RunCallable"} <= methods


def test_every_call_succeeds_as_it_did_on_tensorflow(replayed):
    assert [c["method"] for c, _, _ in replayed] == [c["method"] for c in CALLS]
    assert all(c["code"] == "OK" for c, _, _ in replayed)


@pytest.mark.parametrize(
    "seq",
    [
        c["seq"]
        for c in CALLS
        if c["method"] not in NONDETERMINISTIC and c["step"] not in NONDETERMINISTIC_STEPS
    ],
)
def test_deterministic_answers_are_tensorflows_bytes(replayed, seq):
    call, recorded, response = replayed[seq]
    assert response.SerializeToString() == recorded.SerializeToString(), call["step"]


def test_create_session_answers_a_tensorflow_style_handle(replayed):
    (call, recorded, response) = replayed[0]
    assert call["method"] == "CreateSession"
    assert len(response.session_handle) == len(recorded.session_handle) == 16
    assert response.graph_version == recorded.graph_version == 0


def _by_step(replayed, name):
    return [(r, ours) for c, r, ours in replayed if c["step"] == name and c["method"] == "RunStep"]


def test_full_trace_returns_step_stats_and_partition_graphs(replayed):
    [(recorded, response)] = _by_step(replayed, "full_trace")
    assert [t.name for t in response.tensor] == ["c:0"]
    assert convert.to_numpy(response.tensor[0].tensor) == np.float32(3.0)
    assert response.tensor[0].SerializeToString() == recorded.tensor[0].SerializeToString()
    devices = {d.device for d in response.metadata.step_stats.dev_stats}
    assert devices == {d.device for d in recorded.metadata.step_stats.dev_stats}
    ran = {n.node_name for d in response.metadata.step_stats.dev_stats for n in d.node_stats}
    assert {"a", "c/ReadVariableOp", "c/y", "c"} <= ran
    assert all(
        n.all_start_micros > 0 for d in response.metadata.step_stats.dev_stats for n in d.node_stats
    )
    ours = {n.device for g in response.metadata.partition_graphs for n in g.node}
    theirs = {n.device for g in recorded.metadata.partition_graphs for n in g.node}
    assert len(response.metadata.partition_graphs) == len(recorded.metadata.partition_graphs)
    assert ours == theirs


def test_list_devices_names_tensorflows_devices(replayed):
    [(call, recorded, response)] = [x for x in replayed if x[0]["method"] == "ListDevices"]

    def described(r):
        return [(d.name, d.device_type, d.memory_limit, d.xla_global_id) for d in r.local_device]

    assert described(response) == described(recorded)
    assert not response.remote_device
    assert all(d.incarnation != 0 for d in response.local_device)


def test_an_unfed_placeholder_comes_back_in_the_body_as_tensorflows_error(replayed):
    [(recorded, response)] = _by_step(replayed, "error_unfed")
    assert response.status_code == recorded.status_code == errors.INVALID_ARGUMENT
    words = "You must feed a value for placeholder tensor 'x' with dtype float"
    assert words in recorded.status_error_message
    assert words in response.status_error_message
    assert not response.tensor
