"""``tf.distributions.Bernoulli``: 1 with probability ``probs`` (``sigmoid(logits)``), else 0.

A sample is ``uniform < probs`` cast to the distribution's dtype (int32 unless told), drawn
with TF's ``random_uniform``; ``log_prob`` is minus the sigmoid cross-entropy of the logits.

    >>> import teachflow as tf
    >>> coin = tf.distributions.Bernoulli(probs=0.25)
    >>> with tf.Session() as sess:
    ...     print(sess.run([coin.mean(), coin.prob(1)]))
    [np.float32(0.25), np.float32(0.25)]
"""

from __future__ import annotations

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.distributions.logits_and_probs import get_logits_and_probs
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["Bernoulli"]


class Bernoulli(distribution.Distribution):
    """Bernoulli distributions given by ``logits`` or ``probs`` (exactly one)."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False,
                 allow_nan_stats=True, name="Bernoulli"):  # fmt: skip
        parameters = dict(locals())
        with name_scope(name) as name:
            self._logits, self._probs = get_logits_and_probs(
                logits=logits, probs=probs, validate_args=validate_args, name=name
            )
        super().__init__(
            dtype=dtypes.as_dtype(dtype),
            reparameterization_type=distribution.NOT_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._logits, self._probs],
            name=name,
        )

    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)

    def _batch_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self._logits)

    def _batch_shape(self):
        return self._logits.shape

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.comparison_ops import less
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import random_uniform

        new_shape = concat([[n], self.batch_shape_tensor()], 0)
        uniform = random_uniform(new_shape, seed=seed, dtype=self.probs.dtype)
        return cast(less(uniform, self.probs), self.dtype)

    def _log_prob(self, event):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.filling import ones_like
        from teachflow.ops.losses import sigmoid_cross_entropy_with_logits

        event = cast(event, self.logits.dtype)
        logits = self.logits
        same = (
            event.shape.is_fully_defined()
            and logits.shape.is_fully_defined()
            and event.shape == logits.shape
        )
        if not same:
            logits, event = ones_like(event) * logits, ones_like(logits) * event
        return -sigmoid_cross_entropy_with_logits(labels=event, logits=logits)

    def _entropy(self):
        from teachflow.ops.activation_ops import softplus
        from teachflow.ops.unary_ops import sigmoid

        return -self.logits * (sigmoid(self.logits) - 1) + softplus(-self.logits)

    def _mean(self):
        from teachflow.ops.identity_ops import identity

        return identity(self.probs)

    def _variance(self):
        return self._mean() * (1.0 - self.probs)

    def _mode(self):
        from teachflow.ops.arithmetic_ops import cast

        return cast(self.probs > 0.5, self.dtype)


@RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    from teachflow.ops.activation_ops import softplus
    from teachflow.ops.unary_ops import sigmoid

    with name_scope(name, "kl_bernoulli_bernoulli", values=[a.logits, b.logits]):
        delta_probs0 = softplus(-b.logits) - softplus(-a.logits)
        delta_probs1 = softplus(b.logits) - softplus(a.logits)
        return sigmoid(a.logits) * delta_probs0 + sigmoid(-a.logits) * delta_probs1
