"""The CTC loss: op ``CTCLoss`` and ``tf.nn.ctc_loss`` (TF1's, on a SparseTensor of labels).

Connectionist temporal classification scores a label sequence against per-frame class
scores without an alignment: it sums the probability of every frame-by-frame path that
collapses to the labels (repeats merged, blanks — the last class — removed). The sum is
Graves' forward-backward recursion over the labels with a blank before, between and after
them (``l'``, ``2U + 1`` states), in log space: ``alpha`` forward, ``beta`` backward,
``loss = -log p(labels | inputs)``. TensorFlow's kernel returns the gradient with respect
to the logits with the loss (``softmax - posterior of each class``), so the gradient
function only scales it; a second derivative is refused (``PreventGradient``).

The recursion runs over time (each step depends on the last) and over the batch; each
step is one whole-vector update of every state, as in TF's
``tensorflow/core/util/ctc/ctc_loss_calculator.h``.

    >>> import teachflow as tf
    >>> labels = tf.SparseTensor([[0, 0]], [1], [1, 1])
    >>> loss = tf.nn.ctc_loss(labels, tf.zeros([2, 1, 3]), [2])
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(loss)[0]), 4))  # -log(3/9): paths 1-, -1, 11
    1.0986
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.elementwise import check_allowed

__all__ = ["ctc_loss"]


def log_sum_exp(a, b):
    """TF's ``LogSumExp`` of two log probabilities (-inf is log 0), elementwise."""
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        out = hi + np.log1p(np.exp(lo - hi))
    return np.where(a == -np.inf, b, np.where(b == -np.inf, a, out)).astype(a.dtype)


def _l_prime(label, num_classes, collapse, b):
    """The labels with blanks around each (TF's ``PopulateLPrimes`` checks included)."""
    blank = num_classes - 1
    kept, finished = [], False
    for i, value in enumerate(label):
        if i == 0 or not collapse or value != label[i - 1]:
            if value >= num_classes - 1:
                finished = True
            elif finished:
                raise errors.InvalidArgumentError(
                    None, None,
                    "Saw a non-null label (index >= num_classes - 1) following a null label, "
                    f"batch: {b} num_classes: {num_classes} labels: "
                    f"{','.join(map(str, label))} labels seen so far: {','.join(map(str, kept))}",
                )  # fmt: skip
            else:
                kept.append(int(value))
    for value in kept:
        if value < 0:
            raise errors.InvalidArgumentError(
                None, None,
                f"All labels must be nonnegative integers, batch: {b} labels: "
                f"{','.join(map(str, kept))}",
            )  # fmt: skip
    prime = [blank] * (2 * len(kept) + 1)
    prime[1::2] = kept
    return np.asarray(prime, np.int64)


def _allowed(prime, blank, merge):
    """Which transitions each state takes: from itself, and from two states back."""
    stay = np.full(len(prime), True) if merge else prime == blank
    skip = np.zeros(len(prime), bool)
    skip[2:] = (prime[2:] != blank) & ~(merge & (prime[2:] == prime[:-2]))
    return stay, skip


def _forward(log_y, prime, stay, skip):
    u_count, t_count = len(prime), log_y.shape[0]
    zero = log_y.dtype.type(-np.inf)
    alpha = np.full((u_count, t_count), zero, log_y.dtype)
    alpha[0, 0] = log_y[0, prime[0]]
    if u_count > 1:
        alpha[1, 0] = log_y[0, prime[1]]
    states = np.arange(u_count)
    for t in range(1, t_count):
        prev = alpha[:, t - 1]
        total = np.where(stay, prev, zero)
        total[1:] = log_sum_exp(total[1:], prev[:-1])
        total[2:] = np.where(skip[2:], log_sum_exp(total[2:], prev[:-2]), total[2:])
        live = (states >= max(0, u_count - 2 * (t_count - t))) & (states < 2 * (t + 1))
        alpha[:, t] = np.where(live, log_y[t, prime] + total, zero)
    return alpha


def _backward(log_y, prime, stay, skip):
    u_count, t_count = len(prime), log_y.shape[0]
    zero = log_y.dtype.type(-np.inf)
    beta = np.full((u_count, t_count), zero, log_y.dtype)
    beta[max(u_count - 2, 0) :, t_count - 1] = 0
    states = np.arange(u_count)
    for t in range(t_count - 2, -1, -1):
        ahead = beta[:, t + 1] + log_y[t + 1, prime]
        total = np.where(stay, ahead, zero)
        total[:-1] = log_sum_exp(total[:-1], ahead[1:])
        total[:-2] = np.where(skip[2:], log_sum_exp(total[:-2], ahead[2:]), total[:-2])
        live = (states >= max(0, u_count - 2 * (t_count - t))) & (states < 2 * (t + 1))
        beta[:, t] = np.where(live, total, zero)
    return beta


def _one_sequence(x, prime, merge):
    """Loss and gradient of one batch item's ``x [time, classes]`` (its own length)."""
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    y = shifted / shifted.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_y = np.log(y)
    stay, skip = _allowed(prime, x.shape[1] - 1, merge)
    alpha, beta = _forward(log_y, prime, stay, skip), _backward(log_y, prime, stay, skip)
    both = alpha + beta
    log_p = y.dtype.type(-np.inf)
    for u in range(len(prime)):
        log_p = log_sum_exp(np.asarray(log_p), np.asarray(both[u, 0]))[()]
    if log_p == -np.inf:  # no valid path: TF's kernel returns y itself
        return -log_p, y
    by_class = np.full(x.shape[::-1], -np.inf, x.dtype)  # [classes, time]
    for u, label in enumerate(prime):
        by_class[label] = log_sum_exp(by_class[label], both[u])
    return -log_p, y - np.exp(by_class - log_p).T


