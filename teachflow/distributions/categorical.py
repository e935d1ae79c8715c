"""``tf.distributions.Categorical``: one of ``K`` classes, by ``logits`` or ``probs`` over the
last axis.

Samples come from TF's ``multinomial`` op on the logits flattened to ``[batch, K]`` and are
transposed to ``[n] + batch``; ``log_prob`` is minus the sparse softmax cross-entropy.

    >>> import teachflow as tf
    >>> die = tf.distributions.Categorical(probs=[0.5, 0.25, 0.25])
    >>> with tf.Session() as sess:
    ...     print(sess.run([die.mode(), die.cdf(1)]))
    [np.int32(0), np.float32(0.5)]
"""

from __future__ import annotations

from teachflow.distributions import distribution
from teachflow.distributions.kullback_leibler import RegisterKL
from teachflow.distributions.logits_and_probs import get_logits_and_probs
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value

__all__ = ["Categorical"]


def _broadcast_cat_event_and_params(event, params, base_dtype):
    """An event and per-class parameters broadcast against each other, as TF does."""
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.filling import ones, ones_like
    from teachflow.ops.shape_ops import shape

    if event.dtype.is_integer:
        pass
    elif event.dtype.is_floating:
        event = cast(event, dtype=dtypes.int32)
    else:
        raise TypeError(f"`value` should have integer `dtype` or `self.dtype` ({base_dtype})")
    known = (
        params.shape.ndims is not None
        and params.shape[:-1].is_fully_defined()
        and event.shape.is_fully_defined()
    )
    if not known or params.shape[:-1] != event.shape:
        params *= ones_like(event[..., None], dtype=params.dtype)
        params_shape = shape(params)[:-1]
        event *= ones(params_shape, dtype=event.dtype)
        if params.shape.ndims is not None:
            event.set_shape(TensorShape(params.shape[:-1]))
    return event, params


class Categorical(distribution.Distribution):
    """Categorical distributions over the last axis of ``logits`` or ``probs``."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False,
                 allow_nan_stats=True, name="Categorical"):  # fmt: skip
        from teachflow.ops.shape_ops import rank, shape

        parameters = dict(locals())
        with name_scope(name, values=[logits, probs]) as name:
            self._logits, self._probs = get_logits_and_probs(
                logits=logits,
                probs=probs,
                validate_args=validate_args,
                multidimensional=True,
                name=name,
            )
            static = self._logits.shape.with_rank_at_least(1)
            if static.ndims is not None:
                self._batch_rank = convert_to_tensor(
                    static.ndims - 1, dtype=dtypes.int32, name="batch_rank"
                )
            else:
                with name_scope("batch_rank"):
                    self._batch_rank = rank(self._logits) - 1
            logits_shape = shape(self._logits, name="logits_shape")
            if dimension_value(static[-1]) is not None and static.as_list()[-1] is not None:
                self._event_size = convert_to_tensor(
                    static.as_list()[-1], dtype=dtypes.int32, name="event_size"
                )
            else:
                with name_scope("event_size"):
                    self._event_size = logits_shape[self._batch_rank]
            if static[:-1].is_fully_defined():
                self._batch_shape_val = convert_to_tensor(
                    static[:-1].as_list(), dtype=dtypes.int32, name="batch_shape"
                )
            else:
                with name_scope("batch_shape"):
                    self._batch_shape_val = logits_shape[:-1]
        super().__init__(
            dtype=dtypes.as_dtype(dtype),
            reparameterization_type=distribution.NOT_REPARAMETERIZED,
            validate_args=validate_args,
            allow_nan_stats=allow_nan_stats,
            parameters=parameters,
            graph_parents=[self._logits, self._probs],
            name=name,
        )

    event_size = property(lambda self: self._event_size)
    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)

    def _batch_shape_tensor(self):
        from teachflow.ops.identity_ops import identity

        return identity(self._batch_shape_val)

    def _batch_shape(self):
        return self.logits.shape[:-1]

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def _event_shape(self):
        return TensorShape([])

    def _sample_n(self, n, seed=None):
        from teachflow.ops.arithmetic_ops import cast
        from teachflow.ops.joining import concat
        from teachflow.ops.random_ops import multinomial
        from teachflow.ops.reshaping import reshape, transpose

        if self.logits.shape.ndims == 2:
            logits_2d = self.logits
        else:
            logits_2d = reshape(self.logits, [-1, self.event_size])
        sample_dtype = dtypes.int64 if self.dtype.size > 4 else dtypes.int32
        draws = multinomial(logits_2d, n, seed=seed, output_dtype=sample_dtype)
        draws = reshape(transpose(draws), concat([[n], self.batch_shape_tensor()], 0))
        return cast(draws, self.dtype)

    def _cdf(self, k):
        from teachflow.ops.comparison_ops import where
        from teachflow.ops.filling import zeros_like
        from teachflow.ops.reduction_ops import reduce_sum
        from teachflow.ops.reshaping import reshape
        from teachflow.ops.sequence_mask_ops import sequence_mask
        from teachflow.ops.shape_ops import shape

        k = convert_to_tensor(k, name="k")
        k, probs = _broadcast_cat_event_and_params(k, self.probs, self.dtype.base_dtype)
        flat_probs = reshape(probs, (-1, self._event_size))
        flat_k = reshape(k, [-1])
        to_sum_over = where(
            sequence_mask(flat_k, self._event_size), flat_probs, zeros_like(flat_probs)
        )
        flat_cdf = reduce_sum(to_sum_over, axis=-1)
        return reshape(flat_cdf, shape(k))

    def _log_prob(self, k):
        from teachflow.ops.losses import sparse_softmax_cross_entropy_with_logits

        k = convert_to_tensor(k, name="k")
        k, logits = _broadcast_cat_event_and_params(k, self.logits, self.dtype.base_dtype)
        return -sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits)

    def _entropy(self):
        from teachflow.ops.activation_ops import log_softmax
        from teachflow.ops.reduction_ops import reduce_sum

        return -reduce_sum(log_softmax(self.logits) * self.probs, axis=-1)

    def _mode(self):
        from teachflow.ops.arg_ops import argmax
        from teachflow.ops.arithmetic_ops import cast

        ret = cast(argmax(self.logits, axis=self._batch_rank), self.dtype)
        ret.set_shape(self.batch_shape)
        return ret


@RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    from teachflow.ops.activation_ops import log_softmax, softmax
    from teachflow.ops.reduction_ops import reduce_sum

    with name_scope(name, "kl_categorical_categorical", values=[a.logits, b.logits]):
        delta_log_probs1 = log_softmax(a.logits) - log_softmax(b.logits)
        return reduce_sum(softmax(a.logits) * delta_log_probs1, axis=-1)
