"""Cluster benchmark workloads: the same TF1 code on teachflow's and TensorFlow's servers.

Each workload builds its graph (pinned to tasks of a ps=1, workers=2 cluster) and returns
(fetch, bytes moved across tasks per run or 0). The session's target is worker 0.
"""

import numpy as np

TRANSFER_BYTES = 64 << 20


def remote_tiny(tf):
    """Latency of one remote step: constant(1.0) + constant(2.0) on the master's task."""
    return tf.constant(1.0) + tf.constant(2.0), 0


def cross_task(tf):
    """a on the ps, b = a * 2 on worker 1: every run crosses two tasks."""
    with tf.device("/job:ps/task:0"):
        a = tf.Variable(1.0, name="a")
    with tf.device("/job:worker/task:1"):
        b = a * 2.0
    return b, 4


def transfer_64mib(tf):
    """A 64 MiB variable on the ps reduced on worker 1: 64 MiB cross tasks every run."""
    n = TRANSFER_BYTES // 4
    with tf.device("/job:ps/task:0"):
        big = tf.Variable(np.ones(n, np.float32), name="big")
    with tf.device("/job:worker/task:1"):
        total = tf.reduce_sum(big)
    return total, TRANSFER_BYTES


CLUSTER_WORKLOADS = {
    "remote_tiny": remote_tiny,
    "cross_task": cross_task,
    "transfer_64mib": transfer_64mib,
}
