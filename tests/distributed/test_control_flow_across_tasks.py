"""tf.cond over a cluster: deadness travels with the tensors between tasks.

The pred lives on the ps, a branch on worker 1, the Merge on worker 0: the branch not
taken is dead on its task, its _Send sends a dead tensor (on the side channel for numbers,
on gRPC's RecvTensor for strings), and the receiving task's ops are dead too. A dead op does
not run, so it is not in the step's trace.
"""

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.protocol import tensors
from teachflow.ops.control_flow_primitives import DEAD, switch

pytestmark = pytest.mark.timeout(60)


def _traced(sess, fetch, feed):
    md = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    value = sess.run(fetch, feed, options=options, run_metadata=md)
    ran = {n.node_name for ds in md.step_stats.dev_stats for n in ds.node_stats}
    return value, ran


def _cond_across_tasks(dtype, true_value, false_value):
    with tf.device("/job:ps/task:0"):
        p = tf.placeholder(tf.bool, [], name="p")
        x = tf.constant(true_value, dtype=dtype, name="x")
    with tf.device("/job:worker/task:1"):
        pred = tf.identity(p, name="pred")
    with tf.device("/job:worker/task:0"):
        r = tf.cond(
            pred,
            lambda: tf.identity(x, name="taken_if_true"),
            lambda: tf.constant(false_value, dtype=dtype, name="taken_if_false"),
        )
    return p, r


@pytest.mark.parametrize(
    "dtype,true_value,false_value",
    [(tf.float32, [1.0, 2.0], [7.0, 8.0]), (tf.string, [b"yes", b"y"], [b"no", b"n"])],
)
def test_cond_across_tasks_runs_only_the_taken_branch(
    cluster, session_config, dtype, true_value, false_value
):
    c = cluster(ps=1, workers=2)
    p, r = _cond_across_tasks(dtype, true_value, false_value)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        for flag, want in ((True, true_value), (False, false_value)):
            value, ran = _traced(sess, r, {p: flag})
            assert np.asarray(value).tolist() == want
            assert ("cond/taken_if_true" in ran) is flag
            assert ("cond/taken_if_false" in ran) is not flag
            assert "cond/Merge" in ran


def test_dead_tensor_fetched_from_another_task_is_an_error(cluster, session_config):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:ps/task:0"):
        p = tf.placeholder(tf.bool, [], name="p")
        f, t = switch(tf.constant(3.0), p)
    with tf.device("/job:worker/task:0"):
        y = tf.add(t, 1.0, name="y")
        with tf.control_dependencies([f.op]):
            marker = tf.constant(1.0, name="after_switch")  # a live Switch's control edge
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(y, {p: True}) == 4.0
        assert sess.run(marker, {p: False}) == 1.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not have value"):
            sess.run(y, {p: False})


def test_dead_tensor_stream_round_trips():
    assert tensors.from_chunks(tensors.chunks(DEAD)) is DEAD


def test_while_loop_on_one_task_reads_from_another(cluster, session_config):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:worker/task:0"):
        n = tf.placeholder(tf.int32, [], name="n")
    with tf.device("/job:ps/task:0"):
        r = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 2), [0, 1])
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(r, {n: 5}) == (5, 32)


def test_while_loop_split_over_tasks_is_refused_not_hung(cluster, session_config):
    c = cluster(ps=1, workers=1)

    def body(i):
        with tf.device("/job:worker/task:0"):
            return i + 1

    with tf.device("/job:ps/task:0"):
        r = tf.while_loop(lambda i: i < 3, body, [0])
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        with pytest.raises(tf.errors.UnimplementedError, match="spans tasks"):
            sess.run(r)
