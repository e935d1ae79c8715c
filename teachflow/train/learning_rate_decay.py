"""Learning-rate schedules: the learning rate as a graph op of the global step.

``tf.train.exponential_decay(0.1, global_step, 1000, 0.96)`` builds ops that read
``global_step`` each time they run, so an optimizer given the result sees the rate fall as
training advances. The formulas and op names are TensorFlow's (its ``LearningRateSchedule``
classes, called at once in graph mode):

    >>> import teachflow as tf
    >>> step = tf.Variable(2000, trainable=False)
    >>> lr = tf.train.exponential_decay(0.1, step, 1000, 0.5, staircase=True)
    >>> with tf.Session() as sess:
    ...     sess.run(step.initializer)
    ...     print(round(float(sess.run(lr)), 6), lr.op.name)
    0.025 ExponentialDecay

``global_step`` None raises ValueError ("global_step is required for ...").
"""

from __future__ import annotations

import math

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import add, minimum, multiply, negative, realdiv, subtract
from teachflow.ops.arithmetic_ops import pow as pow_
from teachflow.ops.comparison_ops import equal, greater, less_equal, logical_and, where
from teachflow.ops.math_ops import cast
from teachflow.ops.unary_ops import ceil, cos, exp, floor

__all__ = [
    "exponential_decay",
    "natural_exp_decay",
    "inverse_time_decay",
    "polynomial_decay",
    "piecewise_constant",
    "cosine_decay",
    "cosine_decay_restarts",
    "linear_cosine_decay",
]


def _require_step(global_step, what):
    if global_step is None:
        raise ValueError(f"global_step is required for {what}.")


def _start(learning_rate, global_step):
    """The rate as a tensor, and the step cast to its dtype (ints become floats)."""
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    return lr, cast(global_step, lr.dtype.base_dtype)


def _as(value, like):
    return cast(value, like.dtype.base_dtype)


def exponential_decay(
    learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None
):
    """``learning_rate * decay_rate ** (global_step / decay_steps)``; with ``staircase``
    the exponent is floored, so the rate drops every ``decay_steps`` steps."""
    _require_step(global_step, "exponential_decay")
    with name_scope(name, "ExponentialDecay") as scope:
        lr, step = _start(learning_rate, global_step)
        p = realdiv(step, _as(decay_steps, lr))
        if staircase:
            p = floor(p)
        return multiply(lr, pow_(_as(decay_rate, lr), p), name=scope)


def natural_exp_decay(
    learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None
):
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)``: TensorFlow builds
    it as ``exponential_decay`` with rate ``exp(-decay_rate)`` (so its op is named
    ``ExponentialDecay`` too); staircase floors the step count."""
    _require_step(global_step, "natural_exp_decay")
    rate = exp(negative(convert_to_tensor(decay_rate)))
    return exponential_decay(learning_rate, global_step, decay_steps, rate, staircase, name)


def inverse_time_decay(
    learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None
):
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)``."""
    _require_step(global_step, "inverse_time_decay")
    with name_scope(name, "InverseTimeDecay") as scope:
        lr, step = _start(learning_rate, global_step)
        p = realdiv(step, _as(decay_steps, lr))
        if staircase:
            p = floor(p)
        one = _as(1, lr)
        return realdiv(lr, add(one, multiply(_as(decay_rate, lr), p)), name=scope)