def _ctc_loss_kernel(op, device):
    a = op._attrs
    collapse, merge = bool(a["preprocess_collapse_repeated"]), bool(a["ctc_merge_repeated"])
    ignore_longer = bool(a["ignore_longer_outputs_than_inputs"])

    def ctc_loss(inputs, indices, values, seq_len):
        if inputs.ndim != 3:
            raise errors.InvalidArgumentError(None, None, "inputs is not a 3-Tensor")
        max_time, batch, num_classes = inputs.shape
        if len(seq_len) != batch:
            raise errors.InvalidArgumentError(
                None, None, f"len(sequence_length) != batch_size.  len(sequence_length):  "
                f"{len(seq_len)} batch_size: {batch}"
            )  # fmt: skip
        loss = np.zeros(batch, inputs.dtype)
        grad = np.zeros(inputs.shape, inputs.dtype)
        for b in range(batch):
            if not 0 <= seq_len[b] <= max_time:
                bad = f"seq_len({b}) < 0" if seq_len[b] < 0 else f"seq_len({b}) > num_time_steps"
                raise errors.InvalidArgumentError(None, None, bad)
        for b in range(batch):
            label = values[indices[:, 0] == b].tolist()
            if not label:
                raise errors.InvalidArgumentError(None, None, f"Labels length is zero in batch {b}")
            prime = _l_prime(label, num_classes, collapse, b)
            if not ignore_longer and len(label) > seq_len[b]:
                raise errors.InvalidArgumentError(
                    None, None,
                    f"Not enough time for target transition sequence (required: {len(label)}, "
                    f"available: {seq_len[b]}){b}You can turn this error into a warning by "
                    "using the flag ignore_longer_outputs_than_inputs",
                )  # fmt: skip
            if seq_len[b] == 0 or (ignore_longer and len(label) > seq_len[b]):
                continue  # zero loss, zero gradient
            t = int(seq_len[b])
            loss[b], grad[:t, b] = _one_sequence(inputs[:t, b], prime, merge)
        return loss, grad

    return ctc_loss


def _infer_ctc_loss(op):
    x, indices, values, seq_len = op.inputs
    dt = check_allowed(x, (dtypes.float32, dtypes.float64), "inputs")
    shape = x.shape
    if shape.ndims is not None and shape.ndims != 3:
        raise ValueError(
            f"Shape must be rank 3 but is rank {shape.ndims} for '{op.name}' (op: 'CTCLoss')"
        )
    batch = dimension_value(shape[1]) if shape.ndims == 3 else None
    return [(dt, TensorShape([batch])), (dt, shape if shape.ndims else TensorShape([None] * 3))]


def _ctc_loss_grad(op, grad_loss, _):
    from teachflow.ops import array_ops
    from teachflow.ops.prevent_gradient_ops import prevent_gradient

    grad_without_gradient = prevent_gradient(
        op.outputs[1],
        message="Currently there is no way to take the second  derivative of ctc_loss due to "
        "the fused implementation's interaction  with tf.gradients()",
    )
    # TF's _BroadcastMul: each item's loss gradient times its [time, classes] slice.
    return [array_ops.expand_dims(grad_loss, -1) * grad_without_gradient, None, None, None]


registry.register(
    "CTCLoss", _infer_ctc_loss, kernels={"CPU": _ctc_loss_kernel}, grad=_ctc_loss_grad,
    cheap=False,
)  # fmt: skip


def ctc_loss(
    labels,
    inputs=None,
    sequence_length=None,
    preprocess_collapse_repeated=False,
    ctc_merge_repeated=True,
    ignore_longer_outputs_than_inputs=False,
    time_major=True,
    logits=None,
):
    """The CTC loss of each batch item: ``-log p(labels | inputs)`` for logits ``inputs``
    ``[max_time, batch, num_classes]`` (``[batch, max_time, ...]`` unless ``time_major``),
    int32 ``labels`` as a SparseTensor ``[batch, max_label_len]`` and ``sequence_length``
    ``[batch]``. The last class is the blank. Raises TypeError when labels is not sparse;
    InvalidArgumentError at run time when a sequence is too short for its labels.

        >>> import teachflow as tf
        >>> labels = tf.SparseTensor([[0, 0], [0, 1]], [0, 1], [1, 2])
        >>> tf.nn.ctc_loss(labels, tf.zeros([5, 1, 3]), [5]).op.type
        'CTCLoss'
    """
    from teachflow.ops import array_ops, math_ops

    if not isinstance(labels, SparseTensor):
        raise TypeError(
            "Expected argument `labels` to be a SparseTensor. Received labels="
            f"{labels} of type: {type(labels).__name__}"
        )
    inputs = logits if logits is not None else inputs
    inputs = convert_to_tensor(inputs, name="logits")
    if not time_major:
        inputs = array_ops.transpose(inputs, [1, 0, 2])  # (B,T,N) => (T,B,N)
    orig_dtype = inputs.dtype.base_dtype
    if orig_dtype is dtypes.float16:
        inputs = math_ops.cast(inputs, dtypes.float32)
    graph = inputs.graph
    from teachflow.framework.scopes import name_scope

    with name_scope(None, "CTCLoss") as scope:
        values = convert_to_tensor(labels.values, dtypes.int32, name="labels_values")
        seq = convert_to_tensor(sequence_length, dtypes.int32, name="sequence_length")
        attrs = {
            "preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
            "ctc_merge_repeated": bool(ctc_merge_repeated),
            "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs),
            "T": inputs.dtype.base_dtype,
        }
        op = graph.create_op("CTCLoss", [inputs, labels.indices, values, seq], attrs, name=scope)
    loss = op.outputs[0]
    if orig_dtype is dtypes.float16:
        loss = math_ops.cast(loss, orig_dtype)
    return loss
