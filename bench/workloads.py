"""Benchmark workloads, written once against the TF1 API so that the same code runs on
teachflow and on ``tensorflow.compat.v1``.

Each workload builds its graph in the current default graph and returns what to fetch.
"""

import numpy as np


def tiny(tf):
    """Session.run overhead: one add of two constants."""
    return tf.constant(1.0) + tf.constant(2.0)


def chain1000(tf):
    """1000 dependent scalar adds: per-op overhead on a long critical path."""
    v = tf.Variable(0.0)
    x = v
    for _ in range(1000):
        x = x + 1.0
    return x


def fanout1000(tf):
    """1000 independent adds joined by one add_n: per-op overhead with wide parallelism."""
    v = tf.Variable(0.0)
    base = v + 0.0
    return tf.add_n([base + float(i) for i in range(1000)])


MATMUL_N = 2000


def matmul_parallel(tf):
    """Two independent 2000x2000 float32 matmuls fetched together."""
    rng = np.random.default_rng(0)
    a = tf.Variable(rng.standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32))
    b = tf.Variable(rng.standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32))
    return [tf.matmul(a, b), tf.matmul(b, a)]


MATMUL_FLOPS = 2 * 2 * MATMUL_N**3  # two matmuls of 2 n^3 flops each


def mlp_train(tf):
    """One SGD step of a 784-256-128-10 MLP on a batch of 256: a typical lab workload
    (about 150 ops forward and backward, a few ms a step)."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((256, 784)).astype(np.float32))
    labels = tf.constant(rng.integers(0, 10, 256).astype(np.int32))
    h = tf.layers.dense(x, 256, activation=tf.nn.relu)
    h = tf.layers.dense(h, 128, activation=tf.nn.relu)
    logits = tf.layers.dense(h, 10)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    return tf.train.GradientDescentOptimizer(0.1).minimize(loss)


CNN_BATCH = 32


def cnn_train(tf):
    """One Adam step of a small CNN on a batch of 32 MNIST-sized images: conv 5x5x32 (SAME)
    + ReLU + 2x2 max pool + dense 10. Written with tf.nn and tf.get_variable (TF 2.21's
    Keras 3 has no tf.layers), so the same graph runs on both engines."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((CNN_BATCH, 28, 28, 1)).astype(np.float32))
    labels = tf.constant(rng.integers(0, 10, CNN_BATCH).astype(np.int32))
    kernel = tf.get_variable(
        "conv/kernel", [5, 5, 1, 32], initializer=tf.glorot_uniform_initializer(seed=1)
    )
    bias = tf.get_variable("conv/bias", [32], initializer=tf.zeros_initializer())
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, kernel, [1, 1, 1, 1], "SAME"), bias))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    h = tf.reshape(h, [CNN_BATCH, 14 * 14 * 32])
    w = tf.get_variable(
        "dense/kernel", [14 * 14 * 32, 10], initializer=tf.glorot_uniform_initializer(seed=2)
    )
    logits = tf.matmul(h, w)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    return tf.train.AdamOptimizer(1e-3).minimize(loss)


WORKLOADS = {
    "cnn_train": cnn_train,
    "mlp_train": mlp_train,
    "tiny": tiny,
    "chain1000": chain1000,
    "fanout1000": fanout1000,
    "matmul_parallel": matmul_parallel,
}
