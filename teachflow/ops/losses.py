"""Loss ops of ``tf.nn``: cross entropies and the L2 loss.

Softmax cross entropy is one fused op with *two* outputs: the loss per example and its
gradient with respect to the logits (``softmax(logits) - labels``). The kernel computes the
gradient anyway while computing the loss, so backprop just reuses output 1 instead of
building a softmax again — TensorFlow's design, visible in the graph.

    >>> import teachflow as tf
    >>> loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=[[0.0, 1.0]], logits=[[1.0, 1.0]])
    >>> xent = loss.op.inputs[0].op  # between TF's Reshapes to a matrix and back
    >>> xent.type, len(xent.outputs)
    ('SoftmaxCrossEntropyWithLogits', 2)
    >>> with tf.Session() as sess:
    ...     print(sess.run(loss))
    [0.6931472]

Sigmoid cross entropy is not an op but a formula built from ops, arranged so that
``exp`` never overflows: ``max(x, 0) - x * z + log(1 + exp(-|x|))``.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, broadcast_shapes, dimension_value
from teachflow.ops.activation_ops import log_softmax, softmax
from teachflow.ops.nn_ops import FLOATS, apply_op, as_value
from teachflow.ops.random_ops import check_dtype

__all__: list = []


# -- the fused softmax cross-entropy ops -------------------------------------------------------
def _rank2(shape, what):
    if shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {shape.ndims}")
    return shape if shape.ndims == 2 else TensorShape([None, None])


def _infer_xent(op):
    logits, labels = op.inputs
    check_dtype(logits.dtype, FLOATS, "features")
    if labels.dtype.base_dtype is not logits.dtype.base_dtype:
        raise TypeError(
            f"Input 'labels' of 'SoftmaxCrossEntropyWithLogits' Op has type "
            f"{labels.dtype.base_dtype.name} that does not match type "
            f"{logits.dtype.base_dtype.name} of argument 'features'."
        )
    # Labels broadcast against logits (one label row for a whole batch, say).
    both = broadcast_shapes(_rank2(logits.shape, "logits"), _rank2(labels.shape, "labels"))
    dt = logits.dtype.base_dtype
    return [(dt, TensorShape([dimension_value(both[0])])), (dt, both)]


def _log_probs(xp, logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))


def _xent_kernel(op, device):
    xp = device.xp

    def xent(logits, labels):
        log_probs = _log_probs(xp, logits)
        loss = -(labels * log_probs).sum(axis=1)
        backprop = xp.exp(log_probs) - labels
        return loss, backprop

    return xent


def _broadcast_mul(vec, mat):
    """``vec[:, None] * mat``: scale each row's gradient by its loss gradient."""
    from teachflow.ops import array_ops

    return array_ops.expand_dims(vec, -1) * mat


def _is_zero(t):
    if t.op.type in ("ZerosLike", "Zeros"):
        return True
    if t.op.type == "Const":
        return not np.any(t.op._attrs["value"])
    return False


def _xent_grad(op, grad_loss, grad_grad):
    """d loss / d logits = softmax - labels (output 1); d loss / d labels = -log_softmax."""
    from teachflow.ops import math_ops

    logits = op.inputs[0]
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if grad_grad is not None and not _is_zero(grad_grad):
        # Someone differentiated the backprop output too: add the softmax Jacobian term.
        s = softmax(logits)
        grad += (grad_grad - math_ops.reduce_sum(grad_grad * s, -1, keepdims=True)) * s
    return [grad, _broadcast_mul(grad_loss, -log_softmax(logits))]


registry.register("SoftmaxCrossEntropyWithLogits", _infer_xent, _xent_kernel, grad=_xent_grad)


def _infer_sparse_xent(op):
    logits, labels = op.inputs
    check_dtype(logits.dtype, FLOATS, "features")
    check_dtype(labels.dtype, (dtypes.int32, dtypes.int64), "labels")
    logits_shape = _rank2(logits.shape, "logits")
    if labels.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {labels.shape.ndims}")
    batch = TensorShape([dimension_value(logits_shape[0])]).merge_with(labels.shape.with_rank(1))
    dt = logits.dtype.base_dtype
    return [
        (dt, batch),
        (dt, TensorShape([dimension_value(batch[0]), dimension_value(logits_shape[1])])),
    ]