def polynomial_decay(
    learning_rate,
    global_step,
    decay_steps,
    end_learning_rate=0.0001,
    power=1.0,
    cycle=False,
    name=None,
):
    """From ``learning_rate`` to ``end_learning_rate`` along ``(1 - step/decay_steps) **
    power``, then constant; with ``cycle`` the schedule restarts, each time over a
    multiple of ``decay_steps``."""
    _require_step(global_step, "polynomial_decay")
    with name_scope(name, "PolynomialDecay") as scope:
        lr, step = _start(learning_rate, global_step)
        end = _as(end_learning_rate, lr)
        steps = _as(decay_steps, lr)
        if cycle:
            # A step of 0 would give a multiplier of 0: the first cycle starts at 1.
            multiplier = where(equal(step, 0.0), _as(1.0, lr), ceil(realdiv(step, steps)))
            steps = multiply(steps, multiplier)
        else:
            step = minimum(step, steps)
        p = realdiv(step, steps)
        one = _as(1.0, lr)
        decayed = multiply(subtract(lr, end), pow_(subtract(one, p), _as(power, lr)))
        return add(decayed, end, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, ``values[-1]`` after the last boundary.

    TensorFlow selects with ``tf.case``; teachflow with nested ``where``, the same values.
    """
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with name_scope(name, "PiecewiseConstant"):
        x = convert_to_tensor(x)
        bounds = [convert_to_tensor(b) for b in boundaries]
        bounds = [b if b.dtype.base_dtype is x.dtype.base_dtype else _as(b, x) for b in bounds]
        vals = [convert_to_tensor(v) for v in values]
        for v in vals[1:]:
            if v.dtype.base_dtype is not vals[0].dtype.base_dtype:
                raise ValueError(
                    "Values must have elements all with the same dtype "
                    f"({vals[0].dtype.base_dtype.name} vs {v.dtype.base_dtype.name})."
                )
        result = vals[-1]
        for i in range(len(bounds) - 1, 0, -1):
            inside = logical_and(greater(x, bounds[i - 1]), less_equal(x, bounds[i]))
            result = where(inside, vals[i], result)
        return where(less_equal(x, bounds[0]), vals[0], result, name="case")


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """Half a cosine from ``learning_rate`` down to ``alpha * learning_rate`` over
    ``decay_steps`` steps (SGDR without restarts)."""
    _require_step(global_step, "cosine decay")
    with name_scope(name, "CosineDecay"):
        lr, step = _start(learning_rate, global_step)
        steps = _as(decay_steps, lr)
        fraction = realdiv(minimum(step, steps), steps)
        half, one = _as(0.5, lr), _as(1.0, lr)
        cosine = multiply(half, add(one, cos(multiply(_as(math.pi, lr), fraction))))
        a = _as(alpha, lr)
        decayed = add(multiply(subtract(one, a), cosine), a)
        return multiply(lr, decayed)


def cosine_decay_restarts(
    learning_rate,
    global_step,
    first_decay_steps,
    t_mul=2.0,
    m_mul=1.0,
    alpha=0.0,
    name=None,
):
    """Cosine decay with warm restarts (SGDR): each period ``t_mul`` times longer than the
    last, each restart at ``m_mul`` times the previous peak."""
    from teachflow.ops.unary_ops import log

    _require_step(global_step, "cosine decay restarts")
    with name_scope(name, "SGDRDecay") as scope:
        lr, step = _start(learning_rate, global_step)
        first = _as(first_decay_steps, lr)
        alpha_, t_mul_, m_mul_ = _as(alpha, lr), _as(t_mul, lr), _as(m_mul, lr)
        one = _as(1.0, lr)
        completed = realdiv(step, first)
        if t_mul == 1.0:
            i_restart = floor(completed)
            completed = subtract(completed, i_restart)
        else:
            # Which period the step is in: solve t_mul**i - 1 = completed * (t_mul - 1).
            i_restart = floor(
                realdiv(
                    log(subtract(one, multiply(completed, subtract(one, t_mul_)))),
                    log(t_mul_),
                )
            )
            sum_r = realdiv(subtract(one, pow_(t_mul_, i_restart)), subtract(one, t_mul_))
            completed = realdiv(subtract(completed, sum_r), pow_(t_mul_, i_restart))
        m_fac = pow_(m_mul_, i_restart)
        cosine = multiply(
            multiply(_as(0.5, lr), m_fac), add(one, cos(multiply(_as(math.pi, lr), completed)))
        )
        decayed = add(multiply(subtract(one, alpha_), cosine), alpha_)
        return multiply(lr, decayed, name=scope)


def linear_cosine_decay(
    learning_rate,
    global_step,
    decay_steps,
    num_periods=0.5,
    alpha=0.0,
    beta=0.001,
    name=None,
):
    """``learning_rate * ((alpha + linear) * cosine + beta)`` with ``linear`` falling from 1
    to 0 over ``decay_steps`` and ``cosine`` oscillating ``num_periods`` times."""
    _require_step(global_step, "linear cosine decay")
    with name_scope(name, "LinearCosineDecay") as scope:
        lr, step = _start(learning_rate, global_step)
        steps = _as(decay_steps, lr)
        step = minimum(step, steps)
        one, two = _as(1.0, lr), _as(2.0, lr)
        linear = realdiv(subtract(steps, step), steps)
        fraction = multiply(multiply(two, _as(num_periods, lr)), realdiv(step, steps))
        cosine = multiply(_as(0.5, lr), add(one, cos(multiply(_as(math.pi, lr), fraction))))
        linear_cosine = add(multiply(add(_as(alpha, lr), linear), cosine), _as(beta, lr))
        return multiply(lr, linear_cosine, name=scope)
