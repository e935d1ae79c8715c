"""``tf.distributions.Multinomial``: the counts of ``total_count`` draws among ``k`` classes
with probabilities ``probs`` (or ``softmax(logits)``) over the last axis.

Samples run TF's ``multinomial`` op once per batch member inside ``tf.map_fn`` and count the
classes drawn with ``one_hot``; TF 2.21 builds that loop as a functional ``While``, teachflow
as the TF1 ``while_loop``: the same draws, another graph.

    >>> import teachflow as tf
    >>> d = tf.distributions.Multinomial(total_count=2.0, probs=[0.5, 0.5])
    >>> with tf.Session() as sess:
    ...     print(sess.run([d.mean(), d.prob([1.0, 1.0])]))
    [array([1., 1.], dtype=float32), np.float32(0.5)]
"""

from __future__ import annotations

from teachflow.distributions import distribution
from teachflow.distributions.counts import embed_check_nonnegative_integer_form, log_combinations
from teachflow.distributions.logits_and_probs import get_logits_and_probs, with_dependencies
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["Multinomial"]


class Multinomial(distribution.Distribution):
    """Counts of ``total_count`` draws among the classes of ``logits`` or ``probs``."""

    def __init__(self, total_count, logits=None, probs=None, validate_args=False,
                 allow_nan_stats=True, name="Multinomial"):  # fmt: skip
        parameters = dict(locals())
        with name_scope(name, values=[total_count, logits, probs]) as name:
            self._total_count = convert_to_tensor(total_count, name="total_count")
            if validate_args:
                self._total_count = embed_check_nonnegative_integer_form(self._total_count)
            self._logits, self._probs = get_logits_and_probs(
                logits=logits,
                probs=probs,
                multidimensional=True,
                validate_args=validate_args,
                name=name,
            )
            self._mean_val = self._total_count[..., None] * self._probs
        super().__init__(
            dtype=self._probs.dtype,
            reparameterization_type=distribution.NOT_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._total_count, self._logits, self._probs],
            name=name,
        )

    total_count = property(lambda self: self._total_count)
    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)

    def _batch_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self._mean_val)[:-1]

    def _batch_shape(self):
        return self._mean_val.shape.with_rank_at_least(1)[:-1]

    def _event_shape_tensor(self):
        from teachflow.ops.shape_ops import shape

        return shape(self._mean_val)[-1:]

    def _event_shape(self):
        return self._mean_val.shape.with_rank_at_least(1)[-1:]

    def _sample_n(self, n, seed=None):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.filling import one_hot, ones_like
        from teachflow.ops.functional_ops import map_fn
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import multinomial
        from teachflow.ops.reduction_ops import reduce_sum
        from teachflow.ops.reshaping import reshape, transpose

        n_draws = cast(self.total_count, dtype=dtypes.int32)
        k = self.event_shape_tensor()[0]
        n_draws = ones_like(self.logits[..., 0], dtype=n_draws.dtype) * n_draws
        logits = ones_like(n_draws[..., None], dtype=self.logits.dtype) * self.logits
        flat_logits = reshape(logits, [-1, k])
        flat_ndraws = n * reshape(n_draws, [-1])

        def _sample_single(args):
            logits, n_draw = args[0], args[1]
            x = multinomial(logits[None, ...], n_draw, seed)
            x = reshape(x, shape=[n, -1])
            return reduce_sum(one_hot(x, depth=k), axis=-2)

        x = map_fn(_sample_single, [flat_logits, flat_ndraws], dtype=self.dtype)
        x = transpose(x, perm=[1, 0, 2])
        final_shape = concat([[n], self.batch_shape_tensor(), [k]], 0)
        return reshape(x, final_shape)

    def _log_prob(self, counts):
        return self._log_unnormalized_prob(counts) - self._log_normalization(counts)

    def _log_unnormalized_prob(self, counts):
        from teachflow.ops.activation_ops import log_softmax
        from teachflow.ops.reduction_ops import reduce_sum

        counts = self._maybe_assert_valid_sample(counts)
        return reduce_sum(counts * log_softmax(self.logits), -1)

    def _log_normalization(self, counts):
        counts = self._maybe_assert_valid_sample(counts)
        return -log_combinations(self.total_count, counts)

    def _mean(self):
        from teachflow.ops.identity_ops import identity

        return identity(self._mean_val)

    def _covariance(self):
        from teachflow.ops.diag_ops import matrix_set_diag
        from teachflow.ops.filling import ones_like
        from teachflow.ops.matmul_ops import matmul

        p = self.probs * ones_like(self.total_count)[..., None]
        return matrix_set_diag(
            -matmul(self._mean_val[..., None], p[..., None, :]), self._variance()
        )

    def _variance(self):
        from teachflow.ops.filling import ones_like

        p = self.probs * ones_like(self.total_count)[..., None]
        return self._mean_val - self._mean_val * p

    def _maybe_assert_valid_sample(self, counts):
        from teachflow.ops.check_ops import assert_equal
        from teachflow.ops.reduction_ops import reduce_sum

        if not self.validate_args:
            return counts
        counts = embed_check_nonnegative_integer_form(counts)
        check = assert_equal(
            self.total_count,
            reduce_sum(counts, -1),
            message="counts must sum to `self.total_count`",
        )
        return with_dependencies([check], counts)
