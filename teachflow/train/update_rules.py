"""The update rules of TensorFlow's training ops (training_ops.cc), as numpy (or cupy)
expressions: each takes the current values of the variable and its slots and the op's other
inputs, and returns the new values of the refs; ``*_in_place`` variants write float buffers
in place with the same arithmetic in the same order (so the same bits). The ops that apply
them, their checks and locking are `teachflow.train.training_ops`.

    >>> import numpy as np
    >>> gradient_descent(np, np.float32([1.0]), np.float32(0.5), np.float32([2.0]))
    (array([0.], dtype=float32),)
"""

from __future__ import annotations

import numpy as np

IN_PLACE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def gradient_descent(xp, var, alpha, delta):
    return (var - alpha * delta,)


# -- the same rules written into the refs' own buffers (numpy, float32/float64) -------------
# TF's Apply* kernels update the variable and its slots in place. For a big variable the
# copies matter: Adam on a 784x300 kernel made thirteen temporary arrays per step, each a fresh
# mapping of memory. These do the same arithmetic in the same order (so the same bits), with
# two temporaries at most.
def gradient_descent_in_place(var, alpha, delta):
    step = np.multiply(alpha, delta)
    var -= step


def adam_in_place(
    var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, use_nesterov=False
):
    if use_nesterov:
        return False
    one = beta1.dtype.type(1)
    alpha = lr * np.sqrt(one - beta2_power) / (one - beta1_power)
    t = np.subtract(grad, m, out=np.empty_like(m))  # an array even for a 0-d variable
    t *= one - beta1
    m += t
    np.multiply(grad, grad, out=t)
    t -= v
    t *= one - beta2
    v += t
    np.multiply(m, alpha, out=t)
    d = np.sqrt(v, out=np.empty_like(v))
    d += epsilon
    t /= d
    var -= t
    return True


def momentum(xp, var, accum, lr, grad, momentum, use_nesterov=False):
    accum = accum * momentum + grad
    if use_nesterov:
        return var - (grad * lr + accum * momentum * lr), accum
    return var - accum * lr, accum


def adam(
    xp, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, use_nesterov=False
):
    one = beta1.dtype.type(1)
    alpha = lr * xp.sqrt(one - beta2_power) / (one - beta1_power)
    m = m + (grad - m) * (one - beta1)
    v = v + (grad * grad - v) * (one - beta2)
    if use_nesterov:
        return var - (grad * (one - beta1) + beta1 * m) * alpha / (xp.sqrt(v) + epsilon), m, v
    return var - (m * alpha) / (xp.sqrt(v) + epsilon), m, v


def rms_prop(xp, var, ms, mom, lr, rho, momentum, epsilon, grad):
    one = rho.dtype.type(1)
    ms = ms + (grad * grad - ms) * (one - rho)
    mom = mom * momentum + (grad * lr) / xp.sqrt(ms + epsilon)
    return var - mom, ms, mom


