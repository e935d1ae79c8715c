"""``tf.nn`` functions that TensorFlow builds from other ops, not as ops of their own:
``crelu`` (relu of x and -x side by side), ``swish`` (x * sigmoid(beta * x), its
gradient written by hand with ``tf.custom_gradient``) and ``log_poisson_loss``.

    >>> import teachflow as tf
    >>> c = tf.nn.crelu([[-1.0, 2.0]])
    >>> c.op.type, c.shape
    ('Relu', TensorShape([Dimension(1), Dimension(4)]))
    >>> with tf.Session() as sess:
    ...     print(sess.run(c))
    [[0. 2. 1. 0.]]
"""

from __future__ import annotations

import math

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops.activation_ops import relu
from teachflow.ops.arithmetic_ops import cast, negative
from teachflow.ops.comparison_ops import logical_and, where
from teachflow.ops.constant_op import constant
from teachflow.ops.custom_gradient import custom_gradient
from teachflow.ops.filling import ones_like, zeros_like
from teachflow.ops.joining import concat
from teachflow.ops.reduction_ops import reduce_sum
from teachflow.ops.unary_ops import exp, log, sigmoid, square

__all__ = ["crelu", "swish", "log_poisson_loss"]


def crelu(features, name=None, axis=-1):
    """``relu(concat([x, -x], axis))``: the positive and the negative part, so no sign
    is lost; ``axis`` doubles in size."""
    with name_scope(name, "CRelu", [features]) as name:
        features = convert_to_tensor(features, name="features")
        # TF names the concat after the scope itself (the scope name ends in '/').
        c = concat([features, negative(features)], axis, name=name)
        return relu(c)


def swish(features, beta=1.0):
    """``features * sigmoid(beta * features)`` (SiLU when beta is 1), with TF's own
    gradient for both ``features`` and ``beta`` through one IdentityN."""
    features = convert_to_tensor(features, name="features")
    beta = convert_to_tensor(beta, name="beta")
    beta = cast(beta, features.dtype)

    @custom_gradient
    def swish_impl(features, beta):
        def grad(dy):
            # TF recomputes sigmoid here rather than keep the forward one alive.
            with control_dependencies([dy]):
                sigmoid_features = sigmoid(beta * features)
            activation_grad = sigmoid_features * (
                1.0 + (beta * features) * (1.0 - sigmoid_features)
            )
            beta_grad = reduce_sum(
                dy * square(features) * sigmoid_features * (1.0 - sigmoid_features)
            )
            return (dy * activation_grad, beta_grad)

        return features * sigmoid(beta * features), grad

    return swish_impl(features, beta)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """``exp(log_input) - log_input * targets``, the Poisson negative log likelihood with
    the rate given as its log; ``compute_full_loss`` adds Stirling's approximation of
    log(targets!) where targets > 1."""
    with name_scope(name, "log_poisson_loss", [log_input, targets]):
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, name="targets")
        if not targets.shape.is_compatible_with(log_input.shape):
            raise ValueError(
                "`log_input` and `targets` must have the same shape, received "
                f"({log_input.shape} vs {targets.shape})."
            )
        result = exp(log_input) - log_input * targets
        if compute_full_loss:
            point_five = constant(0.5, dtype=targets.dtype)
            two_pi = constant(2 * math.pi, dtype=targets.dtype)
            stirling_approx = (
                (targets * log(targets)) - targets + (point_five * log(two_pi * targets))
            )
            zeros = zeros_like(targets, dtype=targets.dtype)
            ones = ones_like(targets, dtype=targets.dtype)
            cond = logical_and(targets >= zeros, targets <= ones)
            result += where(cond, zeros, stirling_approx)
        return result
