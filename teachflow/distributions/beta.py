"""``tf.distributions.Beta``: densities on ``(0, 1)`` proportional to
``x^(concentration1 - 1) (1 - x)^(concentration0 - 1)``.

A Beta sample is ``g1 / (g1 + g0)`` for two Gamma draws with rate 1, the second seeded with
``gen_new_seed(seed, "beta")`` as TF seeds it; the CDF is the regularized incomplete beta
function (``Betainc``, which does not broadcast: give it parameters of one shape).

    >>> import teachflow as tf
    >>> d = tf.distributions.Beta(concentration1=2.0, concentration0=2.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run([d.mean(), d.prob(0.5), d.cdf(0.5)]))
    [np.float32(0.5), np.float32(1.5), np.float32(0.5)]
"""

from __future__ import annotations

import numpy as np

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.distributions.logits_and_probs import with_dependencies
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Beta"]


def valid_concentration(concentration, validate_args):
    """``concentration``, behind a positivity check when ``validate_args`` asks for one."""
    from teachflow.ops.check_ops import assert_positive

    if not validate_args:
        return concentration
    check = assert_positive(concentration, message="Concentration parameter must be positive.")
    return with_dependencies([check], concentration)


class Beta(distribution.Distribution):
    """Beta distributions with ``concentration1`` (alpha) and ``concentration0`` (beta)."""

    def __init__(self, concentration1=None, concentration0=None, validate_args=False,
                 allow_nan_stats=True, name="Beta"):  # fmt: skip
        parameters = dict(locals())
        from teachflow.ops.numeric_checks import assert_same_float_dtype

        with name_scope(name, values=[concentration1, concentration0]) as name:
            self._concentration1 = valid_concentration(
                convert_to_tensor(concentration1, name="concentration1"), validate_args
            )
            self._concentration0 = valid_concentration(
                convert_to_tensor(concentration0, name="concentration0"), validate_args
            )
            assert_same_float_dtype([self._concentration1, self._concentration0])
            self._total_concentration = self._concentration1 + self._concentration0
        super().__init__(
            dtype=self._total_concentration.dtype,
            reparameterization_type=distribution.FULLY_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._concentration1, self._concentration0, self._total_concentration],
            name=name,
        )

    concentration1 = property(lambda self: self._concentration1)
    concentration0 = property(lambda self: self._concentration0)
    total_concentration = property(lambda self: self._total_concentration)

    def _batch_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self.total_concentration)

    def _batch_shape(self):
        return self.total_concentration.shape

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.filling import ones_like
        from teachflow.ops.gamma_poisson_ops import random_gamma

        ones = ones_like(self.total_concentration, dtype=self.dtype)
        expanded_concentration1 = ones * self.concentration1
        ones = ones_like(self.total_concentration, dtype=self.dtype)
        expanded_concentration0 = ones * self.concentration0
        gamma1 = random_gamma(shape=[n], alpha=expanded_concentration1, dtype=self.dtype, seed=seed)
        gamma2 = random_gamma(
            shape=[n],
            alpha=expanded_concentration0,
            dtype=self.dtype,
            seed=distribution.gen_new_seed(seed, "beta"),
        )
        return gamma1 / (gamma1 + gamma2)

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        from teachflow.ops.unary_ops import exp

        return exp(self._log_prob(x))

    def _log_cdf(self, x):
        from teachflow.ops.unary_ops import log

        return log(self._cdf(x))

    def _cdf(self, x):
        from teachflow.ops.special_function_ops import betainc

        return betainc(self.concentration1, self.concentration0, x)

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.unary_ops import log1p
        from teachflow.ops.xlogy_ops import xlogy

        x = self._maybe_assert_valid_sample(x)
        return xlogy(self.concentration1 - 1.0, x) + (self.concentration0 - 1.0) * log1p(-x)

    def _log_normalization(self):
        from teachflow.ops.special_math_ops import lgamma

        return (
            lgamma(self.concentration1)
            + lgamma(self.concentration0)
            - lgamma(self.total_concentration)
        )

    def _entropy(self):
        from teachflow.ops.special_math_ops import digamma

        return (
            self._log_normalization()
            - (self.concentration1 - 1.0) * digamma(self.concentration1)
            - (self.concentration0 - 1.0) * digamma(self.concentration0)
            + ((self.total_concentration - 2.0) * digamma(self.total_concentration))
        )

    def _mean(self):
        return self._concentration1 / self._total_concentration

    def _variance(self):
        return self._mean() * (1.0 - self._mean()) / (1.0 + self.total_concentration)

    def _mode(self):
        from teachflow.ops.check_ops import assert_less
        from teachflow.ops.comparison_ops import logical_and, where_v2
        from teachflow.ops.filling import fill, ones

        mode = (self.concentration1 - 1.0) / (self.total_concentration - 2.0)
        if self.allow_nan_stats:
            nan = fill(
                self.batch_shape_tensor(),
                np.array(np.nan, dtype=self.dtype.as_numpy_dtype),
                name="nan",
            )
            is_defined = logical_and(self.concentration1 > 1.0, self.concentration0 > 1.0)
            return where_v2(is_defined, mode, nan)
        checks = [
            assert_less(
                ones([], dtype=self.dtype),
                self.concentration1,
                message="Mode undefined for concentration1 <= 1.",
            ),
            assert_less(
                ones([], dtype=self.dtype),
                self.concentration0,
                message="Mode undefined for concentration0 <= 1.",
            ),
        ]
        return with_dependencies(checks, mode)

    def _maybe_assert_valid_sample(self, x):
        from teachflow.ops.check_ops import assert_less, assert_positive
        from teachflow.ops.filling import ones

        if not self.validate_args:
            return x
        checks = [
            assert_positive(x, message="sample must be positive"),
            assert_less(x, ones([], self.dtype), message="sample must be less than `1`."),
        ]
        return with_dependencies(checks, x)


@RegisterKL(Beta, Beta)
def _kl_beta_beta(d1, d2, name=None):
    from teachflow.ops.special_math_ops import digamma

    values = [
        d1.concentration1, d1.concentration0, d1.total_concentration,
        d2.concentration1, d2.concentration0, d2.total_concentration,
    ]  # fmt: skip
    with name_scope(name, "kl_beta_beta", values=values):
        # TF's delta(fn) is fn(d2) - fn(d1): d2's terms are built first.
        log_normalization = d2._log_normalization() - d1._log_normalization()
        return (
            log_normalization
            - digamma(d1.concentration1) * (d2.concentration1 - d1.concentration1)
            - digamma(d1.concentration0) * (d2.concentration0 - d1.concentration0)
            + digamma(d1.total_concentration) * (d2.total_concentration - d1.total_concentration)
        )
