"""``tf.distributions.kl_divergence`` and ``RegisterKL``: a table of KL functions keyed by the
pair of distribution classes, looked up along both classes' method resolution orders (the
closest registered pair of ancestors wins), as in TensorFlow.

    >>> import teachflow as tf
    >>> a = tf.distributions.Normal(0.0, 1.0)
    >>> b = tf.distributions.Normal(1.0, 1.0)
    >>> with tf.Session() as sess:
    ...     print(float(sess.run(tf.distributions.kl_divergence(a, b))))
    0.5
"""

from __future__ import annotations

import inspect

from teachflow.framework.scopes import control_dependencies, name_scope

__all__ = ["kl_divergence", "RegisterKL"]

_DIVERGENCES: dict = {}


def _registered_kl(type_a, type_b):
    best, best_distance = None, None
    for to_a, parent_a in enumerate(inspect.getmro(type_a)):
        for to_b, parent_b in enumerate(inspect.getmro(type_b)):
            candidate = _DIVERGENCES.get((parent_a, parent_b))
            if not best or (candidate and to_a + to_b < best_distance):
                best, best_distance = candidate, to_a + to_b
    return best


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """``KL(distribution_a || distribution_b)`` batchwise, under ``KullbackLeibler/``.

    Raises NotImplementedError when no KL is registered for the two types."""
    from teachflow.ops.check_ops import Assert
    from teachflow.ops.comparison_ops import logical_not
    from teachflow.ops.identity_ops import identity
    from teachflow.ops.reduction_ops import reduce_any
    from teachflow.ops.unary_ops import is_nan

    kl_fn = _registered_kl(type(distribution_a), type(distribution_b))
    if kl_fn is None:
        raise NotImplementedError(
            "No KL(distribution_a || distribution_b) registered for distribution_a type "
            f"{type(distribution_a).__name__} and distribution_b type "
            f"{type(distribution_b).__name__}"
        )
    with name_scope("KullbackLeibler"):
        kl_t = kl_fn(distribution_a, distribution_b, name=name)
        if allow_nan_stats:
            return kl_t
        kl_t = identity(kl_t, name="kl")
        message = (
            f"KL calculation between {distribution_a.name} and {distribution_b.name} returned "
            "NaN values (and was called with allow_nan_stats=False). Values:"
        )
        check = Assert(logical_not(reduce_any(is_nan(kl_t))), [message, kl_t])
        with control_dependencies([check]):
            return identity(kl_t, name="checked_kl")


class RegisterKL:
    """Decorator registering ``kl_fn(a, b, name=None)`` for a pair of distribution classes."""

    def __init__(self, dist_cls_a, dist_cls_b):
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, kl_fn):
        if not callable(kl_fn):
            raise TypeError(f"kl_fn must be callable, received: {kl_fn}")
        if self._key in _DIVERGENCES:
            a, b = self._key
            raise ValueError(
                f"KL({a.__name__} || {b.__name__}) has already been registered to: "
                f"{_DIVERGENCES[self._key]}"
            )
        _DIVERGENCES[self._key] = kl_fn
        return kl_fn
