"""`StepRecorder`: the events of the last steps, for ``%teachflow timeline``."""

from __future__ import annotations

import threading
import time

import pytest

import teachflow as tf
from teachflow.magics.last_run import StepRecorder
from teachflow.trace.events import bus


def wait_until(condition, timeout=10.0) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.02)
    return True


def test_keeps_the_last_steps_grouped_by_step_id():
    recorder = StepRecorder(keep_steps=2).start()
    x = tf.constant(1.0, name="x")
    y = tf.add(x, 1.0, name="y")
    try:
        with tf.Session() as sess:
            for _ in range(3):
                sess.run(y)
    finally:
        recorder.stop()
    ids = recorder.step_ids()
    assert len(ids) == 2 and ids == sorted(ids)  # the two last of three steps
    last = recorder.last_steps(1)
    assert {e.step_id for e in last} == {ids[-1]}
    assert sorted(e.node for e in last if e.kind == "op") == ["x", "y", "y/y"]
    assert {e.step_id for e in recorder.last_steps(5)} == set(ids)


def test_stop_unsubscribes_and_a_run_then_builds_no_events():
    recorder = StepRecorder().start()
    assert bus.active and recorder.recording
    recorder.stop()
    assert not bus.active and not recorder.recording
    with tf.Session() as sess:
        sess.run(tf.constant(1.0))
    assert recorder.step_ids() == []


def test_follow_records_the_events_of_server_processes():
    from teachflow.cluster import LocalCluster

    recorder = StepRecorder()
    with LocalCluster(ps=0, workers=1) as cluster:
        assert recorder.follow(cluster, timeout=10.0)
        with tf.device("/job:worker/task:0"):
            z = tf.multiply(tf.constant(2.0), 3.0, name="z")
        with tf.Session(cluster.target("worker", 0)) as sess:
            assert sess.run(z) == 6.0
        # The events stream in while and after the step runs: wait for them, bounded.
        assert wait_until(lambda: any(getattr(e, "node", "") == "z" for e in recorder.last_steps()))
        recorder.unfollow()
    ops = {e.node: e.device for e in recorder.last_steps() if e.kind == "op"}
    assert ops["z"] == "/job:worker/replica:0/task:0/device:CPU:0"


def test_keep_steps_must_be_positive():
    with pytest.raises(ValueError, match="keep_steps must be >= 1, got 0"):
        StepRecorder(keep_steps=0)
