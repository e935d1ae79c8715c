"""The rest of tf.distributions (Beta, Dirichlet, DirichletMultinomial, Multinomial, StudentT),
Normal's log_ndtr tails, TF 2.21's composite tf.linspace and the IgammaGradA gradient, written
once against the TF1 API (recorded by tests/fixtures/tensorflow/record_distributions_more.py,
checked by tests/distributions/test_distributions_more.py and tests/ops/test_linspace.py).

Each case builds in a graph of its own with graph seed 1234; its record is the value and every
node of the graph (gradients included) as ``[name, type, attr names, input names]``."""

import numpy as np

CONC1 = np.array([[0.5, 1.5, 3.0], [2.0, 1.2, 0.8]], np.float32)
CONC0 = np.array([[2.0, 1.0, 0.7], [4.0, 2.5, 1.2]], np.float32)
UNIT = np.array([[0.1, 0.5, 0.9], [0.3, 0.75, 0.02]], np.float32)
CONC = np.array([[1.0, 2.0, 3.0], [0.5, 0.7, 4.0]], np.float32)
SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], np.float32)
TOTAL = np.array([5.0, 8.0], np.float32)
COUNTS = np.array([[1.0, 2.0, 2.0], [0.0, 3.0, 5.0]], np.float32)
PROBS = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], np.float32)
DF = np.array([[1.5, 3.0, 10.0], [2.5, 5.0, 1.2]], np.float32)
LOC = np.array([[0.0, 1.0, -2.0], [0.5, 3.0, 1.0]], np.float32)
SCALE = np.array([1.0, 2.0, 0.5], np.float32)
POINTS = np.array([[-1.0, 0.5, 2.0], [0.0, 4.0, -1.5]], np.float32)
TAILS = [-40.0, -20.0, -5.0, 0.0, 5.0]


def _beta_cases():
    def make(tf):
        return tf.distributions.Beta(concentration1=CONC1, concentration0=CONC0)

    def kl(tf):
        other = tf.distributions.Beta(2.0, 3.0, name="other")
        return tf.distributions.kl_divergence(make(tf), other)

    def float64(tf):
        d = tf.distributions.Beta(np.float64(2.5), np.float64(1.5))
        return d.log_prob(np.array([0.2, 0.7]))

    return {
        "beta/sample": lambda tf: make(tf).sample(4, seed=13),
        "beta/log_prob": lambda tf: make(tf).log_prob(UNIT),
        "beta/prob": lambda tf: make(tf).prob(UNIT),
        "beta/cdf": lambda tf: make(tf).cdf(UNIT),
        "beta/log_cdf": lambda tf: make(tf).log_cdf(UNIT),
        "beta/entropy": lambda tf: make(tf).entropy(),
        "beta/mean": lambda tf: make(tf).mean(),
        "beta/variance": lambda tf: make(tf).variance(),
        "beta/stddev": lambda tf: make(tf).stddev(),
        "beta/mode": lambda tf: make(tf).mode(),
        "beta/kl": kl,
        "beta/batch_shape_tensor": lambda tf: make(tf).batch_shape_tensor(),
        "beta/float64": float64,
    }


def _dirichlet_cases():
    def make(tf):
        return tf.distributions.Dirichlet(concentration=CONC)

    def kl(tf):
        other = tf.distributions.Dirichlet([2.0, 1.0, 1.5], name="other")
        return tf.distributions.kl_divergence(make(tf), other)

    return {
        "dirichlet/sample": lambda tf: make(tf).sample([2, 2], seed=23),
        "dirichlet/log_prob": lambda tf: make(tf).log_prob(SIMPLEX),
        "dirichlet/prob": lambda tf: make(tf).prob(SIMPLEX),
        "dirichlet/entropy": lambda tf: make(tf).entropy(),
        "dirichlet/mean": lambda tf: make(tf).mean(),
        "dirichlet/variance": lambda tf: make(tf).variance(),
        "dirichlet/covariance": lambda tf: make(tf).covariance(),
        "dirichlet/mode": lambda tf: tf.distributions.Dirichlet([1.5, 2.0, 3.0]).mode(),
        "dirichlet/kl": kl,
        "dirichlet/event_shape_tensor": lambda tf: make(tf).event_shape_tensor(),
    }


def _dirichlet_multinomial_cases():
    # TF's mean and sampling want one total_count for the whole batch.
    def make(tf, total=5.0):
        return tf.distributions.DirichletMultinomial(total_count=total, concentration=CONC)

    return {
        "dirichlet_multinomial/sample": lambda tf: make(tf).sample(3, seed=29),
        "dirichlet_multinomial/log_prob": lambda tf: make(tf, TOTAL).log_prob(COUNTS),
        "dirichlet_multinomial/prob": lambda tf: make(tf, TOTAL).prob(COUNTS),
        "dirichlet_multinomial/mean": lambda tf: make(tf).mean(),
        "dirichlet_multinomial/variance": lambda tf: make(tf).variance(),
        "dirichlet_multinomial/covariance": lambda tf: make(tf).covariance(),
    }


