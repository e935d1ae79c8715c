"""The master's calls to another task: a restarted task is usable at once.

When a task dies, the master's gRPC channel to it falls into gRPC's reconnect back-off and
fails calls fast ("Connection refused") for a while after the task is back. A call that
meets UnavailableError asks the task for its status with ``wait_for_ready`` (which connects
now) and, when it answers, repeats the call if that is safe: a repeatable one
(RegisterGraph, GetStatus...), or one the task never received.
"""

from __future__ import annotations

import pytest

import teachflow as tf
from teachflow.distributed.worker_client import WorkerClient

pytestmark = pytest.mark.timeout(60)


def _worker1_graph():
    with tf.device("/job:worker/task:1"):
        v = tf.Variable(2.0, name="v")
        tripled = v * 3.0
    return v, tripled


def test_restart_then_run_five_times_in_a_row_with_no_unavailable(cluster, session_config):
    c = cluster(ps=0, workers=2)
    v, tripled = _worker1_graph()
    restarted = []
    try:
        with tf.Session(c.target("worker", 0), config=session_config()) as sess:
            sess.run(v.initializer)
            for _ in range(2):
                (restarted[-1] if restarted else c.server("worker", 1)).stop()
                # While the task is down the master's channel backs off: a step fails.
                with pytest.raises(tf.errors.UnavailableError):
                    sess.run(tripled)
                restarted.append(tf.train.Server(c.spec, "worker", 1))
                # Back: the very first steps work (fresh state: initialise v again).
                sess.run(v.initializer)
                for _ in range(5):
                    assert sess.run(tripled) == 6.0
    finally:
        for s in restarted:
            s.stop()


def test_a_task_that_stays_down_still_fails_within_the_timeout(cluster, session_config):
    c = cluster(ps=0, workers=2, down=(("worker", 1),))
    client = WorkerClient("/job:worker/replica:0/task:1", c.address("worker", 1))
    try:
        with pytest.raises(tf.errors.UnavailableError, match="task:1"):
            client.register_graph("s", None, None)
    finally:
        client.close()
