"""`cluster_status`: every task's answer to GetStatus(include_resources), as a table."""

from __future__ import annotations

import pytest

import teachflow as tf
from teachflow.magics.cluster_status import HeldResource, cluster_status
from teachflow.magics.in_process import InProcessCluster


@pytest.fixture
def cluster():
    with InProcessCluster(ps=1, workers=1) as c:
        yield c


def test_variables_and_queues_held_by_each_task(cluster):
    with tf.container("exp"), tf.device("/job:ps/task:0"):
        w = tf.Variable(tf.zeros([2, 3]), name="w")
        count = tf.Variable(1, name="count")
        q = tf.RandomShuffleQueue(5, 1, [tf.int32], shapes=[[2]], shared_name="examples")
    with tf.Session(cluster.target("worker", 0)) as sess:
        sess.run(w.initializer)
        assert not sess.run(tf.is_variable_initialized(count))  # created, never assigned
        sess.run(q.enqueue([[1, 2]]))
        sess.run(q.close())
    status = cluster_status(cluster)
    ps = status.task("/job:ps/replica:0/task:0")
    assert [(r.name, r.bytes) for r in ps.variables] == [("count", 0), ("w", 24)]
    assert [r.describe() for r in ps.variables] == [
        "exp/count int32 () on CPU:0 (uninitialized)",
        "exp/w float32 (2, 3) on CPU:0",
    ]
    assert [r.describe() for r in ps.queues] == [
        "exp/examples RandomShuffleQueue 1/5 int32 (closed)"
    ]
    assert ps.queues[0].shape == "(2,)"
    worker = status.task("/job:worker/replica:0/task:0")
    assert worker.resources == [] and worker.state == "up"
    text = repr(status)
    assert text.splitlines()[0] == "2 tasks, 2 up; 2 variables and 1 queue held"
    assert text.splitlines()[1].split() == [
        "task",
        "address",
        "state",
        "devices",
        "variables",
        "queues",
    ]
    page = status._repr_html_()
    assert (
        "<td>exp/count int32 () on CPU:0 (uninitialized)<br>exp/w float32 (2, 3) on CPU:0</td>"
        in page
    )
    # Each device chip in the colour the other views of the session give it.
    from teachflow.viz import palette

    for device in ps.devices + worker.devices:
        colour = palette.color_table([device])[device]
        assert f'data-device="{device}" style="border-left:0.8em solid {colour};' in page


def test_a_task_nobody_answers_for_is_down(cluster):
    spec = cluster.spec.as_dict()
    cluster.server("worker", 0).stop()
    status = cluster_status(spec, timeout=0.5)  # a spec: no process state to read
    assert [(t.state, t.detail) for t in status.tasks] == [("up", ""), ("down", "unreachable")]
    assert "color:#000000" in status._repr_html_()  # down in the reserved error colour


def test_an_unbounded_queue_and_a_bad_argument():
    r = HeldResource("", "q", "FIFOQueue", "float32, int32", "", size=3, capacity=-1)
    assert r.describe() == "q FIFOQueue 3/∞ float32, int32"
    with pytest.raises(TypeError, match="cluster_status expects a LocalCluster"):
        cluster_status(42)