def _multinomial_cases():
    def make(tf):
        return tf.distributions.Multinomial(total_count=TOTAL, probs=PROBS)

    def by_logits(tf):
        return tf.distributions.Multinomial(total_count=4.0, logits=np.log(PROBS[0]))

    return {
        "multinomial/sample": lambda tf: make(tf).sample(2, seed=31),
        "multinomial/log_prob": lambda tf: make(tf).log_prob(COUNTS),
        "multinomial/prob": lambda tf: by_logits(tf).prob([[1.0, 1.0, 2.0], [0.0, 4.0, 0.0]]),
        "multinomial/mean": lambda tf: make(tf).mean(),
        "multinomial/variance": lambda tf: make(tf).variance(),
        "multinomial/covariance": lambda tf: by_logits(tf).covariance(),
    }


def _student_t_cases():
    def make(tf):
        return tf.distributions.StudentT(df=DF, loc=LOC, scale=SCALE)

    def heavy(tf):
        return tf.distributions.StudentT(df=[0.5, 1.5, 2.5], loc=0.0, scale=1.0)

    return {
        "student_t/sample": lambda tf: make(tf).sample(3, seed=37),
        "student_t/log_prob": lambda tf: make(tf).log_prob(POINTS),
        "student_t/prob": lambda tf: make(tf).prob(POINTS),
        "student_t/cdf": lambda tf: make(tf).cdf(POINTS),
        "student_t/entropy": lambda tf: make(tf).entropy(),
        "student_t/mean": lambda tf: heavy(tf).mean(),
        "student_t/variance": lambda tf: heavy(tf).variance(),
        "student_t/stddev": lambda tf: make(tf).stddev(),
        "student_t/mode": lambda tf: make(tf).mode(),
    }


def _normal_tail_cases():
    cases = {}
    for dt in (np.float32, np.float64):
        name = np.dtype(dt).name

        def make(tf, dt=dt):
            return tf.distributions.Normal(loc=dt(0.0), scale=dt(1.0))

        cases[f"normal/log_cdf_{name}"] = lambda tf, make=make, dt=dt: make(tf).log_cdf(
            np.array(TAILS, dt)
        )
        cases[f"normal/log_survival_{name}"] = lambda tf, make=make, dt=dt: make(
            tf
        ).log_survival_function(np.array(TAILS, dt))
    return cases


def _linspace_cases():
    return {
        "linspace/float32": lambda tf: tf.linspace(0.0, 1.0, 5),
        "linspace/float64": lambda tf: tf.lin_space(np.float64(-2.0), np.float64(3.0), 7),
        "linspace/named": lambda tf: tf.linspace(-1.0, 1.0, 4, name="grid"),
        "linspace/one": lambda tf: tf.linspace(2.0, 3.0, 1),
        "linspace/thirds": lambda tf: tf.linspace(0.1, 0.7, 13),
        "linspace/nd_last_axis": lambda tf: tf.linspace([0.0, 5.0], [10.0, 40.0], 5, axis=-1),
        "linspace/nd_broadcast": lambda tf: tf.linspace([[0.0], [1.0]], [2.0, 3.0, 4.0], 3),
        "linspace/integers": lambda tf: tf.linspace(0, 7, np.int64(4)),
        "linspace/fed_num": lambda tf: tf.linspace(
            0.0, 10.0, tf.placeholder_with_default(np.int32(6), [])
        ),
    }


IGAMMA_A = np.array([0.5, 1.5, 3.0, 10.0], np.float64)
IGAMMA_X = np.array([[0.2, 1.0, 4.0, 12.0], [2.5, 0.3, 0.9, 30.0]], np.float64)


def _igamma_grad_cases():
    def grads(tf, fn, dt):
        a = tf.constant(IGAMMA_A.astype(dt), name="a")
        x = tf.constant(IGAMMA_X.astype(dt), name="x")
        return tf.gradients(fn(a, x), [a, x])

    cases = {}
    for dt in (np.float32, np.float64):
        name = np.dtype(dt).name
        for fn in ("igamma", "igammac"):
            cases[f"{fn}_grad/{name}_a"] = lambda tf, fn=fn, dt=dt: grads(tf, getattr(tf, fn), dt)[
                0
            ]
            cases[f"{fn}_grad/{name}_x"] = lambda tf, fn=fn, dt=dt: grads(tf, getattr(tf, fn), dt)[
                1
            ]
    return cases


CASES = {}
for _group in (
    _beta_cases,
    _dirichlet_cases,
    _dirichlet_multinomial_cases,
    _multinomial_cases,
    _student_t_cases,
    _normal_tail_cases,
    _linspace_cases,
    _igamma_grad_cases,
):
    CASES.update(_group())


# TF 2.21 runs map_fn's iterations in parallel (a While with parallel_iterations=10): which
# batch member's multinomial takes the first Philox numbers varies from run to run.
ORDER_DEPENDENT = {"multinomial/sample"}


def run(tf, name):
    """The case's value and every node of its graph."""
    with tf.Graph().as_default() as graph:
        tf.set_random_seed(1234)
        out = CASES[name](tf)
        nodes = [
            [op.name, op.type, sorted(op.node_def.attr), [t.name for t in op.inputs]]
            for op in graph.get_operations()
        ]
        with tf.Session() as sess:
            return sess.run(out), nodes
