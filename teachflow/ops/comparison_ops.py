"""Comparisons, logic and selection: ops whose results are, or are chosen by, booleans.

``tf.less(x, y)`` broadcasts like arithmetic and yields a bool tensor; ``tf.where`` has
TF1's two meanings: with ``x`` and ``y`` it picks elementwise (the ``Select`` op, whose
condition may also be a vector choosing whole rows), with only a condition it returns
the int64 coordinates of its true elements (the ``Where`` op, shape ``[N, rank]``).

    >>> import teachflow as tf
    >>> c = tf.constant([True, False])
    >>> tf.where(c, tf.constant([1, 2]), tf.constant([3, 4])).op.type, tf.where(c).shape
    ('Select', TensorShape([Dimension(None), Dimension(1)]))
"""

from __future__ import annotations

import operator

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import broadcast_all, check_same_dtype
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import (
    EVERY,
    NUMERIC,
    binary,
    broadcast_of,
    check_bool,
    convert_like,
    kernel_of,
    make_op,
    reduce_to_shape,
)

__all__ = [
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "where",
    "where_v2",
]

# -- comparisons: any broadcastable pair of one dtype -> bool ----------------------------
_COMPARISONS = (
    ("Equal", EVERY, np.equal),
    ("NotEqual", EVERY, np.not_equal),
    ("Less", NUMERIC, operator.lt),
    ("LessEqual", NUMERIC, operator.le),
    ("Greater", NUMERIC, operator.gt),
    ("GreaterEqual", NUMERIC, operator.ge),
)
for _type, _allowed, _fn in _COMPARISONS:
    registry.register(
        _type, broadcast_of(_allowed, dtypes.bool_), kernel_of(_fn), not_differentiable=True
    )


def equal(x, y, name=None):
    """Elementwise ``x == y`` as a bool tensor (``==`` on Tensors compares identity)."""
    return binary("Equal", x, y, name)


def not_equal(x, y, name=None):
    return binary("NotEqual", x, y, name)


def less(x, y, name=None):
    """Elementwise ``x < y``; also what ``x < y`` on Tensors builds."""
    return binary("Less", x, y, name)


def less_equal(x, y, name=None):
    return binary("LessEqual", x, y, name)


def greater(x, y, name=None):
    return binary("Greater", x, y, name)


def greater_equal(x, y, name=None):
    return binary("GreaterEqual", x, y, name)


# -- logic: bool inputs only -------------------------------------------------------------
def _infer_logical(op):
    for t, param in zip(op.inputs, ("x", "y")):
        check_bool(op, t, param)
    return [(dtypes.bool_, broadcast_all(op))]


registry.register("LogicalAnd", _infer_logical, kernel_of(np.logical_and), not_differentiable=True)
registry.register("LogicalOr", _infer_logical, kernel_of(np.logical_or), not_differentiable=True)
registry.register("LogicalNot", _infer_logical, kernel_of(np.logical_not), not_differentiable=True)


def logical_and(x, y, name=None):
    """Elementwise AND of two bool tensors (``x & y``)."""
    return binary("LogicalAnd", x, y, name)


def logical_or(x, y, name=None):
    return binary("LogicalOr", x, y, name)


def logical_not(x, name=None):
    """Elementwise NOT of a bool tensor (``~x``)."""
    x = convert_to_tensor(x, name="x")
    return make_op("LogicalNot", [x], name or "LogicalNot")


def logical_xor(x, y, name="LogicalXor"):
    """``(x | y) & ~(x & y)``: TensorFlow builds xor from three ops, not one."""
    with name_scope(name, "LogicalXor", [x, y]) as scope:
        either = logical_or(x, y)
        both = logical_and(x, y)
        return binary("LogicalAnd", either, logical_not(both), scope)


# -- selection ---------------------------------------------------------------------------
def merge_shapes(a, b):
    """Two shapes that must be equal; TensorFlow's messages when they are not."""
    if a.ndims is None or b.ndims is None:
        return a if b.ndims is None else b
    if a.ndims != b.ndims:
        raise ValueError(f"Shapes must be equal rank, but are {a.ndims} and {b.ndims}")
    for i, (da, db) in enumerate(zip(a.as_list(), b.as_list())):
        if da is not None and db is not None and da != db:
            raise ValueError(
                f"Dimension {i} in both shapes must be equal, but are {da} and {db}. "
                f"Shapes are {_text(a)} and {_text(b)}."
            )
    return a.merge_with(b)


