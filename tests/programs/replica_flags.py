"""An mnist_replica-style script: the cluster comes from command-line flags.

    python replica_flags.py                                   # train alone
    python replica_flags.py --job_name=ps --task_index=0 \\
        --ps_hosts=localhost:2222 --worker_hosts=localhost:2223
    python replica_flags.py --job_name=worker --task_index=0 \\
        --ps_hosts=localhost:2222 --worker_hosts=localhost:2223
"""

import json

import numpy as np

import teachflow as tf

flags = tf.app.flags
flags.DEFINE_string("job_name", "", "One of 'ps', 'worker'")
flags.DEFINE_integer("task_index", 0, "Index of task within the job")
flags.DEFINE_string("ps_hosts", "", "Comma-separated list of hostname:port pairs")
flags.DEFINE_string("worker_hosts", "", "Comma-separated list of hostname:port pairs")
flags.DEFINE_integer("train_steps", 8, "Number of training steps")
flags.DEFINE_float("learning_rate", 0.3, "Learning rate")
FLAGS = flags.FLAGS


def model():
    x = tf.constant(np.linspace(-1.0, 1.0, 12).astype(np.float32))
    y = 0.5 * x - 1.0
    global_step = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(w * x + b - y))
    train_op = tf.train.GradientDescentOptimizer(FLAGS.learning_rate).minimize(
        loss, global_step=global_step
    )
    return global_step, w, b, loss, train_op


def train(sess, global_step, w, b, loss, train_op):
    losses = []
    while len(losses) < FLAGS.train_steps:
        _, current = sess.run([train_op, loss])
        losses.append(float(current))
    return {
        "losses": losses,
        "w_b": [float(v) for v in sess.run([w, b])],
        "step": int(sess.run(global_step)),
    }


def main(unused_argv):
    if not FLAGS.job_name:
        with tf.Session() as sess:
            parts = model()
            sess.run(tf.global_variables_initializer())
            result = train(sess, *parts)
    else:
        cluster = tf.train.ClusterSpec(
            {"ps": FLAGS.ps_hosts.split(","), "worker": FLAGS.worker_hosts.split(",")}
        )
        server = tf.train.Server(cluster, job_name=FLAGS.job_name, task_index=FLAGS.task_index)
        if FLAGS.job_name == "ps":
            print("ps ready", flush=True)
            server.join()
            return
        with tf.device(
            tf.train.replica_device_setter(
                worker_device=f"/job:worker/task:{FLAGS.task_index}", cluster=cluster
            )
        ):
            parts = model()
        sv = tf.train.Supervisor(is_chief=FLAGS.task_index == 0, recovery_wait_secs=1)
        config = tf.ConfigProto(operation_timeout_in_ms=20000)
        with sv.managed_session(server.target, config=config) as sess:
            result = train(sess, *parts)
    result["argv_job"] = FLAGS.job_name
    print("results:", json.dumps(result))


if __name__ == "__main__":
    tf.app.run()