def _sparse_xent_kernel(op, device):
    from teachflow.ops.array_ops import to_host

    xp = device.xp

    def sparse_xent(logits, labels):
        batch, classes = logits.shape
        if labels.shape[0] != batch:
            raise errors.InvalidArgumentError(
                None,
                None,
                "logits and labels must have the same first dimension, got logits "
                f"shape [{batch},{classes}] and labels shape [{labels.shape[0]}]",
            )
        # Labels are checked on the host (TF keeps small index tensors in host memory).
        host_labels = to_host(labels)
        bad = (host_labels < 0) | (host_labels >= classes)
        if bad.any():
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Received a label value of {host_labels[bad][0]} which is outside the valid "
                f"range of [0, {classes}).  Label values: {' '.join(str(v) for v in host_labels)}",
            )
        log_probs = _log_probs(xp, logits)
        rows = xp.arange(batch)
        loss = -log_probs[rows, labels]
        backprop = xp.exp(log_probs)
        backprop[rows, labels] -= 1
        return loss, backprop

    return sparse_xent


def _sparse_xent_grad(op, grad_loss, grad_grad):
    # Labels are class indices: they have no gradient.
    return [_broadcast_mul(grad_loss, op.outputs[1]), None]


registry.register(
    "SparseSoftmaxCrossEntropyWithLogits",
    _infer_sparse_xent,
    _sparse_xent_kernel,
    grad=_sparse_xent_grad,
)


def _ensure_xent_args(name, sentinel, labels, logits):
    # TF1 made these functions keyword-only by a sentinel first argument.
    if sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., ...)")
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")


