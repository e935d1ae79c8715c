"""``tf.distributions.DirichletMultinomial``: ``total_count`` draws among ``k`` classes whose
probabilities are themselves drawn from a Dirichlet(``concentration``).

A sample draws the class probabilities as normalised Gamma draws (their logs serve as the
multinomial's logits), then ``total_count`` classes from TF's ``multinomial`` op seeded with
``gen_new_seed(seed, "dirichlet_multinomial")``, and counts them with ``one_hot``.

    >>> import teachflow as tf
    >>> d = tf.distributions.DirichletMultinomial(total_count=4.0, concentration=[1.0, 1.0])
    >>> with tf.Session() as sess:  # every split of 4 draws is equally likely: 1/5
    ...     print(sess.run(d.mean()).tolist(), round(float(sess.run(d.prob([1.0, 3.0]))), 6))
    [2.0, 2.0] 0.2
"""

from __future__ import annotations

from teachflow.distributions import distribution
from teachflow.distributions.counts import (
    embed_check_categorical_event_shape,
    embed_check_nonnegative_integer_form,
    log_combinations,
)
from teachflow.distributions.logits_and_probs import with_dependencies
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["DirichletMultinomial"]


class DirichletMultinomial(distribution.Distribution):
    """Counts of ``total_count`` draws whose class probabilities follow a Dirichlet."""

    def __init__(self, total_count, concentration, validate_args=False, allow_nan_stats=True,
                 name="DirichletMultinomial"):  # fmt: skip
        parameters = dict(locals())
        from teachflow.ops.reduction_ops import reduce_sum

        with name_scope(name, values=[total_count, concentration]) as name:
            self._total_count = convert_to_tensor(total_count, name="total_count")
            if validate_args:
                self._total_count = embed_check_nonnegative_integer_form(self._total_count)
            self._concentration = self._maybe_assert_valid_concentration(
                convert_to_tensor(concentration, name="concentration"), validate_args
            )
            self._total_concentration = reduce_sum(self._concentration, -1)
        super().__init__(
            dtype=self._concentration.dtype,
            reparameterization_type=distribution.NOT_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._total_count, self._concentration],
            name=name,
        )

    total_count = property(lambda self: self._total_count)
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
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.filling import one_hot
        from teachflow.ops.gamma_poisson_ops import random_gamma
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import multinomial
        from teachflow.ops.reduction_ops import reduce_sum
        from teachflow.ops.reshaping import reshape
        from teachflow.ops.unary_ops import log

        n_draws = cast(self.total_count, dtype=dtypes.int32)
        k = self.event_shape_tensor()[0]
        gammas = random_gamma(shape=[n], alpha=self.concentration, dtype=self.dtype, seed=seed)
        unnormalized_logits = reshape(log(gammas), shape=[-1, k])
        draws = multinomial(
            logits=unnormalized_logits,
            num_samples=n_draws,
            seed=distribution.gen_new_seed(seed, salt="dirichlet_multinomial"),
        )
        x = reduce_sum(one_hot(draws, depth=k), -2)
        final_shape = concat([[n], self.batch_shape_tensor(), [k]], 0)
        x = reshape(x, final_shape)
        return cast(x, self.dtype)

    def _log_prob(self, counts):
        from teachflow.ops.special_math_ops import lbeta

        counts = self._maybe_assert_valid_sample(counts)
        ordered_prob = lbeta(self.concentration + counts) - lbeta(self.concentration)
        return ordered_prob + log_combinations(self.total_count, counts)

    def _prob(self, counts):
        from teachflow.ops.unary_ops import exp

        return exp(self._log_prob(counts))

    def _mean(self):
        return self.total_count * (self.concentration / self.total_concentration[..., None])

    def _covariance(self):
        from teachflow.ops.diag_ops import matrix_set_diag
        from teachflow.ops.matmul_ops import matmul

        x = self._variance_scale_term() * self._mean()
        return matrix_set_diag(-matmul(x[..., None], x[..., None, :]), self._variance())

    def _variance(self):
        scale = self._variance_scale_term()
        x = scale * self._mean()
        return x * (self.total_count * scale - x)

    def _variance_scale_term(self):
        from teachflow.ops.unary_ops import sqrt

        c0 = self.total_concentration[..., None]
        return sqrt((1.0 + c0 / self.total_count) / (1.0 + c0))

    def _maybe_assert_valid_concentration(self, concentration, validate_args):
        from teachflow.ops.check_ops import assert_positive

        if not validate_args:
            return concentration
        concentration = embed_check_categorical_event_shape(concentration)
        check = assert_positive(concentration, message="Concentration parameter must be positive.")
        return with_dependencies([check], concentration)

    def _maybe_assert_valid_sample(self, counts):
        from teachflow.ops.check_ops import assert_equal
        from teachflow.ops.reduction_ops import reduce_sum

        if not self.validate_args:
            return counts
        counts = embed_check_nonnegative_integer_form(counts)
        check = assert_equal(
            self.total_count,
            reduce_sum(counts, -1),
            message="counts last-dimension must sum to `self.total_count`",
        )
        return with_dependencies([check], counts)
