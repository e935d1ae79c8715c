"""Gradients through a v1 ``tf.cond``: TF1's rules for Switch and Merge.

The gradient graph of a cond is a cond too, run backwards. The gradient of a ``Merge``
is a ``Switch`` of the incoming gradient on the cond's pred (``Merge_grad/cond_grad``):
only the branch that ran gets it, the other branch's gradient ops are dead. The gradient of
a ``Switch`` is a ``Merge`` of its two outputs' gradients (``Switch_grad/cond_grad``); the
output whose branch did not use it gets zeros built behind a fresh Switch on the pred
(``gradients/Switch``, ``gradients/zeros``), so that they are live exactly when the other
branch ran.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [])
    >>> y = tf.cond(x > 0.0, lambda: x * x, lambda: 3.0 * x)
    >>> g = tf.gradients(y, x)[0]
    >>> with tf.Session() as sess:
    ...     print(sess.run(g, {x: 2.0}), sess.run(g, {x: -2.0}))
    4.0 3.0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.scopes import control_dependencies
from teachflow.ops.cond_context import CondContext
from teachflow.ops.control_flow_primitives import merge, switch, switch_ref_or_tensor


def _output_context(op):
    """The context an op's outputs live in (TF's ``GetOutputContext``)."""
    return op._control_flow_context


def merge_grad(op, grad):
    ctx = _output_context(op.inputs[0].op)
    if isinstance(ctx, CondContext):
        return list(switch_ref_or_tensor(grad, ctx.pred, name="cond_grad"))
    from teachflow.ops.comparison_ops import equal

    # A Merge outside any cond: each input gets the gradient when it was the one chosen.
    conds = [equal(op.outputs[1], i) for i in range(len(op.inputs))]
    return [switch(grad, c)[1] for c in conds]


def switch_grad(op, grad_false, grad_true):
    ctx = op._control_flow_context
    grads = (grad_false, grad_true)
    if isinstance(ctx, CondContext):
        if grads[1 - ctx.branch] is None:
            return [None, None]  # nothing trainable flowed on the other side
        return [merge(list(grads), name="cond_grad")[0], None]
    false_grad = switch(grad_false, op.inputs[1])[0]
    true_grad = switch(grad_true, op.inputs[1])[1]
    return [merge([false_grad, true_grad])[0], None]


def zeros_like_output(op, index):
    """Zeros for output ``index`` of ``op`` that no gradient reached (TF's
    ``ZerosLikeOutsideLoop``): for a Switch of a cond branch, zeros that are live exactly
    when that output is, so the Switch's gradient Merge has one live input."""
    from teachflow.ops import array_ops

    val = op.outputs[index]
    ctx = op._control_flow_context
    if op.type not in ("Switch", "RefSwitch") or not isinstance(ctx, CondContext):
        return array_ops.zeros_like(val, optimize=False)
    switch_val = switch(op.inputs[0], ctx.pred)[1 - ctx.branch]
    pivot = array_ops.identity(switch_val)
    # A Shape op even for a known shape (TF's shape_internal(optimize=False)): a constant
    # would be live on both branches.
    zeros_shape = switch_val.graph.create_op(
        "Shape", [switch_val], {"T": switch_val.dtype.base_dtype, "out_type": dtypes.int32}
    ).outputs[0]
    with control_dependencies([pivot]):
        return array_ops.zeros(zeros_shape, dtype=val.dtype.base_dtype)
