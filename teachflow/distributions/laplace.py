"""``tf.distributions.Laplace``: density ``exp(-|x - loc| / scale) / (2 scale)``.

Samples invert the CDF on a uniform in ``(-1, 1)``: ``loc - scale sign(u) log1p(-|u|)``;
``log_cdf`` is TF's ``log_cdf_laplace``, exact on both sides of the median.

    >>> import teachflow as tf
    >>> d = tf.distributions.Laplace(loc=1.0, scale=2.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run([d.cdf(1.0), d.mean()]))
    [np.float32(0.5), np.float32(1.0)]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.distributions import distribution
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Laplace"]


def log_cdf_laplace(x, name="log_cdf_laplace"):
    """``log(L(x))`` for the standard Laplace CDF ``L``: ``log(0.5) + x`` below 0,
    ``log1p(-0.5 exp(-x))`` above."""
    from teachflow.ops.comparison_ops import where_v2
    from teachflow.ops.unary_ops import abs as abs_
    from teachflow.ops.unary_ops import exp, log1p

    with name_scope(name, values=[x]):
        x = convert_to_tensor(x, name="x")
        lower_solution = -np.log(2.0) + x
        safe_exp_neg_x = exp(-abs_(x))
        upper_solution = log1p(-0.5 * safe_exp_neg_x)
        return where_v2(x < 0.0, lower_solution, upper_solution)


class Laplace(distribution.Distribution):
    """Laplace distributions with location ``loc`` and scale ``scale`` (broadcast)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Laplace"):
        from teachflow.ops.check_ops import assert_positive

        parameters = dict(locals())
        with name_scope(name, values=[loc, scale]) as name:
            with control_dependencies([assert_positive(scale)] if validate_args else []):
                self._loc = distribution.parameter(loc, "loc")
                self._scale = distribution.parameter(scale, "scale")
            if self._loc.dtype.base_dtype is not self._scale.dtype.base_dtype:
                raise TypeError(
                    f"Unexpected dtype {self._scale.dtype.name}, expected {self._loc.dtype.name}"
                )
            # TF builds the base class inside the scope here (unlike Normal).
            super().__init__(
                dtype=self._loc.dtype,
                reparameterization_type=distribution.FULLY_REPARAMETERIZED,
                validate_args=validate_args,
                allow_nan_stats=allow_nan_stats,
                parameters=parameters,
                graph_parents=[self._loc, self._scale],
                name=name,
            )

    loc = property(lambda self: self._loc)
    scale = property(lambda self: self._scale)

    def _batch_shape_tensor(self):
        from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
        from teachflow.ops.shape_ops import shape

        return broadcast_dynamic_shape(shape(self.loc), shape(self.scale))

    def _batch_shape(self):
        from teachflow.ops.broadcast_ops import broadcast_static_shape

        return broadcast_static_shape(self.loc.shape, self.scale.shape)

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import random_uniform
        from teachflow.ops.unary_ops import abs as abs_
        from teachflow.ops.unary_ops import log1p, sign

        np_dtype = self.dtype.as_numpy_dtype
        uniform_samples = random_uniform(
            shape=concat([[n], self.batch_shape_tensor()], 0),
            minval=np.nextafter(np_dtype(-1.0), np_dtype(0.0)),
            maxval=1.0,
            dtype=self.dtype,
            seed=seed,
        )
        return self.loc - self.scale * sign(uniform_samples) * log1p(-abs_(uniform_samples))

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _prob(self, x):
        from teachflow.ops.unary_ops import exp

        return exp(self._log_prob(x))

    def _log_cdf(self, x):
        return log_cdf_laplace(self._z(x))

    def _log_survival_function(self, x):
        return log_cdf_laplace(-self._z(x))

    def _cdf(self, x):
        from teachflow.ops.unary_ops import abs as abs_
        from teachflow.ops.unary_ops import exp, sign

        z = self._z(x)
        return 0.5 + 0.5 * sign(z) * (1.0 - exp(-abs_(z)))

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.unary_ops import abs as abs_

        return -abs_(self._z(x))

    def _log_normalization(self):
        from teachflow.ops.unary_ops import log

        return math.log(2.0) + log(self.scale)

    def _entropy(self):
        from teachflow.ops.filling import zeros_like
        from teachflow.ops.unary_ops import log

        scale = self.scale + zeros_like(self.loc)
        return math.log(2.0) + 1.0 + log(scale)

    def _mean(self):
        from teachflow.ops.filling import zeros_like

        return self.loc + zeros_like(self.scale)

    def _stddev(self):
        from teachflow.ops.filling import zeros_like

        return math.sqrt(2.0) * self.scale + zeros_like(self.loc)

    def _mode(self):
        return self._mean()

    def _z(self, x):
        return (x - self.loc) / self.scale
