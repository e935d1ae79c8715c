"""Sampled losses: ``tf.nn.nce_loss`` and ``tf.nn.sampled_softmax_loss``, training a large
softmax layer on a few classes.

Noise-contrastive estimation scores each example's true class against ``num_sampled``
classes drawn once per batch (`teachflow.ops.candidate_sampling_ops`), each logit less
``log Q`` (how often its class was expected to be drawn), and sums the sigmoid
cross-entropies: 1 for the true class, 0 for the sampled ones. The graph is TF's
(``nn_impl._compute_sampled_logits``): one embedding lookup of the true and sampled ids
together, the true logits as row-wise dot products summed by a matmul with ones (whose
gradient is cheaper than ``reduce_sum``'s, TF's reason), the sampled ones as one matmul.
Sampled softmax takes the softmax cross-entropy of the same logits instead. With
``remove_accidental_hits`` a sampled class that is also an example's true class gets
``-FLT_MAX`` added to its logit (``ComputeAccidentalHits`` and a ``SparseToDense``), so it
does not count against that example.

    >>> import teachflow as tf
    >>> weights = tf.ones([10, 3])
    >>> loss = tf.nn.nce_loss(weights, tf.zeros([10]), labels=[[2], [5]],
    ...                       inputs=tf.ones([2, 3]), num_sampled=4, num_classes=10)
    >>> loss.shape
    TensorShape([Dimension(2)])
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import array_ops, math_ops
from teachflow.ops.candidate_sampling_ops import (
    compute_accidental_hits,
    log_uniform_candidate_sampler,
)
from teachflow.ops.identity_ops import stop_gradient
from teachflow.ops.losses import (
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
)
from teachflow.ops.nn_ops import embedding_lookup
from teachflow.ops.sparse_ops import sparse_to_dense

__all__ = ["nce_loss", "sampled_softmax_loss"]


def _sum_rows(x):
    """``reduce_sum(x, 1)`` of a matrix, as a product with a column of ones."""
    cols = array_ops.shape(x)[1]
    ones = array_ops.ones(array_ops.stack([cols, 1]), x.dtype)
    return array_ops.reshape(math_ops.matmul(x, ones), [-1])


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                            num_true=1, sampled_values=None, subtract_log_q=True,
                            remove_accidental_hits=False, partition_strategy="mod", name=None,
                            seed=None):  # fmt: skip
    """Logits ``[batch, num_true + num_sampled]`` (true columns first) and their labels."""
    if isinstance(weights, (list, tuple)):
        weights = list(weights)
    else:
        weights = [weights]
    with name_scope(name, "compute_sampled_logits", weights + [biases, inputs, labels]):
        labels = convert_to_tensor(labels, name="labels")
        inputs = convert_to_tensor(inputs, name="inputs")
        if labels.dtype != dtypes.int64:
            labels = math_ops.cast(labels, dtypes.int64)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(
                true_classes=labels,
                num_true=num_true,
                num_sampled=num_sampled,
                unique=True,
                range_max=num_classes,
                seed=seed,
            )
        # The sampler's outputs are constants of the loss: no gradient flows into them.
        sampled, true_expected_count, sampled_expected_count = (
            stop_gradient(s) for s in sampled_values
        )
        sampled = math_ops.cast(sampled, dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)

        all_w = embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
        if all_w.dtype != inputs.dtype:
            all_w = math_ops.cast(all_w, inputs.dtype)
        # shape(labels_flat)[0] twice, as TF builds it (the graph's names are TF's).
        true_w = array_ops.slice(
            all_w, [0, 0], array_ops.stack([array_ops.shape(labels_flat)[0], -1])
        )
        sampled_w = array_ops.slice(
            all_w, array_ops.stack([array_ops.shape(labels_flat)[0], 0]), [-1, -1]
        )
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)

        all_b = embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_b.dtype != inputs.dtype:
            all_b = math_ops.cast(all_b, inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.shape(labels_flat))
        sampled_b = array_ops.slice(all_b, array_ops.shape(labels_flat), [-1])

        dim = array_ops.shape(true_w)[1:2]
        new_true_w_shape = array_ops.concat([[-1, num_true], dim], 0)
        row_wise_dots = math_ops.multiply(
            array_ops.expand_dims(inputs, 1), array_ops.reshape(true_w, new_true_w_shape)
        )
        dots_as_matrix = array_ops.reshape(row_wise_dots, array_ops.concat([[-1], dim], 0))
        true_logits = array_ops.reshape(_sum_rows(dots_as_matrix), [-1, num_true])
        true_b = array_ops.reshape(true_b, [-1, num_true])
        true_logits += true_b
        sampled_logits += sampled_b

        if remove_accidental_hits:
            sampled_logits += _accidental_hits_mask(labels, sampled, num_true, num_sampled,
                                                    sampled_logits.dtype)  # fmt: skip

        if subtract_log_q:
            true_logits -= math_ops.log(true_expected_count)
            sampled_logits -= math_ops.log(sampled_expected_count)

        out_logits = array_ops.concat([true_logits, sampled_logits], 1)
        # Each example's labels sum to one: 1 / num_true on each true class.
        out_labels = array_ops.concat(
            [
                array_ops.ones_like(true_logits) / num_true,
                array_ops.zeros_like(sampled_logits),
            ],
            1,
        )
        return out_logits, out_labels


def _accidental_hits_mask(labels, sampled, num_true, num_sampled, dtype):
    """``[batch, num_sampled]``: ``-FLT_MAX`` where a sampled class is a true one, else 0."""
    rows, ids, weights = compute_accidental_hits(labels, sampled, num_true=num_true)
    rows_2d = array_ops.reshape(rows, [-1, 1])
    ids_2d = array_ops.reshape(math_ops.cast(ids, dtypes.int32), [-1, 1])
    sparse_indices = array_ops.concat([rows_2d, ids_2d], 1, "sparse_indices")
    shape = array_ops.concat(
        [array_ops.shape(labels)[:1], array_ops.expand_dims(num_sampled, 0)], 0
    )
    if weights.dtype != dtype:
        weights = math_ops.cast(weights, dtype)
    # Unsorted (and, with num_true > 1, possibly repeated) indices: no validation, as TF.
    return sparse_to_dense(sparse_indices, shape, weights, default_value=0.0,
                           validate_indices=False)  # fmt: skip


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):  # fmt: skip
    """The noise-contrastive estimation loss of each example, ``[batch_size]``.

    ``weights`` ``[num_classes, dim]`` and ``biases`` ``[num_classes]`` are the output
    layer, ``labels`` ``[batch_size, num_true]`` the true classes, ``inputs``
    ``[batch_size, dim]`` the examples. ``sampled_values`` is a candidate sampler's
    triple; by default a unique log-uniform sampler draws ``num_sampled`` classes, so
    class ids should be ranks by frequency. ``remove_accidental_hits=True`` masks a
    sampled class that is also a true one (off by default for NCE, as in TF).
    """
    logits, labels = _compute_sampled_logits(
        weights=weights,
        biases=biases,
        labels=labels,
        inputs=inputs,
        num_sampled=num_sampled,
        num_classes=num_classes,
        num_true=num_true,
        sampled_values=sampled_values,
        subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits,
        partition_strategy=partition_strategy,
        name=name,
    )
    sampled_losses = sigmoid_cross_entropy_with_logits(
        labels=labels, logits=logits, name="sampled_losses"
    )
    return _sum_rows(sampled_losses)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True,
                         partition_strategy="mod", name="sampled_softmax_loss",
                         seed=None):  # fmt: skip
    """The softmax cross-entropy of each example over its true and sampled classes.

    Arguments as `nce_loss`'s; ``seed`` seeds the default sampler. Accidental hits are
    removed by default: a sampled class equal to the true one would otherwise be pushed
    down and up at once. Returns ``[batch_size]``. For training only: evaluate with the
    full softmax.

        >>> import teachflow as tf
        >>> loss = tf.nn.sampled_softmax_loss(tf.ones([10, 3]), tf.zeros([10]), [[2], [5]],
        ...                                   tf.ones([2, 3]), num_sampled=4, num_classes=10)
        >>> loss.op.inputs[0].op.type, loss.shape
        ('SoftmaxCrossEntropyWithLogits', TensorShape([Dimension(2)]))
    """
    logits, labels = _compute_sampled_logits(
        weights=weights,
        biases=biases,
        labels=labels,
        inputs=inputs,
        num_sampled=num_sampled,
        num_classes=num_classes,
        num_true=num_true,
        sampled_values=sampled_values,
        subtract_log_q=True,
        remove_accidental_hits=remove_accidental_hits,
        partition_strategy=partition_strategy,
        name=name,
        seed=seed,
    )
    labels = stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
