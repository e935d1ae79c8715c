"""Benchmark workloads, written once against the TF1 API so that the same code runs on
teachflow and on ``tensorflow.compat.v1``.

Each workload is ``build(tf) -> (session_config_kwargs, fetches, setup_fetches)`` built in
the current default graph.
"""


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


WORKLOADS = {"tiny": tiny, "chain1000": chain1000, "fanout1000": fanout1000}

# teachflow / TensorFlow time ratios the issues set as targets.
TARGETS = {"tiny": 0.3, "chain1000": 3.0, "fanout1000": 2.0}