def _move_axis_to_end(t, axis):
    from teachflow.ops import array_ops

    rank = t.shape.ndims
    perm = [i for i in range(rank) if i != axis % rank] + [axis % rank]
    return array_ops.transpose(t, perm)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Cross entropy between ``labels`` (a distribution per row) and ``softmax(logits)``:
    ``-sum(labels * log_softmax(logits), axis)``. Gradients flow into both arguments.

    Raises ValueError at graph construction when the class dimensions differ.

        >>> import teachflow as tf
        >>> tf.nn.softmax_cross_entropy_with_logits_v2(labels=[[1.0, 0.0]], logits=[[2.0, 1.0]]).shape
        TensorShape([Dimension(1)])
    """
    from teachflow.ops import array_ops, math_ops

    axis = axis if axis is not None else (dim if dim is not None else -1)
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        # float16 logits lose too much in exp/log: the op runs in float32.
        to_float32 = logits.dtype.base_dtype is dtypes.float16
        precise = math_ops.cast(logits, dtypes.float32) if to_float32 else logits
        labels = math_ops.cast(labels, precise.dtype.base_dtype)
        input_rank = array_ops.rank(precise)
        shape = logits.shape
        if shape.ndims is not None and axis not in (-1, shape.ndims - 1):
            precise, labels = _move_axis_to_end(precise, axis), _move_axis_to_end(labels, axis)
        # As TF, whatever the rank: fold every leading dimension into the batch (the op
        # takes matrices) and reshape the cost back to the leading dimensions.
        input_shape = array_ops.shape(precise)
        precise, labels = _flatten_outer_dims(precise), _flatten_outer_dims(labels)
        cost = apply_op(
            "SoftmaxCrossEntropyWithLogits",
            scope,
            [("features", precise, None), ("labels", labels, None)],
        ).outputs[0]
        output_shape = array_ops.slice(input_shape, [0], [math_ops.subtract(input_rank, 1)])
        cost = array_ops.reshape(cost, output_shape)
        if shape.ndims is not None:
            dims = shape.as_list()
            del dims[axis]
            cost.set_shape(dims)
        return math_ops.cast(cost, dtypes.float16) if to_float32 else cost


def _flatten_outer_dims(t):
    """``t`` as a matrix ``[-1, last dimension]``, built as TF's ``_flatten_outer_dims``
    (Rank, Shape, Slice, ConcatV2, Reshape), with the static shape it can know."""
    from teachflow.ops import array_ops, math_ops

    rank = array_ops.rank(t)
    last_dim_size = array_ops.slice(array_ops.shape(t), [math_ops.subtract(rank, 1)], [1])
    output = array_ops.reshape(t, array_ops.concat([[-1], last_dim_size], 0))
    dims = t.shape.as_list() if t.shape.ndims is not None else None
    if dims and None not in dims[:-1]:
        output.set_shape([int(np.prod(dims[:-1], dtype=np.int64)), dims[-1]])
    return output


def softmax_cross_entropy_with_logits(
    _sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None
):
    """TF1's softmax cross entropy: like the ``_v2`` function, but no gradient flows into
    ``labels`` (they pass through ``stop_gradient``). Call it with keyword arguments.

        >>> import teachflow as tf
        >>> tf.nn.softmax_cross_entropy_with_logits(labels=[[1.0, 0.0]], logits=[[2.0, 1.0]]).op.name
        'softmax_cross_entropy_with_logits_sg/Reshape_2'
    """
    from teachflow.ops import array_ops

    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    axis = axis if axis is not None else dim
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis, name=scope)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross entropy when each row has one correct class: ``labels`` are int32/int64 class
    indices (shape = logits' shape without the last axis).

    Raises ValueError for a rank or shape mismatch; running it with a label outside
    ``[0, num_classes)`` raises InvalidArgumentError.

        >>> import teachflow as tf
        >>> tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=[[2.0, 1.0]]).op.name
        'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits'
    """
    from teachflow.ops import array_ops, math_ops

    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        to_float32 = logits.dtype.base_dtype is dtypes.float16
        precise = math_ops.cast(logits, dtypes.float32) if to_float32 else logits
        label_shape, logit_shape = labels.shape, logits.shape
        # TF takes the labels' shape first, even where it ends up unused (rank-2 logits).
        labels_shape = array_ops.shape(labels)
        if logit_shape.ndims == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {logit_shape}.")
        if (
            logit_shape.ndims is not None
            and label_shape.ndims is not None
            and label_shape.ndims != logit_shape.ndims - 1
        ):
            raise ValueError(
                f"Rank mismatch: Rank of labels (received {label_shape.ndims}) should equal rank "
                f"of logits minus 1 (received {logit_shape.ndims})."
            )
        if (
            label_shape.ndims is not None
            and logit_shape.ndims is not None
            and not label_shape.is_compatible_with(logit_shape[:-1])
        ):
            raise ValueError(
                f"Shape mismatch: The shape of labels (received {label_shape}) should equal the "
                f"shape of logits except for the last dimension (received {logit_shape})."
            )
        args = [("features", precise, None), ("labels", labels, None)]
        if logit_shape.ndims == 2:
            cost = apply_op("SparseSoftmaxCrossEntropyWithLogits", name, args).outputs[0]
        else:
            num_classes = array_ops.shape(logits)[array_ops.rank(logits) - 1]
            flat_logits = array_ops.reshape(precise, [-1, num_classes])
            flat_labels = array_ops.reshape(labels, [-1])
            cost = apply_op(
                "SparseSoftmaxCrossEntropyWithLogits",
                name,
                [("features", flat_logits, None), ("labels", flat_labels, None)],
            ).outputs[0]
            cost = array_ops.reshape(cost, labels_shape)
            cost.set_shape(label_shape)
        return math_ops.cast(cost, dtypes.float16) if to_float32 else cost


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss for independent binary labels ``z`` in [0, 1]:
    ``max(x, 0) - x * z + log(1 + exp(-abs(x)))``, which equals
    ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))`` but never overflows.

        >>> import teachflow as tf
        >>> tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0]).op.name
        'logistic_loss'
    """
    from teachflow.ops import array_ops, math_ops

    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(
                "`logits` and `labels` must have the same shape, received "
                f"({logits.shape} vs {labels.shape})."
            )
        zeros = array_ops.zeros_like(logits, dtype=logits.dtype.base_dtype)
        cond = logits >= zeros
        relu_logits = math_ops.where(cond, logits, zeros)
        neg_abs_logits = math_ops.where(cond, -logits, logits)
        return math_ops.add(
            relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope
        )


def weighted_cross_entropy_with_logits(
    labels=None, logits=None, pos_weight=None, name=None, targets=None
):
    """Sigmoid cross entropy with the positive term weighted by ``pos_weight``:
    ``(1 - z) x + (1 + (q - 1) z) log(1 + exp(-x))``, written to avoid overflow.

        >>> import teachflow as tf
        >>> tf.nn.weighted_cross_entropy_with_logits(labels=[1.0], logits=[0.0], pos_weight=2.0).op.name
        'logistic_loss'
    """
    from teachflow.ops import activation_ops, math_ops

    labels = labels if labels is not None else targets
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(
                "`logits` and `labels` must have the same shape, received "
                f"({logits.shape} vs {labels.shape})."
            )
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add(
            (1 - labels) * logits,
            log_weight
            * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) + activation_ops.relu(-logits)),
            name=scope,
        )


# -- L2 loss -----------------------------------------------------------------------------------------
def _infer_l2_loss(op):
    check_dtype(op.inputs[0].dtype, FLOATS, "t")
    return [(op.inputs[0].dtype.base_dtype, TensorShape([]))]


def _l2_loss_kernel(op, device):
    xp = device.xp

    def l2_loss_value(t):
        return as_value(xp.square(t).sum(dtype=t.dtype) / t.dtype.type(2))

    return l2_loss_value


registry.register(
    "L2Loss", _infer_l2_loss, _l2_loss_kernel, grad=lambda op, grad: [op.inputs[0] * grad]
)


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2``: half the squared L2 norm, a scalar (weight decay's penalty).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.l2_loss([1.0, 2.0])))
    2.5
    """
    return apply_op("L2Loss", name, [("t", t, None)]).outputs[0]