def centered_rms_prop(xp, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    one = rho.dtype.type(1)
    ms = ms + (grad * grad - ms) * (one - rho)
    mg = mg + (grad - mg) * (one - rho)
    denominator = (ms - mg * mg) + epsilon
    mom = mom * momentum + (grad * lr) / xp.sqrt(denominator)
    return var - mom, mg, ms, mom


def adagrad(xp, var, accum, lr, grad, update_slots=True):
    if update_slots:
        accum = accum + grad * grad
    return var - grad * lr / xp.sqrt(accum), accum


def adadelta(xp, var, accum, accum_update, lr, rho, epsilon, grad):
    one = rho.dtype.type(1)
    accum = accum * rho + grad * grad * (one - rho)
    update = xp.sqrt(accum_update + epsilon) / xp.sqrt(accum + epsilon) * grad
    return var - update * lr, accum, accum_update * rho + update * update * (one - rho)


def _proximal_step(xp, prox, lr, l1, l2):
    """TF's proximal operator: soft-threshold by ``lr * l1``, then shrink by ``1 + lr * l2``."""
    one = l2.dtype.type(1)
    if l1 > 0:
        return xp.sign(prox) * xp.maximum(xp.abs(prox) - lr * l1, 0) / (one + lr * l2)
    return prox / (one + lr * l2)


def proximal_gradient_descent(xp, var, alpha, l1, l2, delta):
    return (_proximal_step(xp, var - delta * alpha, alpha, l1, l2),)


def proximal_adagrad(xp, var, accum, lr, l1, l2, grad):
    accum = accum + grad * grad
    rate = lr / xp.sqrt(accum)
    return _proximal_step(xp, var - grad * rate, rate, l1, l2), accum


def adagrad_da(xp, var, g_acc, gg_acc, grad, lr, l1, l2, global_step):
    # TF's ApplyAdagradDA functor: the weights are a function of the accumulators alone,
    # w = -sign(g) * lr * max(|g| - l1 * T, 0) / (l2 * T * lr + sqrt(gg)); T the step.
    g_acc = g_acc + grad
    gg_acc = gg_acc + grad * grad
    step = var.dtype.type(global_step)
    denominator = l2 * (step * lr) + xp.sqrt(gg_acc)
    if l1 > 0:
        shrunk = xp.maximum(xp.abs(g_acc) - step * l1, var.dtype.type(0))
        new = lr * var.dtype.type(-1) * xp.sign(g_acc) * shrunk / denominator
    else:
        new = lr * g_acc * var.dtype.type(-1) / denominator
    return new.astype(var.dtype, copy=False), g_acc, gg_acc


def adagrad_da_rows(xp, var, g_acc, gg_acc, grad, lr, l1, l2, global_step):
    # TF's SparseApplyAdagradDA writes the same rule another way (the rows' own loop):
    # w = -sign(g) * max(|g| - l1 * T, 0) / (l2 * T + sqrt(gg) / lr), other roundings.
    g_acc = g_acc + grad
    gg_acc = gg_acc + grad * grad
    step = var.dtype.type(global_step)
    denominator = l2 * step + xp.sqrt(gg_acc) / lr
    if l1 > 0:
        shrunk = xp.maximum(xp.abs(g_acc) - l1 * step, var.dtype.type(0))
        new = var.dtype.type(-1) * xp.sign(g_acc) * shrunk / denominator
    else:
        new = var.dtype.type(-1) * g_acc / denominator
    return new.astype(var.dtype, copy=False), g_acc, gg_acc


def ftrl_v2(
    xp, var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power, multiply_linear_by_lr=False
):
    # TF's ApplyFtrlV2 functor: the shrinkage enters ``linear`` but not the accumulator, and
    # lr_power == -0.5 takes square roots rather than powers (so the bits match TF's).
    two = lr.dtype.type(2)
    shrunk = grad + two * l2_shrinkage * var if l2_shrinkage is not None else grad
    new_accum = accum + grad * grad
    if lr_power == -0.5:
        growth = xp.sqrt(new_accum) - xp.sqrt(accum)
        rate = xp.sqrt(new_accum)
    else:
        growth = new_accum ** (-lr_power) - accum ** (-lr_power)
        rate = new_accum ** (-lr_power)
    if multiply_linear_by_lr:
        linear = linear + shrunk * lr - growth * var
        quadratic = rate + two * l2 * lr
        l1 = l1 * lr
    else:
        linear = linear + shrunk - growth / lr * var
        quadratic = rate / lr + two * l2
    var = xp.where(xp.abs(linear) > l1, (l1 * xp.sign(linear) - linear) / quadratic, 0)
    return var.astype(accum.dtype, copy=False), new_accum, linear


def ftrl(xp, var, accum, linear, grad, lr, l1, l2, lr_power, multiply_linear_by_lr=False):
    return ftrl_v2(xp, var, accum, linear, grad, lr, l1, l2, None, lr_power, multiply_linear_by_lr)
