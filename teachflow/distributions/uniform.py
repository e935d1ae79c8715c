"""``tf.distributions.Uniform``: constant density ``1 / (high - low)`` on ``[low, high)``.

>>> import teachflow as tf
>>> d = tf.distributions.Uniform(low=1.0, high=3.0)
>>> with tf.Session() as sess:
...     print(sess.run([d.prob(2.0), d.cdf(2.5), d.mean()]))
[np.float32(0.5), np.float32(0.75), np.float32(2.0)]
"""

from __future__ import annotations

import math

from teachflow.distributions import distribution
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Uniform"]


class Uniform(distribution.Distribution):
    """Uniform distributions on ``[low, high)`` (broadcast together)."""

    def __init__(self, low=0.0, high=1.0, validate_args=False, allow_nan_stats=True,
                 name="Uniform"):  # fmt: skip
        from teachflow.ops.check_ops import assert_less

        parameters = dict(locals())
        with name_scope(name, values=[low, high]) as name:
            checks = (
                [assert_less(low, high, message="uniform not defined when low >= high.")]
                if validate_args
                else []
            )
            with control_dependencies(checks):
                self._low = distribution.parameter(low, "low")
                self._high = distribution.parameter(high, "high")
            if self._low.dtype.base_dtype is not self._high.dtype.base_dtype:
                raise TypeError(
                    f"Unexpected dtype {self._high.dtype.name}, expected {self._low.dtype.name}"
                )
        super().__init__(
            dtype=self._low.dtype,
            reparameterization_type=distribution.FULLY_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._low, self._high],
            name=name,
        )

    low = property(lambda self: self._low)
    high = property(lambda self: self._high)

    def range(self, name="range"):
        """``high - low``."""
        with self._name_scope(name):
            return self.high - self.low

    def _batch_shape_tensor(self):
        from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
        from teachflow.ops.shape_ops import shape

        return broadcast_dynamic_shape(shape(self.low), shape(self.high))

    def _batch_shape(self):
        from teachflow.ops.broadcast_ops import broadcast_static_shape

        return broadcast_static_shape(self.low.shape, self.high.shape)

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import random_uniform

        shape = concat([[n], self.batch_shape_tensor()], 0)
        samples = random_uniform(shape=shape, dtype=self.dtype, seed=seed)
        return self.low + self.range() * samples

    def _prob(self, x):
        from teachflow.ops.comparison_ops import logical_or, where_v2
        from teachflow.ops.filling import ones, ones_like, zeros_like
        from teachflow.ops.unary_ops import is_nan

        broadcasted_x = x * ones(self.batch_shape_tensor(), dtype=x.dtype)
        # Built in TF's order: the NaN test first, then the inside/outside choice.
        nan = is_nan(broadcasted_x)
        outside = logical_or(broadcasted_x < self.low, broadcasted_x >= self.high)
        inside = where_v2(
            outside, zeros_like(broadcasted_x), ones_like(broadcasted_x) / self.range()
        )
        return where_v2(nan, broadcasted_x, inside)

    def _cdf(self, x):
        from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
        from teachflow.ops.comparison_ops import where_v2
        from teachflow.ops.filling import ones, zeros
        from teachflow.ops.shape_ops import shape

        broadcast_shape = broadcast_dynamic_shape(shape(x), self.batch_shape_tensor())
        zeros_ = zeros(broadcast_shape, dtype=self.dtype)
        ones_ = ones(broadcast_shape, dtype=self.dtype)
        broadcasted_x = x * ones_
        not_big = where_v2(x < self.low, zeros_, (broadcasted_x - self.low) / self.range())
        return where_v2(x >= self.high, ones_, not_big)

    def _entropy(self):
        from teachflow.ops.unary_ops import log

        return log(self.range())

    def _mean(self):
        return (self.low + self.high) / 2.0

    def _variance(self):
        from teachflow.ops.unary_ops import square

        return square(self.range()) / 12.0

    def _stddev(self):
        return self.range() / math.sqrt(12.0)
