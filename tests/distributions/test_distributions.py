"""tf.distributions against TensorFlow's recorded values and graphs (tests/distribution_cases.py):
seeded samples bit for bit (the same Philox streams through the same ops), densities and
moments to the dtype's rounding, and every case's graph node for node."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import distribution_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "distributions"
VALUES = dict(np.load(HERE / "values.npz"))
GRAPHS = json.loads((HERE / "graphs.json").read_text())["graphs"]
# Their uniform draws are TF's bit for bit, but the log / log1p applied to them may round to
# the neighbouring float32 (Eigen's polynomial against the C library's).
LOG_OF_UNIFORM_SAMPLES = {"exponential/sample", "laplace/sample"}


@pytest.mark.parametrize("name", sorted(distribution_cases.CASES))
def test_matches_tensorflow(name):
    got, nodes = distribution_cases.run(tf, name)
    want = VALUES[name]
    assert got.shape == want.shape and got.dtype == want.dtype
    exact = "sample" in name or "default" in name or "named" in name
    if exact and name not in LOG_OF_UNIFORM_SAMPLES:
        np.testing.assert_array_equal(got, want)
    else:
        # A few roundings (erf, log, a division) of the dtype's epsilon each.
        eps = np.finfo(want.dtype).eps if want.dtype.kind == "f" else 0
        np.testing.assert_allclose(got, want, rtol=8 * eps, atol=8 * eps)
    assert nodes == GRAPHS[name]


def test_shapes_and_names():
    d = tf.distributions.Normal(loc=np.zeros([4, 1], np.float32), scale=[1.0, 2.0, 3.0])
    assert d.batch_shape.as_list() == [4, 3] and d.event_shape.as_list() == []
    assert d.name == "Normal/" and d.dtype == tf.float32
    assert d.sample([5, 2]).shape.as_list() == [5, 2, 4, 3]
    assert d.reparameterization_type is tf.distributions.FULLY_REPARAMETERIZED
    assert sorted(d.parameters) == ["allow_nan_stats", "loc", "name", "scale", "validate_args"]


def test_validate_args_checks_the_scale(sess):
    # A known scale is checked while the graph is built, a fed one when it runs.
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0 did not hold"):
        tf.distributions.Normal(0.0, -1.0, validate_args=True)
    scale = tf.placeholder(tf.float32)
    d = tf.distributions.Normal(0.0, scale, validate_args=True)
    assert sess.run(d.mean(), {scale: 2.0}) == 0.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0 did not hold"):
        sess.run(d.mean(), {scale: -2.0})


def test_kl_between_unregistered_types():
    a = tf.distributions.Normal(0.0, 1.0)
    b = tf.distributions.Uniform(0.0, 1.0)
    with pytest.raises(NotImplementedError, match="No KL.*Normal and distribution_b type Uniform"):
        tf.distributions.kl_divergence(a, b)


def test_register_kl_for_a_subclass():
    class Wide(tf.distributions.Uniform):
        pass

    @tf.distributions.RegisterKL(Wide, tf.distributions.Uniform)
    def _kl(a, b, name=None):
        return tf.constant(7.0)

    with tf.Session() as sess:
        kl = tf.distributions.kl_divergence(Wide(), tf.distributions.Uniform())
        assert sess.run(kl) == 7.0
    with pytest.raises(ValueError, match="already been registered"):
        tf.distributions.RegisterKL(Wide, tf.distributions.Uniform)(_kl)


def test_a_missing_method_says_which(sess):
    with pytest.raises(NotImplementedError, match="mode is not implemented: Uniform"):
        tf.distributions.Uniform().mode()
