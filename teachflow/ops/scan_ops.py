"""Scans: running sums and products along one axis (``tf.cumsum``, ``tf.cumprod``).

``exclusive=True`` leaves each element out of its own total (the first becomes the
identity), ``reverse=True`` runs from the end. The axis is an input tensor, checked when
the graph runs.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.cumsum([1, 2, 3], exclusive=True, reverse=True)).tolist())
    [5, 3, 0]
"""

from __future__ import annotations

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import multiply, realdiv
from teachflow.ops.elementwise import INDEX, NUMERIC, check_allowed, make_op

__all__ = ["cumsum", "cumprod"]


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
