"""``tf.distributions.Normal``: the Gaussian with mean ``loc`` and standard deviation ``scale``.

Samples are ``random_normal * scale + loc`` (reparameterized: gradients reach both
parameters); the CDF is TF's ``ndtr``, which switches between ``erf`` and ``erfc`` so that
neither tail loses its precision.

    >>> import teachflow as tf
    >>> d = tf.distributions.Normal(loc=[0.0, 1.0], scale=2.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run(d.mean()).tolist(), sess.run(d.cdf(1.0)).tolist()[1])
    [0.0, 1.0] 0.5
"""

from __future__ import annotations

import math

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.distributions.special_math import log_ndtr, ndtr
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Normal", "ndtr"]


def _parameters(values, names, positive=None, validate_args=False):
    """Each parameter as an Identity named after it (``Normal/loc``), checked if asked."""
    from teachflow.ops.check_ops import assert_positive

    checks = [assert_positive(positive)] if validate_args and positive is not None else []
    with control_dependencies(checks):
        out = [distribution.parameter(v, n) for v, n in zip(values, names)]
    dts = {t.dtype.base_dtype for t in out}
    if len(dts) > 1 or not next(iter(dts)).is_floating:
        raise TypeError(
            f"Unexpected dtype among {[t.dtype.name for t in out]}: floats of one dtype"
        )
    return out


class Normal(distribution.Distribution):
    """Normal distributions with mean ``loc`` and standard deviation ``scale`` (broadcast)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Normal"):
        parameters = dict(locals())
        with name_scope(name, values=[loc, scale]) as name:
            self._loc, self._scale = _parameters(
                [loc, scale], ["loc", "scale"], scale, validate_args
            )
        super().__init__(
            dtype=self._scale.dtype,
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
        from teachflow.ops.random_ops import random_normal

        shape = concat([[n], self.batch_shape_tensor()], 0)
        sampled = random_normal(shape=shape, mean=0.0, stddev=1.0, dtype=self.loc.dtype, seed=seed)
        return sampled * self.scale + self.loc

    def _log_prob(self, x):
        return self._log_unnormalized_prob(x) - self._log_normalization()

    def _cdf(self, x):
        return ndtr(self._z(x))

    def _survival_function(self, x):
        return ndtr(-self._z(x))

    def _log_cdf(self, x):
        return log_ndtr(self._z(x))

    def _log_survival_function(self, x):
        return log_ndtr(-self._z(x))

    def _log_unnormalized_prob(self, x):
        from teachflow.ops.unary_ops import square

        return -0.5 * square(self._z(x))

    def _log_normalization(self):
        from teachflow.ops.unary_ops import log

        return 0.5 * math.log(2.0 * math.pi) + log(self.scale)

    def _entropy(self):
        from teachflow.ops.filling import ones_like
        from teachflow.ops.unary_ops import log

        scale = self.scale * ones_like(self.loc)
        return 0.5 * math.log(2.0 * math.pi * math.e) + log(scale)

    def _mean(self):
        from teachflow.ops.filling import ones_like

        return self.loc * ones_like(self.scale)

    def _stddev(self):
        from teachflow.ops.filling import ones_like

        return self.scale * ones_like(self.loc)

    def _mode(self):
        return self._mean()

    def _z(self, x):
        with name_scope("standardize", values=[x]):
            return (x - self.loc) / self.scale


@RegisterKL(Normal, Normal)
def _kl_normal_normal(n_a, n_b, name=None):
    from teachflow.ops.arithmetic_ops import squared_difference
    from teachflow.ops.unary_ops import log, square

    with name_scope(name, "kl_normal_normal", [n_a.loc, n_b.loc]):
        one = convert_to_tensor(1, dtype=n_a.dtype)
        two = convert_to_tensor(2, dtype=n_a.dtype)
        half = convert_to_tensor(0.5, dtype=n_a.dtype)
        s_a_squared = square(n_a.scale)
        s_b_squared = square(n_b.scale)
        ratio = s_a_squared / s_b_squared
        return squared_difference(n_a.loc, n_b.loc) / (two * s_b_squared) + half * (
            ratio - one - log(ratio)
        )
