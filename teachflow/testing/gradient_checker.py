"""``tf.test.compute_gradient``: the gradient a graph computes against finite differences.

TensorFlow 1's gradient checker builds ``gradients(y, x, dy)`` once and runs it with a
one-hot ``dy`` per element of ``y`` (the *theoretical* Jacobian, a column per run), then
perturbs each element of ``x`` by ``±delta`` and divides the change in ``y`` by
``2 * delta`` (the *numeric* Jacobian, a row per pair of runs). Both have ``x_size`` rows
and ``y_size`` columns. It runs in the default session.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float64, [2], name="x")
    >>> y = x * x
    >>> with tf.Session():
    ...     theory, numeric = tf.test.compute_gradient(
    ...         x, [2], y, [2], x_init_value=np.array([1.0, 3.0]))
    >>> theory
    array([[2., 0.],
           [0., 6.]])
    >>> bool(np.allclose(theory, numeric))
    True
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.graph import get_default_session
from teachflow.ops.array_ops import identity
from teachflow.ops.constant_op import constant
from teachflow.ops.gradients import gradients
from teachflow.ops.indexed_slices import IndexedSlices

__all__ = ["compute_gradient", "compute_gradient_error"]

_CHECKABLE = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)


def _size(shape) -> int:
    return shape if isinstance(shape, int) else math.prod(shape)


def _feeds(extra, new):
    return {**extra, **new} if extra else new


def _theoretical_jacobian(x, x_shape, x_data, dy, dy_shape, dx, extra):
    if x.dtype.is_complex:
        x_shape = tuple(x_shape) + (2,)
    x_size, row_size = _size(x_shape), _size(x_shape[1:])
    dy_size = _size(dy_shape) * (2 if dy.dtype.is_complex else 1)
    jacobian = np.zeros((x_size, dy_size), dtype=x.dtype.real_dtype.as_numpy_dtype)
    dy_data = np.zeros(dy_shape, dtype=dy.dtype.as_numpy_dtype)
    dy_flat = dy_data.ravel().view(dy.dtype.real_dtype.as_numpy_dtype)
    sess = get_default_session()
    for col in range(dy_size):
        dy_flat[col] = 1
        feed = _feeds(extra, {x: x_data, dy: dy_data})
        if isinstance(dx, IndexedSlices):
            indices, values = sess.run([dx.indices, dx.values], feed_dict=feed)
            for i, v in zip(indices, values):
                jacobian[i * row_size : (i + 1) * row_size, col] += v.flat
        else:
            jacobian[:, col] = sess.run(dx, feed_dict=feed).ravel().view(jacobian.dtype)
        dy_flat[col] = 0
    if not dy_size:
        backprop = sess.run(dx, feed_dict=_feeds(extra, {x: x_data, dy: dy_data}))
        if backprop.shape != x_data.shape:
            raise ValueError(
                f"Empty gradient has wrong shape: expected {x_data.shape}, got {backprop.shape}"
            )
        if np.any(backprop):
            raise ValueError("Empty tensor with nonzero gradients")
    return jacobian


def _numeric_jacobian(x, x_shape, x_data, y, y_shape, delta, extra):
    x_size = _size(x_shape) * (2 if x.dtype.is_complex else 1)
    y_size = _size(y_shape) * (2 if y.dtype.is_complex else 1)
    x_real = x.dtype.real_dtype.as_numpy_dtype
    y_real = y.dtype.real_dtype.as_numpy_dtype
    x_data = np.asarray(x_data, dtype=x.dtype.as_numpy_dtype)
    scale = np.asarray(2 * delta, dtype=y_real)[()]
    jacobian = np.zeros((x_size, y_size), dtype=x_real)
    sess = get_default_session()
    for row in range(x_size):
        x_pos, x_neg = x_data.copy(), x_data.copy()
        x_pos.ravel().view(x_real)[row] += delta
        y_pos = sess.run(y, feed_dict=_feeds(extra, {x: x_pos}))
        x_neg.ravel().view(x_real)[row] -= delta
        y_neg = sess.run(y, feed_dict=_feeds(extra, {x: x_neg}))
        jacobian[row, :] = ((y_pos - y_neg) / scale).ravel().view(y_real)
    return jacobian


def _dx_and_dy(x, y, y_shape):
    """The gradient of ``y`` for ``x`` and the ``dy`` it is fed through (a constant that
    each run of the theoretical Jacobian overrides)."""
    with x.graph.as_default():
        dy = constant(1.0, shape=y_shape, dtype=y.dtype)
        fed = identity(dy)
    (dx,) = gradients(y, x, fed)
    return dx, dy


def _jacobians(x, x_shape, dx, y, y_shape, dy, x_init_value, delta, extra):
    t, t2 = dtypes.as_dtype(x.dtype), dtypes.as_dtype(y.dtype)
    assert t.base_dtype in _CHECKABLE, f"Don't support type {t.name} for x"
    assert t2.base_dtype in _CHECKABLE, f"Don't support type {t2.name} for y"
    if x_init_value is not None:
        i_shape = list(x_init_value.shape)
        assert list(x_shape) == i_shape, f"x_shape = {x_shape}, init_data shape = {i_shape}"
        x_data = x_init_value
    else:
        x_data = np.random.random_sample(x_shape).astype(t.as_numpy_dtype)
        if t.is_complex:
            x_data.imag = np.random.random_sample(x_shape)
    theory = _theoretical_jacobian(x, x_shape, x_data, dy, y_shape, dx, extra)
    numeric = _numeric_jacobian(x, x_shape, x_data, y, y_shape, delta, extra)
    return theory, numeric


def compute_gradient(
    x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None, extra_feed_dict=None
):
    """(theoretical, numeric) Jacobians of ``y`` for ``x``, each ``[x_size, y_size]``; a
    list of such pairs when ``x`` is a list (then ``x_shape`` and ``x_init_value`` are
    lists too). ``x_init_value`` defaults to uniform [0, 1) values from numpy's global
    generator; ``init_targets`` are run first; complex tensors count twice (real, imag).
    """
    extra = extra_feed_dict or {}
    if isinstance(x, list):
        dxs, dys = zip(*[_dx_and_dy(xi, y, y_shape) for xi in x])
        _run_all(init_targets)
        inits = x_init_value if x_init_value is not None else [None] * len(x)
        return [
            _jacobians(xi, shape, dxi, y, y_shape, dyi, init, delta, extra)
            for xi, shape, dxi, dyi, init in zip(x, x_shape, dxs, dys, inits)
        ]
    _run_all(init_targets)
    dx, dy = _dx_and_dy(x, y, y_shape)
    return _jacobians(x, x_shape, dx, y, y_shape, dy, x_init_value, delta, extra)


def _run_all(init_targets):
    if init_targets is not None:
        assert isinstance(init_targets, (list, tuple))
        for init in init_targets:
            get_default_session().run(init)


def compute_gradient_error(
    x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None, extra_feed_dict=None
):
    """The largest ``|theoretical - numeric|`` over the Jacobians of `compute_gradient`."""
    grad = compute_gradient(
        x, x_shape, y, y_shape, x_init_value, delta, init_targets, extra_feed_dict
    )
    error = 0
    for theory, numeric in [grad] if isinstance(grad, tuple) else grad:
        if theory.size or numeric.size:
            error = np.maximum(error, np.fabs(theory - numeric).max())
    return error
