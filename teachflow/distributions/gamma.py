"""``tf.distributions.Gamma`` (shape ``concentration``, inverse scale ``rate``) and its special
case ``Exponential`` (concentration 1).

Gamma samples come from TF's ``random_gamma`` (Marsaglia and Tsang, with TF's Philox
stream); an Exponential samples ``-log(u) / rate`` from a uniform ``u`` in ``(tiny, 1)``.
The CDF is the regularized incomplete gamma function ``igamma``.

    >>> import teachflow as tf
    >>> d = tf.distributions.Exponential(rate=2.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run([d.mean(), d.variance()]))
    [np.float32(0.5), np.float32(0.25)]
"""

from __future__ import annotations

import numpy as np

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Gamma", "Exponential"]


class Gamma(distribution.Distribution):
    """Gamma distributions with density ``rate^a x^(a-1) exp(-rate x) / Gamma(a)``."""

    def __init__(self, concentration, rate, validate_args=False, allow_nan_stats=True,
                 name="Gamma"):  # fmt: skip
        from teachflow.ops.check_ops import assert_positive

        parameters = dict(locals())
        with name_scope(name, values=[concentration, rate]) as name:
            checks = (
                [assert_positive(concentration), assert_positive(rate)] if validate_args else []
            )
            with control_dependencies(checks):
                self._concentration = distribution.parameter(concentration, "concentration")
                self._rate = distribution.parameter(rate, "rate")
            if self._concentration.dtype.base_dtype is not self._rate.dtype.base_dtype:
                raise TypeError(
                    f"Unexpected dtype {self._rate.dtype.name}, expected "
                    f"{self._concentration.dtype.name}"
                )
        super().__init__(
            dtype=self._concentration.dtype,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            reparameterization_type=distribution.FULLY_REPARAMETERIZED,
            parameters=parameters,
            graph_parents=[self._concentration, self._rate],
            name=name,
        )

    concentration = property(lambda self: self._concentration)
    rate = property(lambda self: self._rate)

    def _batch_shape_tensor(self):
        from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
        from teachflow.ops.shape_ops import shape

        return broadcast_dynamic_shape(shape(self.concentration), shape(self.rate))

    def _batch_shape(self):
        from teachflow.ops.broadcast_ops import broadcast_static_shape

        return broadcast_static_shape(self.concentration.shape, self.rate.shape)

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.gamma_poisson_ops import random_gamma

        return random_gamma(
            shape=[n], alpha=self.concentration, beta=self.rate, dtype=self.dtype, seed=seed
        )

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _cdf(self, x):
        from teachflow.ops.special_function_ops import igamma

        x = self._maybe_assert_valid_sample(x)
        return igamma(self.concentration, self.rate * x)

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.xlogy_ops import xlogy

        x = self._maybe_assert_valid_sample(x)
        return xlogy(self.concentration - 1.0, x) - self.rate * x

    def _log_normalization(self):
        from teachflow.ops.special_math_ops import lgamma
        from teachflow.ops.unary_ops import log

        return lgamma(self.concentration) - self.concentration * log(self.rate)

    def _entropy(self):
        from teachflow.ops.special_math_ops import digamma, lgamma
        from teachflow.ops.unary_ops import log

        c = self.concentration
        return c - log(self.rate) + lgamma(c) + ((1.0 - c) * digamma(c))

    def _mean(self):
        return self.concentration / self.rate

    def _variance(self):
        from teachflow.ops.unary_ops import square

        return self.concentration / square(self.rate)

    def _stddev(self):
        from teachflow.ops.unary_ops import sqrt

        return sqrt(self.concentration) / self.rate

    def _mode(self):
        from teachflow.distributions.logits_and_probs import with_dependencies
        from teachflow.ops.check_ops import assert_less
        from teachflow.ops.comparison_ops import where_v2
        from teachflow.ops.filling import fill, ones

        mode = (self.concentration - 1.0) / self.rate
        if self.allow_nan_stats:
            nan = fill(
                self.batch_shape_tensor(),
                np.array(np.nan, dtype=self.dtype.as_numpy_dtype),
                name="nan",
            )
            return where_v2(self.concentration > 1.0, mode, nan)
        check = assert_less(
            ones([], self.dtype),
            self.concentration,
            message="mode not defined when any concentration <= 1",
        )
        return with_dependencies([check], mode)

    def _maybe_assert_valid_sample(self, x):
        from teachflow.distributions.logits_and_probs import with_dependencies
        from teachflow.ops.check_ops import assert_positive

        if x.dtype.base_dtype is not self.dtype.base_dtype:
            raise ValueError(f"Expected float dtype {self.dtype.name}, got {x.dtype.name}")
        if not self.validate_args:
            return x
        return with_dependencies([assert_positive(x)], x)


class Exponential(Gamma):
    """Exponential distributions with density ``rate exp(-rate x)``."""

    def __init__(self, rate, validate_args=False, allow_nan_stats=True, name="Exponential"):
        from teachflow.ops.filling import ones

        parameters = dict(locals())
        with name_scope(name, values=[rate]) as name:
            self._rate = convert_to_tensor(rate, name="rate")
        super().__init__(
            concentration=ones([], dtype=self._rate.dtype),
            rate=self._rate,
            allow_nan_stats=allow_nan_stats,
            validate_args=validate_args,
            name=name,
        )
        self._parameters = {k: v for k, v in parameters.items() if k not in ("self", "__class__")}
        self._graph_parents += [self._rate]

    rate = property(lambda self: self._rate)

    def _log_survival_function(self, value):
        from teachflow.ops.unary_ops import log

        return self._log_prob(value) - log(self._rate)

    def _sample_n(self, n, seed=None):
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import random_uniform
        from teachflow.ops.shape_ops import shape
        from teachflow.ops.unary_ops import log

        sampled = random_uniform(
            concat([[n], shape(self._rate)], 0),
            minval=np.finfo(self.dtype.as_numpy_dtype).tiny,
            maxval=1.0,
            seed=seed,
            dtype=self.dtype,
        )
        return -log(sampled) / self._rate


@RegisterKL(Gamma, Gamma)
def _kl_gamma_gamma(g0, g1, name=None):
    from teachflow.ops.special_math_ops import digamma, lgamma
    from teachflow.ops.unary_ops import log

    values = [g0.concentration, g0.rate, g1.concentration, g1.rate]
    with name_scope(name, "kl_gamma_gamma", values=values):
        return (
            ((g0.concentration - g1.concentration) * digamma(g0.concentration))
            + lgamma(g1.concentration)
            - lgamma(g0.concentration)
            + g1.concentration * log(g0.rate)
            - g1.concentration * log(g1.rate)
            + g0.concentration * (g1.rate / g0.rate - 1.0)
        )
