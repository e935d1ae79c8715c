"""Training loops as a notebook writes them: many small ``sess.run(train, feed_dict=...)`` steps.

    python bench/run.py --only training --tf-python PATH

Each case is measured on both engines with the default ``ConfigProto`` (what a student's notebook
gets), once on an idle machine and once *loaded*: one busy-loop process per core for the whole
measurement, as on a laptop that also runs a browser and a video call. The figure is the median
over repeats of the mean time per step, feeding a different batch each step.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import statistics
import time

import numpy as np


def logreg(tf):
    """Logistic regression: batch 100 of 8 features, log_loss, gradient descent."""
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((1000, 8)).astype(np.float32)
    y_all = (rng.random((1000, 1)) < 0.5).astype(np.float32)
    x = tf.placeholder(tf.float32, shape=(None, 8), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.zeros([8, 1]), name="theta")
    p = tf.sigmoid(tf.matmul(x, theta))
    loss = tf.losses.log_loss(y, p)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    batches = [{x: x_all[i : i + 100], y: y_all[i : i + 100]} for i in range(0, 1000, 100)]
    return [train, loss], batches


def _dense(tf, x, units, name, activation=None):
    # tf.get_variable + matmul: TF 2.21's Keras 3 has no tf.layers, so both engines run this.
    w = tf.get_variable(
        name + "/kernel",
        [int(x.shape[1]), units],
        initializer=tf.glorot_uniform_initializer(seed=len(name)),
    )
    b = tf.get_variable(name + "/bias", [units], initializer=tf.zeros_initializer())
    y = tf.nn.bias_add(tf.matmul(x, w), b)
    return activation(y) if activation else y


def mlp(tf):
    """MLP 784-300-100-10 on batches of 50, sparse softmax cross-entropy, Adam."""
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((500, 784)).astype(np.float32)
    y_all = rng.integers(0, 10, 500).astype(np.int32)
    x = tf.placeholder(tf.float32, shape=(None, 784), name="X")
    y = tf.placeholder(tf.int32, shape=(None,), name="y")
    h = _dense(tf, x, 300, "hidden1", tf.nn.relu)
    h = _dense(tf, h, 100, "hidden2", tf.nn.relu)
    logits = _dense(tf, h, 10, "outputs")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    batches = [{x: x_all[i : i + 50], y: y_all[i : i + 50]} for i in range(0, 500, 50)]
    return [train, loss], batches


def _conv(tf, x, filters, name):
    kernel = tf.get_variable(
        name + "/kernel",
        [5, 5, int(x.shape[3]), filters],
        initializer=tf.glorot_uniform_initializer(seed=len(name)),
    )
    bias = tf.get_variable(name + "/bias", [filters], initializer=tf.zeros_initializer())
    y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, kernel, [1, 1, 1, 1], "SAME"), bias))
    return tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")


def cnn(tf):
    """A small CNN on 28x28 images, batches of 32: two 5x5 convolutions (8 and 16 filters)
    with ReLU and 2x2 max pooling, a dense layer of 10, sparse softmax cross-entropy, Adam."""
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((320, 28, 28, 1)).astype(np.float32)
    y_all = rng.integers(0, 10, 320).astype(np.int32)
    x = tf.placeholder(tf.float32, shape=(None, 28, 28, 1), name="X")
    y = tf.placeholder(tf.int32, shape=(None,), name="y")
    h = _conv(tf, _conv(tf, x, 8, "conv1"), 16, "conv2")
    logits = _dense(tf, tf.reshape(h, [-1, 7 * 7 * 16]), 10, "outputs")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    batches = [{x: x_all[i : i + 32], y: y_all[i : i + 32]} for i in range(0, 320, 32)]
    return [train, loss], batches


TRAINING = {"logreg_train": logreg, "mlp_train_fed": mlp, "cnn_train_fed": cnn}


def _spin(stop):
    while not stop.is_set():
        pass


@contextlib.contextmanager
def busy_cores(loaded: bool):
    """One busy-loop process per core while the block runs (nothing when not ``loaded``)."""
    if not loaded:
        yield
        return
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(os.cpu_count())]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()


def measure_training(tf, case, repeats, loaded, min_time=0.3):
    """Median seconds per training step (a different batch fed each step)."""
    graph = tf.Graph()
    with graph.as_default():
        fetches, batches = TRAINING[case](tf)
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            for i in range(20):  # plans built, costs learned, caches warm
                sess.run(fetches, feed_dict=batches[i % len(batches)])
            with busy_cores(loaded):
                t0 = time.perf_counter()
                sess.run(fetches, feed_dict=batches[0])
                n = max(5, int(min_time / max(time.perf_counter() - t0, 1e-6)))
                samples = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    for i in range(n):
                        sess.run(fetches, feed_dict=batches[i % len(batches)])
                    samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)
