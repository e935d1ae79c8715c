"""``tf.distributions.StudentT``: Student's t with ``df`` degrees of freedom, located at ``loc``
and scaled by ``scale``.

A sample is ``normal / sqrt(gamma / df)`` with ``gamma ~ Gamma(df / 2, rate=1/2)`` (a
chi-squared), seeded with ``gen_new_seed(seed, "student_t")`` as TF seeds it; the CDF is half
the regularized incomplete beta ``I_{df / (y^2 + df)}(df / 2, 1 / 2)``. The mean is undefined
for ``df <= 1`` and the variance infinite for ``df <= 2`` (NaN / inf unless
``allow_nan_stats=False``, which checks instead).

    >>> import teachflow as tf
    >>> d = tf.distributions.StudentT(df=3.0, loc=0.0, scale=1.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run([d.cdf(0.0), d.variance()]))
    [np.float32(0.5), np.float32(3.0)]
"""

from __future__ import annotations

import numpy as np

from teachflow.distributions import distribution
from teachflow.distributions.logits_and_probs import with_dependencies
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["StudentT"]


class StudentT(distribution.Distribution):
    """Student's t distributions with ``df``, ``loc`` and ``scale`` (broadcast together)."""

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True,
                 name="StudentT"):  # fmt: skip
        parameters = dict(locals())
        from teachflow.ops.check_ops import assert_positive
        from teachflow.ops.numeric_checks import assert_same_float_dtype

        with name_scope(name, values=[df, loc, scale]) as name:
            with control_dependencies([assert_positive(df)] if validate_args else []):
                self._df = distribution.parameter(df, "df")
                self._loc = distribution.parameter(loc, "loc")
                self._scale = distribution.parameter(scale, "scale")
                assert_same_float_dtype((self._df, self._loc, self._scale))
        super().__init__(
            dtype=self._scale.dtype,
            reparameterization_type=distribution.FULLY_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._df, self._loc, self._scale],
            name=name,
        )

    df = property(lambda self: self._df)
    loc = property(lambda self: self._loc)
    scale = property(lambda self: self._scale)

    def _batch_shape_tensor(self):
        from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
        from teachflow.ops.shape_ops import shape

        return broadcast_dynamic_shape(
            shape(self.df), broadcast_dynamic_shape(shape(self.loc), shape(self.scale))
        )

    def _batch_shape(self):
        from teachflow.ops.broadcast_ops import broadcast_static_shape

        return broadcast_static_shape(
            broadcast_static_shape(self.df.shape, self.loc.shape), self.scale.shape
        )

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.filling import ones
        from teachflow.ops.gamma_poisson_ops import random_gamma
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import random_normal
        from teachflow.ops.unary_ops import rsqrt

        shape = concat([[n], self.batch_shape_tensor()], 0)
        normal_sample = random_normal(shape, dtype=self.dtype, seed=seed)
        df = self.df * ones(self.batch_shape_tensor(), dtype=self.dtype)
        gamma_sample = random_gamma(
            [n],
            0.5 * df,
            beta=0.5,
            dtype=self.dtype,
            seed=distribution.gen_new_seed(seed, salt="student_t"),
        )
        samples = normal_sample * rsqrt(gamma_sample / df)
        return samples * self.scale + self.loc

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.unary_ops import log1p

        y = (x - self.loc) / self.scale
        return -0.5 * (self.df + 1.0) * log1p(y**2.0 / self.df)

    def _log_normalization(self):
        from teachflow.ops.special_math_ops import lgamma
        from teachflow.ops.unary_ops import abs as abs_
        from teachflow.ops.unary_ops import log

        return (
            log(abs_(self.scale))
            + 0.5 * log(self.df)
            + 0.5 * np.log(np.pi)
            + lgamma(0.5 * self.df)
            - lgamma(0.5 * (self.df + 1.0))
        )

    def _cdf(self, x):
        from teachflow.ops.comparison_ops import less, where_v2
        from teachflow.ops.special_function_ops import betainc
        from teachflow.ops.unary_ops import abs as abs_

        y = (x - self.loc) / abs_(self.scale)
        x_t = self.df / (y**2.0 + self.df)
        neg_cdf = 0.5 * betainc(0.5 * self.df, 0.5, x_t)
        return where_v2(less(y, 0.0), neg_cdf, 1.0 - neg_cdf)

    def _entropy(self):
        from teachflow.ops.filling import ones
        from teachflow.ops.joining import concat
        from teachflow.ops.special_math_ops import digamma, lbeta
        from teachflow.ops.unary_ops import abs as abs_
        from teachflow.ops.unary_ops import log

        v = ones(self.batch_shape_tensor(), dtype=self.dtype)[..., None]
        u = v * self.df[..., None]
        beta_arg = concat([u, v], -1) / 2.0
        return (
            log(abs_(self.scale))
            + 0.5 * log(self.df)
            + lbeta(beta_arg)
            + 0.5 * (self.df + 1.0) * (digamma(0.5 * (self.df + 1.0)) - digamma(0.5 * self.df))
        )

    def _mean(self):
        from teachflow.ops.check_ops import assert_less
        from teachflow.ops.comparison_ops import greater, where_v2
        from teachflow.ops.filling import fill, ones

        mean = self.loc * ones(self.batch_shape_tensor(), dtype=self.dtype)
        if self.allow_nan_stats:
            nan = np.array(np.nan, dtype=self.dtype.as_numpy_dtype)
            return where_v2(
                greater(self.df, ones(self.batch_shape_tensor(), dtype=self.dtype)),
                mean,
                fill(self.batch_shape_tensor(), nan, name="nan"),
            )
        check = assert_less(
            ones([], dtype=self.dtype),
            self.df,
            message="mean not defined for components of df <= 1",
        )
        return with_dependencies([check], mean)

    def _variance(self):
        from teachflow.ops.check_ops import assert_less
        from teachflow.ops.comparison_ops import greater, where_v2
        from teachflow.ops.filling import fill, ones, ones_like
        from teachflow.ops.unary_ops import square

        denom = where_v2(greater(self.df, 2.0), self.df - 2.0, ones_like(self.df))
        var = (
            ones(self.batch_shape_tensor(), dtype=self.dtype) * square(self.scale) * self.df / denom
        )
        inf = np.array(np.inf, dtype=self.dtype.as_numpy_dtype)
        result_where_defined = where_v2(
            self.df > fill(self.batch_shape_tensor(), 2.0),
            var,
            fill(self.batch_shape_tensor(), inf, name="inf"),
        )
        if self.allow_nan_stats:
            nan = np.array(np.nan, dtype=self.dtype.as_numpy_dtype)
            return where_v2(
                greater(self.df, ones(self.batch_shape_tensor(), dtype=self.dtype)),
                result_where_defined,
                fill(self.batch_shape_tensor(), nan, name="nan"),
            )
        check = assert_less(
            ones([], dtype=self.dtype),
            self.df,
            message="variance not defined for components of df <= 1",
        )
        return with_dependencies([check], result_where_defined)

    def _mode(self):
        from teachflow.ops.identity_ops import identity

        return identity(self.loc)
