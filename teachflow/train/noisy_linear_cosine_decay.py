"""``tf.train.noisy_linear_cosine_decay``: linear cosine decay with Gaussian noise on the
linear part, the noise's variance shrinking as ``initial_variance / (1 + step) **
variance_decay`` (Bello et al., 2017).

The noise is one ``RandomStandardNormal`` op (``random_normal`` with a tensor
``stddev``) drawn anew at every run; with a graph seed its op seed follows from the ops
built before it, so teachflow builds the same ops in the same order as TensorFlow's
``NoisyLinearCosineDecay`` schedule, and a seeded graph draws TensorFlow's noise.

    >>> import teachflow as tf
    >>> tf.set_random_seed(1)
    >>> step = tf.train.get_or_create_global_step()
    >>> lr = tf.train.noisy_linear_cosine_decay(0.1, step, decay_steps=100)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     bool(0.0 < sess.run(lr) < 0.3)
    True
"""

from __future__ import annotations

import math

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import minimum, multiply
from teachflow.ops.arithmetic_ops import pow as pow_
from teachflow.ops.constant_op import constant
from teachflow.ops.math_ops import cast
from teachflow.ops.random_ops import random_normal
from teachflow.ops.unary_ops import cos, sqrt

__all__ = ["noisy_linear_cosine_decay"]


def noisy_linear_cosine_decay(
    learning_rate,
    global_step,
    decay_steps,
    initial_variance=1.0,
    variance_decay=0.55,
    num_periods=0.5,
    alpha=0.0,
    beta=0.001,
    name=None,
):
    """``learning_rate * ((alpha + linear + noise) * cosine + beta)``, ``linear`` falling
    from 1 to 0 over ``decay_steps``, ``cosine`` making ``num_periods`` half-waves.
    ValueError without a ``global_step``."""
    if global_step is None:
        raise ValueError("global_step is required for noisy_linear_cosine_decay.")
    with name_scope(name, "NoisyLinearCosineDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype
        steps = cast(decay_steps, dtype)
        variance0 = cast(initial_variance, dtype)
        variance_decay_ = cast(variance_decay, dtype)
        periods = cast(num_periods, dtype)
        alpha_ = cast(alpha, dtype)
        beta_ = cast(beta, dtype)
        step = minimum(cast(global_step, dtype), steps)
        linear = (steps - step) / steps
        std = sqrt(variance0 / pow_(1.0 + step, variance_decay_))
        noisy_linear = linear + random_normal(linear.shape, stddev=std)
        completed = step / steps
        fraction = 2.0 * periods * completed
        cosine = 0.5 * (1.0 + cos(constant(math.pi) * fraction))
        return multiply(lr, (alpha_ + noisy_linear) * cosine + beta_, name=scope)
