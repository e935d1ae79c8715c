"""Scans: running sums and products along one axis (``tf.cumsum``, ``tf.cumprod``), and
running log-sum-exps (``tf.math.cumulative_logsumexp``).

``exclusive=True`` leaves each element out of its own total (the first becomes the
identity), ``reverse=True`` runs from the end. The axis is an input tensor, checked when
the graph runs.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.cumsum([1, 2, 3], exclusive=True, reverse=True)).tolist())
    [5, 3, 0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import multiply, realdiv
from teachflow.ops.elementwise import FLOATS, INDEX, NUMERIC, check_allowed, make_op

__all__ = ["cumsum", "cumprod", "cumulative_logsumexp"]


def _infer_scan(op):
    x, axis = op.inputs
    dt = check_allowed(x, NUMERIC)
    check_allowed(axis, INDEX, "axis")
    if axis.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {axis.shape.ndims}")
    return [(dt, x.shape)]


def _scan_kernel(name, identity):
    def make(op, device):
        xp = device.xp
        scan = getattr(xp, name)
        exclusive = op._attrs.get("exclusive", False)
        reverse = op._attrs.get("reverse", False)
        dt = op.outputs[0].dtype.as_numpy_dtype

        def compute(x, axis):
            ndim = xp.ndim(x)
            a = int(axis)
            if not -ndim <= a < ndim:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"ScanOp: Expected scan axis in the range [{-ndim}, {ndim}), but got {a}",
                )
            a %= ndim
            if reverse:
                x = xp.flip(x, a)
            r = scan(x, axis=a, dtype=dt)  # numpy would widen small integer types
            if exclusive and r.shape[a]:
                # Shift by one along the axis; the identity takes the first place.
                head = [slice(None)] * ndim
                head[a] = slice(0, 1)
                body = list(head)
                body[a] = slice(0, -1)
                first = xp.full_like(r[tuple(head)], identity)
                r = xp.concatenate([first, r[tuple(body)]], axis=a)
            return xp.flip(r, a) if reverse else r

        return compute

    return make


def _infer_logsumexp_scan(op):
    check_allowed(op.inputs[0], FLOATS)
    return _infer_scan(op)


def _log_add_exp(acc, x):
    """TensorFlow's LogSumExp reducer: ``max + log1p(exp(min - max))``, the larger value
    itself while that is below the dtype's lowest (-inf: nothing summed yet)."""
    lo, hi = np.minimum(acc, x), np.maximum(acc, x)
    with np.errstate(invalid="ignore", over="ignore"):
        total = np.log1p(np.exp(lo - hi)) + hi
    return np.where(hi < np.finfo(hi.dtype).min, hi, total)


def _logsumexp_kernel(op, device):
    # numpy has no log-add-exp ``accumulate`` that is TF's reducer: the scan is a loop along
    # the axis (short in a course's programs), on the host.
    exclusive = op._attrs.get("exclusive", False)
    reverse = op._attrs.get("reverse", False)

    def compute(x, axis):
        host = np.asarray(x.get() if hasattr(x, "get") else x)
        ndim, a = host.ndim, int(axis)
        if not -ndim <= a < ndim:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"ScanOp: Expected scan axis in the range [{-ndim}, {ndim}), but got {a}",
            )
        rows = np.moveaxis(host, a, 0)
        rows = rows[::-1] if reverse else rows
        out = np.empty_like(rows)
        acc = np.full(rows.shape[1:], -np.inf, rows.dtype)
        for i in range(rows.shape[0]):
            if exclusive:
                out[i] = acc
            acc = _log_add_exp(acc, rows[i])
            if not exclusive:
                out[i] = acc
        out = out[::-1] if reverse else out
        return device.xp.asarray(np.ascontiguousarray(np.moveaxis(out, 0, a)))

    return compute


def _cumulative_logsumexp_grad(op, grad):
    """TensorFlow's: the gradient split into its positive and negative parts (so each has
    a log), each scanned the other way in log space."""
    from teachflow.ops.comparison_ops import greater, less, where_v2
    from teachflow.ops.unary_ops import exp, log

    x, axis = op.inputs
    out = op.outputs[0]
    exclusive, reverse = op._attrs.get("exclusive", False), op._attrs.get("reverse", False)
    lowest = grad.dtype.base_dtype.min
    log_grad_positive = where_v2(greater(grad, 0), log(grad), lowest)
    log_grad_negative = where_v2(less(grad, 0), log(-grad), lowest)
    output_pos = exp(
        cumulative_logsumexp(
            log_grad_positive - out, axis=axis, reverse=not reverse, exclusive=exclusive
        )
        + x
    )
    output_neg = exp(
        cumulative_logsumexp(
            log_grad_negative - out, axis=axis, reverse=not reverse, exclusive=exclusive
        )
        + x
    )
    return [output_pos - output_neg, None]


def _cumsum_grad(op, grad):
    # Each x_i feeds the totals after it (before it, for reverse): sum the other way.
    axis = op.inputs[1]
    exclusive, reverse = op._attrs.get("exclusive", False), op._attrs.get("reverse", False)
    return [cumsum(grad, axis, exclusive=exclusive, reverse=not reverse), None]


def _cumprod_grad(op, grad):
    # TensorFlow's formula: divides by x, so it is not defined where x == 0.
    x, axis = op.inputs
    exclusive, reverse = op._attrs.get("exclusive", False), op._attrs.get("reverse", False)
    prod = cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = cumsum(multiply(prod, grad), axis, exclusive=exclusive, reverse=not reverse)
    return [realdiv(out, x), None]


registry.register("Cumsum", _infer_scan, _scan_kernel("cumsum", 0), grad=_cumsum_grad)
registry.register("Cumprod", _infer_scan, _scan_kernel("cumprod", 1), grad=_cumprod_grad)
registry.register(
    "CumulativeLogsumexp",
    _infer_logsumexp_scan,
    _logsumexp_kernel,
    grad=_cumulative_logsumexp_grad,
)


def _scan(op_type, x, axis, exclusive, reverse, name):
    with name_scope(name, op_type, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        axis = convert_to_tensor(axis, name="axis")
        attrs = {
            "exclusive": bool(exclusive),
            "reverse": bool(reverse),
            "T": x.dtype.base_dtype,
            "Tidx": axis.dtype.base_dtype,
        }
        return make_op(op_type, [x, axis], scope, attrs)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sums of ``x`` along ``axis``: ``cumsum([a, b, c]) == [a, a+b, a+b+c]``."""
    return _scan("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running products of ``x`` along ``axis``."""
    return _scan("Cumprod", x, axis, exclusive, reverse, name)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running ``log(sum(exp(x)))`` along ``axis``, without overflow: the log of ``cumsum``
    of ``exp(x)``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print([round(v, 4) for v in sess.run(tf.math.cumulative_logsumexp([0.0, 0.0])).tolist()])
    [0.0, 0.6931]
    """
    return _scan("CumulativeLogsumexp", x, axis, exclusive, reverse, name)
