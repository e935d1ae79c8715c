"""Between-graph replication with tf.train.Supervisor, in one process: a ps task and two
workers, each worker building its own copy of the graph with replica_device_setter. The
chief (worker 0) initializes the variables on the ps and trains; worker 1 waits until the
model is ready, then adds its own steps to the shared global step."""

import json
import socket
import tempfile
import threading

import numpy as np

import teachflow as tf


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ports = [free_port() for _ in range(3)]
cluster = tf.train.ClusterSpec(
    {"ps": [f"127.0.0.1:{ports[0]}"], "worker": [f"127.0.0.1:{p}" for p in ports[1:]]}
)
servers = [
    tf.train.Server(cluster, job_name="ps", task_index=0),
    tf.train.Server(cluster, job_name="worker", task_index=0),
    tf.train.Server(cluster, job_name="worker", task_index=1),
]
data_x = np.linspace(0.0, 1.0, 16).astype(np.float32)
data_y = 3.0 * data_x + 2.0
logdir = tempfile.mkdtemp()
config = tf.ConfigProto(operation_timeout_in_ms=20000)
report = {}


def build(task_index):
    graph = tf.Graph()
    with graph.as_default():
        with tf.device(
            tf.train.replica_device_setter(
                worker_device=f"/job:worker/task:{task_index}", cluster=cluster
            )
        ):
            global_step = tf.train.get_or_create_global_step()
            w = tf.Variable(0.0, name="w")
            b = tf.Variable(0.0, name="b")
            loss = tf.reduce_mean(tf.square(w * data_x + b - data_y))
            train_op = tf.train.GradientDescentOptimizer(0.5).minimize(
                loss, global_step=global_step
            )
            count_op = tf.assign_add(global_step, 1)
    return graph, global_step, w, b, loss, train_op, count_op


def worker(task_index, steps):
    graph, global_step, w, b, loss, train_op, count_op = build(task_index)
    is_chief = task_index == 0
    sv = tf.train.Supervisor(
        graph=graph,
        is_chief=is_chief,
        logdir=logdir if is_chief else None,
        save_model_secs=0,
        save_summaries_secs=0,
        recovery_wait_secs=1,
    )
    with sv.managed_session(servers[1 + task_index].target, config=config) as sess:
        losses = []
        for _ in range(steps):
            if is_chief:
                _, current = sess.run([train_op, loss])
                losses.append(float(current))
            else:
                sess.run(count_op)
        report[task_index] = {"losses": losses}
        if is_chief:
            report["w_b"] = [float(v) for v in sess.run([w, b])]
        report.setdefault("done", []).append(task_index)


other = threading.Thread(target=worker, args=(1, 7))
other.start()
worker(0, 10)
other.join(60)
with tf.Session(servers[1].target, config=config) as sess:
    with tf.device("/job:ps/task:0"):
        step_value = sess.run(tf.train.get_or_create_global_step().read_value())
print("chief losses:", report[0]["losses"][:3], "... global step:", step_value)

results = {
    "chief_losses": report[0]["losses"],
    "w_b": report["w_b"],
    "global_step": int(step_value),
}
print("results:", json.dumps(results))
