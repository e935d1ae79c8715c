"""tf.distributions cases written once against the TF1 API (recorded by
tests/fixtures/tensorflow/record_distributions.py, checked by
tests/distributions/test_distributions.py). Each case builds in a graph of its own, so its
graph can be compared node for node; seeded samples come from TF's Philox streams."""

import numpy as np

LOC = np.array([[0.0, 1.0, -2.0], [0.5, 3.0, 1.0]], np.float32)
SCALE = np.array([1.0, 2.0, 0.5], np.float32)
POINTS = np.array([[-1.0, 0.5, 2.0], [0.0, 4.0, -1.5]], np.float32)


def _normal(tf):
    return tf.distributions.Normal(loc=LOC, scale=SCALE)


def _uniform(tf):
    return tf.distributions.Uniform(low=LOC, high=LOC + SCALE)


def _methods(make):
    return {
        "sample": lambda tf: make(tf).sample(seed=3),
        "sample_n": lambda tf: make(tf).sample([4, 2], seed=7),
        "log_prob": lambda tf: make(tf).log_prob(POINTS),
        "prob": lambda tf: make(tf).prob(POINTS),
        "cdf": lambda tf: make(tf).cdf(POINTS),
        "log_cdf": lambda tf: make(tf).log_cdf(POINTS) if make is _uniform else make(tf).cdf(0.0),
        "survival": lambda tf: make(tf).survival_function(POINTS),
        "entropy": lambda tf: make(tf).entropy(),
        "mean": lambda tf: make(tf).mean(),
        "stddev": lambda tf: make(tf).stddev(),
        "variance": lambda tf: make(tf).variance(),
        "batch_shape_tensor": lambda tf: make(tf).batch_shape_tensor(),
        "event_shape_tensor": lambda tf: make(tf).event_shape_tensor(),
    }


def _kl(tf):
    a = tf.distributions.Normal(loc=LOC, scale=SCALE, name="a")
    b = tf.distributions.Normal(loc=0.5, scale=1.5, name="b")
    return tf.distributions.kl_divergence(a, b)


def _sample_grad(tf):
    loc = tf.constant(LOC)
    samples = tf.distributions.Normal(loc=loc, scale=SCALE).sample(3, seed=11)
    return tf.gradients(tf.reduce_sum(samples * samples), loc)[0]


LOGITS = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.2, -0.3, -2.0]], np.float32)
PROBS = np.array([0.1, 0.5, 0.85], np.float32)
CLASSES = np.array([[0, 3], [2, 1]], np.int32)


def _bernoulli_cases():
    def make(tf):
        return tf.distributions.Bernoulli(probs=PROBS)

    def by_logits(tf):
        return tf.distributions.Bernoulli(logits=LOGITS[0])

    def kl(tf):
        a = tf.distributions.Bernoulli(probs=PROBS)
        return tf.distributions.kl_divergence(a, tf.distributions.Bernoulli(logits=0.3))

    return {
        "bernoulli/sample": lambda tf: make(tf).sample([5, 2], seed=9),
        "bernoulli/logits": lambda tf: make(tf).logits,
        "bernoulli/log_prob": lambda tf: make(tf).log_prob([[1], [0]]),
        "bernoulli/prob": lambda tf: by_logits(tf).prob([1, 0, 1, 1]),
        "bernoulli/entropy": lambda tf: by_logits(tf).entropy(),
        "bernoulli/mean": lambda tf: by_logits(tf).mean(),
        "bernoulli/variance": lambda tf: make(tf).variance(),
        "bernoulli/mode": lambda tf: make(tf).mode(),
        "bernoulli/float_samples": lambda tf: tf.distributions.Bernoulli(
            logits=LOGITS, dtype=tf.float32
        ).sample(seed=5),
        "bernoulli/kl": kl,
    }


