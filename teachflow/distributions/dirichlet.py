"""``tf.distributions.Dirichlet``: distributions over the probability simplex (vectors of ``k``
positive numbers summing to 1), with density proportional to ``prod x_j^(concentration_j - 1)``.

A sample normalises ``k`` Gamma draws by their sum; the last axis of ``concentration`` is the
event, the others are the batch.

    >>> import teachflow as tf
    >>> d = tf.distributions.Dirichlet([1.0, 1.0, 2.0])
    >>> d.event_shape, d.sample(5, seed=1).shape
    (TensorShape([Dimension(3)]), TensorShape([Dimension(5), Dimension(3)]))
    >>> with tf.Session() as sess:
    ...     print(sess.run(d.mean()).tolist())
    [0.25, 0.25, 0.5]
"""

from __future__ import annotations

import numpy as np

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.distributions.logits_and_probs import with_dependencies
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["Dirichlet"]


class Dirichlet(distribution.Distribution):
    """Dirichlet distributions with ``concentration`` over the last axis (``k >= 2``)."""

    def __init__(self, concentration, validate_args=False, allow_nan_stats=True,
                 name="Dirichlet"):  # fmt: skip
        parameters = dict(locals())
        from teachflow.ops.reduction_ops import reduce_sum

        with name_scope(name, values=[concentration]) as name:
            self._concentration = self._maybe_assert_valid_concentration(
                convert_to_tensor(concentration, name="concentration"), validate_args
            )
            self._total_concentration = reduce_sum(self._concentration, -1)
        super().__init__(
            dtype=self._concentration.dtype,
            reparameterization_type=distribution.FULLY_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._concentration, self._total_concentration],
            name=name,
        )

    concentration = property(lambda self: self._concentration)
    total_concentration = property(lambda self: self._total_concentration)

    def _batch_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self.total_concentration)

    def _batch_shape(self):
        return self.total_concentration.shape

    def _event_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self.concentration)[-1:]

    def _event_shape(self):
        return self.concentration.shape.with_rank_at_least(1)[-1:]

    def _sample_n(self, n, seed=None):
        from teachflow.ops.gamma_poisson_ops import random_gamma
        from teachflow.ops.reduction_ops import reduce_sum

        gamma_sample = random_gamma(
            shape=[n], alpha=self.concentration, dtype=self.dtype, seed=seed
        )
        return gamma_sample / reduce_sum(gamma_sample, -1, keepdims=True)

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        from teachflow.ops.unary_ops import exp

        return exp(self._log_prob(x))

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.reduction_ops import reduce_sum
        from teachflow.ops.xlogy_ops import xlogy

        x = self._maybe_assert_valid_sample(x)
        return reduce_sum(xlogy(self.concentration - 1.0, x), -1)

    def _log_normalization(self):
        from teachflow.ops.special_math_ops import lbeta

        return lbeta(self.concentration)

    def _entropy(self):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.reduction_ops import reduce_sum
        from teachflow.ops.special_math_ops import digamma

        k = cast(self.event_shape_tensor()[0], self.dtype)
        return (
            self._log_normalization()
            + ((self.total_concentration - k) * digamma(self.total_concentration))
            - reduce_sum((self.concentration - 1.0) * digamma(self.concentration), axis=-1)
        )

    def _mean(self):
        return self.concentration / self.total_concentration[..., None]

    def _covariance(self):
        from teachflow.ops.diag_ops import matrix_set_diag
        from teachflow.ops.matmul_ops import matmul

        x = self._variance_scale_term() * self._mean()
        return matrix_set_diag(-matmul(x[..., None], x[..., None, :]), self._variance())

    def _variance(self):
        scale = self._variance_scale_term()
        x = scale * self._mean()
        return x * (scale - x)

    def _variance_scale_term(self):
        from teachflow.ops.unary_ops import rsqrt

        return rsqrt(1.0 + self.total_concentration[..., None])

    def _mode(self):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.check_ops import assert_less
        from teachflow.ops.comparison_ops import where_v2
        from teachflow.ops.filling import fill, ones
        from teachflow.ops.reduction_ops import reduce_all
        from teachflow.ops.shape_ops import shape

        k = cast(self.event_shape_tensor()[0], self.dtype)
        mode = (self.concentration - 1.0) / (self.total_concentration[..., None] - k)
        if self.allow_nan_stats:
            nan = fill(shape(mode), np.array(np.nan, dtype=self.dtype.as_numpy_dtype), name="nan")
            return where_v2(reduce_all(self.concentration > 1.0, axis=-1), mode, nan)
        check = assert_less(
            ones([], self.dtype),
            self.concentration,
            message="Mode undefined when any concentration <= 1",
        )
        return with_dependencies([check], mode)

    def _maybe_assert_valid_concentration(self, concentration, validate_args):
        from teachflow.ops.check_ops import assert_less, assert_positive
        from teachflow.ops.shape_checks import assert_rank_at_least
        from teachflow.ops.shape_ops import shape

        if not validate_args:
            return concentration
        checks = [
            assert_positive(concentration, message="Concentration parameter must be positive."),
            assert_rank_at_least(
                concentration, 1, message="Concentration parameter must have >=1 dimensions."
            ),
            assert_less(
                1,
                shape(concentration)[-1],
                message="Concentration parameter must have event_size >= 2.",
            ),
        ]
        return with_dependencies(checks, concentration)

    def _maybe_assert_valid_sample(self, x):
        from teachflow.ops.check_ops import assert_positive
        from teachflow.ops.filling import ones
        from teachflow.ops.numeric_checks import assert_near
        from teachflow.ops.reduction_ops import reduce_sum

        if not self.validate_args:
            return x
        checks = [
            assert_positive(x, message="samples must be positive"),
            assert_near(
                ones([], dtype=self.dtype),
                reduce_sum(x, -1),
                message="sample last-dimension must sum to `1`",
            ),
        ]
        return with_dependencies(checks, x)


@RegisterKL(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(d1, d2, name=None):
    from teachflow.ops.reduction_ops import reduce_sum
    from teachflow.ops.special_math_ops import digamma, lbeta

    with name_scope(name, "kl_dirichlet_dirichlet", values=[d1.concentration, d2.concentration]):
        digamma_sum_d1 = digamma(reduce_sum(d1.concentration, axis=-1, keepdims=True))
        digamma_diff = digamma(d1.concentration) - digamma_sum_d1
        concentration_diff = d1.concentration - d2.concentration
        return (
            reduce_sum(concentration_diff * digamma_diff, axis=-1)
            - lbeta(d1.concentration)
            + lbeta(d2.concentration)
        )