def _text(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def _check_select_dtypes(op):
    cond, t, e = op.inputs
    check_bool(op, cond, "condition")
    if e.dtype.base_dtype is not t.dtype.base_dtype:
        raise TypeError(
            f"Input 'e' of '{op.type}' Op has type {e.dtype.base_dtype.name} that does not "
            f"match type {t.dtype.base_dtype.name} of argument 't'."
        )
    return t.dtype.base_dtype


def _infer_select(op):
    dt = _check_select_dtypes(op)
    cond, t, e = op.inputs
    shape = merge_shapes(t.shape, e.shape)
    # TF1's condition: a scalar, a vector picking rows (of a matrix or more), or the
    # full shape. A vector against a tensor of unknown rank could be either.
    rank = cond.shape.ndims
    if rank == 1:
        if shape.ndims == 1:
            shape = merge_shapes(shape, cond.shape)
        elif shape.ndims is not None:
            merge_shapes(cond.shape, shape[:1])
    elif rank is not None and rank > 1:
        shape = merge_shapes(shape, cond.shape)
    return [(dt, shape)]


def _select_kernel(op, device):
    xp = device.xp

    def select(cond, t, e):
        if xp.ndim(cond) == 1 and xp.ndim(t) > 1:
            if cond.shape[0] != t.shape[0]:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "Number of batches of 'then' must match size of 'cond', but saw: "
                    f"{t.shape[0]} vs. {cond.shape[0]}",
                )
            cond = cond.reshape((-1,) + (1,) * (t.ndim - 1))
        elif xp.ndim(cond) != 0 and not (xp.shape(cond) == xp.shape(t) == xp.shape(e)):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Inputs to operation {op.name} of type Select must have the same size and "
                f"shape.  Input 0: {_dims(cond)} != input 1: {_dims(t)}",
            )
        return _scalar_if_0d(xp.where(cond, t, e))

    return select


def _dims(value):
    return "[" + ",".join(str(d) for d in np.shape(value)) + "]"


def _scalar_if_0d(value):
    # np.where returns a 0-d array for scalar inputs; a runtime 0-d value is a scalar.
    return value[()] if value.ndim == 0 else value


def _select_grad(op, grad):
    from teachflow.ops import array_ops

    cond = op.inputs[0]
    zeros = array_ops.zeros_like(grad)
    return [None, where(cond, grad, zeros), where(cond, zeros, grad)]


def _infer_select_v2(op):
    dt = _check_select_dtypes(op)
    return [(dt, broadcast_all(op))]


def _select_v2_kernel(op, device):
    xp = device.xp
    return lambda cond, t, e: _scalar_if_0d(xp.where(cond, t, e))


def _select_v2_grad(op, grad):
    from teachflow.ops import array_ops

    cond, t, e = op.inputs
    zeros = array_ops.zeros_like(grad)
    gt = reduce_to_shape(where_v2(cond, grad, zeros), t)
    ge = reduce_to_shape(where_v2(cond, zeros, grad), e)
    return [None, gt, ge]


registry.register("Select", _infer_select, _select_kernel, grad=_select_grad)
registry.register("SelectV2", _infer_select_v2, _select_v2_kernel, grad=_select_v2_grad)


def _infer_where(op):
    check_same_dtype(op)
    rank = op.inputs[0].shape.ndims
    return [(dtypes.int64, TensorShape([None, rank]))]


def _where_kernel(op, device):
    xp = device.xp

    def where_true(cond):
        if xp.ndim(cond) == 0:
            raise errors.InvalidArgumentError(None, None, "WhereOp : Unhandled input dimensions: 0")
        return xp.argwhere(cond).astype(np.int64)

    return where_true


registry.register("Where", _infer_where, _where_kernel, not_differentiable=True)


def where(condition, x=None, y=None, name=None):
    """TF1's ``tf.where``: elementwise choice, or the coordinates of true elements.

    With ``x`` and ``y`` (same shape and dtype) the result takes ``x`` where
    ``condition`` is true and ``y`` elsewhere; ``condition`` may also be a scalar or a
    vector as long as ``x``'s first dimension. With neither, the result is an int64
    ``[N, rank(condition)]`` tensor of the indices of the true elements.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.where([[True, False], [False, True]])).tolist())
        [[0, 0], [1, 1]]
    """
    if x is None and y is None:
        with name_scope(name, "Where", [condition]) as scope:
            condition = convert_to_tensor(condition, preferred_dtype=dtypes.bool_, name="condition")
            return make_op("Where", [condition], scope, {"T": condition.dtype.base_dtype})
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return _select("Select", condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None):
    """``tf.where`` of TF2: ``condition``, ``x`` and ``y`` broadcast together."""
    if x is None and y is None:
        return where(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return _select("SelectV2", condition, x, y, name)


def _select(op_type, condition, x, y, name):
    with name_scope(name, op_type, [condition, x, y]) as scope:
        condition = convert_to_tensor(condition, name="condition")
        x = convert_to_tensor(x, name="t")
        y = convert_like(y, x.dtype, op_type, ("t", "e"))
        return make_op(op_type, [condition, x, y], scope, {"T": x.dtype.base_dtype})