def _categorical_cases():
    def make(tf):
        return tf.distributions.Categorical(logits=LOGITS)

    def by_probs(tf):
        return tf.distributions.Categorical(probs=[[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])

    def kl(tf):
        b = tf.distributions.Categorical(logits=LOGITS[::-1])
        return tf.distributions.kl_divergence(make(tf), b)

    return {
        "categorical/sample": lambda tf: make(tf).sample([3, 2], seed=21),
        "categorical/sample_one": lambda tf: tf.distributions.Categorical(logits=LOGITS[0]).sample(
            6, seed=2
        ),
        "categorical/probs": lambda tf: make(tf).probs,
        "categorical/log_prob": lambda tf: make(tf).log_prob(CLASSES),
        "categorical/prob": lambda tf: by_probs(tf).prob([2, 0]),
        "categorical/cdf": lambda tf: by_probs(tf).cdf([[1], [2]]),
        "categorical/entropy": lambda tf: by_probs(tf).entropy(),
        "categorical/mode": lambda tf: make(tf).mode(),
        "categorical/kl": kl,
    }


ALPHA = np.array([0.5, 1.0, 3.0], np.float32)
RATE = np.array([[1.0, 2.0, 0.5], [3.0, 1.0, 1.0]], np.float32)
POSITIVE = np.array([[0.2, 1.0, 4.0], [0.5, 0.1, 2.5]], np.float32)


def _gamma_cases():
    def make(tf):
        return tf.distributions.Gamma(concentration=ALPHA, rate=RATE)

    def exponential(tf):
        return tf.distributions.Exponential(rate=RATE)

    def kl(tf):
        other = tf.distributions.Gamma(concentration=2.0, rate=1.5)
        return tf.distributions.kl_divergence(make(tf), other)

    return {
        "gamma/sample": lambda tf: make(tf).sample(4, seed=13),
        "gamma/log_prob": lambda tf: make(tf).log_prob(POSITIVE),
        "gamma/cdf": lambda tf: make(tf).cdf(POSITIVE),
        "gamma/entropy": lambda tf: make(tf).entropy(),
        "gamma/mean": lambda tf: make(tf).mean(),
        "gamma/stddev": lambda tf: make(tf).stddev(),
        "gamma/mode": lambda tf: make(tf).mode(),
        "gamma/kl": kl,
        "exponential/sample": lambda tf: exponential(tf).sample([2, 2], seed=17),
        "exponential/log_prob": lambda tf: exponential(tf).log_prob(POSITIVE),
        "exponential/survival": lambda tf: exponential(tf).log_survival_function(POSITIVE),
        "exponential/variance": lambda tf: exponential(tf).variance(),
    }


def _laplace_cases():
    def make(tf):
        return tf.distributions.Laplace(loc=LOC, scale=SCALE)

    return {
        "laplace/sample": lambda tf: make(tf).sample(3, seed=19),
        "laplace/log_prob": lambda tf: make(tf).log_prob(POINTS),
        "laplace/prob": lambda tf: make(tf).prob(POINTS),
        "laplace/cdf": lambda tf: make(tf).cdf(POINTS),
        "laplace/log_cdf": lambda tf: make(tf).log_cdf(POINTS),
        "laplace/survival": lambda tf: make(tf).survival_function(POINTS),
        "laplace/entropy": lambda tf: make(tf).entropy(),
        "laplace/stddev": lambda tf: make(tf).stddev(),
    }


CASES = {f"normal/{k}": v for k, v in _methods(_normal).items()}
CASES.update(_gamma_cases())
CASES.update(_laplace_cases())
CASES.update(_bernoulli_cases())
CASES.update(_categorical_cases())
CASES.update({f"uniform/{k}": v for k, v in _methods(_uniform).items() if k != "log_cdf"})
CASES.update(
    {
        "normal/mode": lambda tf: _normal(tf).mode(),
        "normal/kl": _kl,
        "normal/sample_grad": _sample_grad,
        "normal/named": lambda tf: tf.distributions.Normal(0.0, 1.0, name="prior").sample(
            5, seed=2, name="draw"
        ),
        "normal/float64": lambda tf: tf.distributions.Normal(
            np.float64(1.0), np.float64(2.0)
        ).log_prob(np.array([0.5, 1.5])),
        "uniform/range": lambda tf: _uniform(tf).range(),
        "uniform/default": lambda tf: tf.distributions.Uniform().sample(6, seed=4),
    }
)


def run(tf, name):
    """The case's value, its graph's nodes (gradients left out) and the op-level seed."""
    with tf.Graph().as_default() as graph:
        tf.set_random_seed(1234)
        out = CASES[name](tf)
        nodes = [
            [op.name, op.type, sorted(op.node_def.attr)]
            for op in graph.get_operations()
            if not op.name.startswith("gradients")
        ]
        with tf.Session() as sess:
            return sess.run(out), nodes
