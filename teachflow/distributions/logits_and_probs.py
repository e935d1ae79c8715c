"""A distribution given by ``logits`` or by ``probs`` keeps both: TF's
``get_logits_and_probs``, shared by Bernoulli and Categorical.

From logits, the probabilities are ``sigmoid(logits)`` (``softmax`` over the last axis for
``multidimensional`` ones), named ``probs``; from probabilities the logits are
``log(p) - log1p(-p)`` (just ``log(p)`` when multidimensional) under ``logits/``.

    >>> import teachflow as tf
    >>> logits, probs = get_logits_and_probs(probs=0.5)
    >>> with tf.Session() as sess:
    ...     print(float(sess.run(logits)))
    0.0
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope

__all__ = ["get_logits_and_probs", "with_dependencies"]


def with_dependencies(dependencies, tensor):
    """``tensor`` through an Identity that waits for ``dependencies`` (TF's control_flow_ops)."""
    from teachflow.ops.identity_ops import identity

    with name_scope(None, "control_dependency", list(dependencies) + [tensor]) as scope:
        with control_dependencies(dependencies):
            return identity(tensor, name=scope)


def _validated_probs(probs, multidimensional):
    from teachflow.ops.check_ops import assert_less_equal, assert_non_negative
    from teachflow.ops.numeric_checks import assert_near
    from teachflow.ops.reduction_ops import reduce_sum

    with name_scope("validate_probs"):
        one = convert_to_tensor(1.0, probs.dtype)
        dependencies = [assert_non_negative(probs)]
        if multidimensional:
            total = reduce_sum(probs, -1)
            dependencies.append(assert_near(total, one, message="probs does not sum to 1."))
        else:
            dependencies.append(
                assert_less_equal(probs, one, message="probs has components greater than 1.")
            )
        return with_dependencies(dependencies, probs)


def get_logits_and_probs(
    logits=None,
    probs=None,
    multidimensional=False,
    validate_args=False,
    name="get_logits_and_probs",
    dtype=None,
):
    """``(logits, probs)`` from exactly one of them (ValueError for both or neither)."""
    from teachflow.ops.activation_ops import softmax
    from teachflow.ops.unary_ops import log, log1p, sigmoid

    with name_scope(name, values=[probs, logits]):
        if (probs is None) == (logits is None):
            raise ValueError("Must pass probs or logits, but not both.")
        if probs is None:
            logits = convert_to_tensor(logits, name="logits", dtype=dtype)
            if not logits.dtype.is_floating:
                raise TypeError("logits must having floating type.")
            if multidimensional:
                return logits, softmax(logits, name="probs")
            return logits, sigmoid(logits, name="probs")
        probs = convert_to_tensor(probs, name="probs", dtype=dtype)
        if not probs.dtype.is_floating:
            raise TypeError("probs must having floating type.")
        if validate_args:
            probs = _validated_probs(probs, multidimensional)
        with name_scope("logits"):
            if multidimensional:
                return log(probs), probs
            return log(probs) - log1p(-1.0 * probs), probs
