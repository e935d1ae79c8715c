"""Streaming metrics of a ranking: how good are a model's top ``k`` classes?

Each example has a set of relevant labels (``labels``: int64 class ids, ``[batch]`` or
``[batch, num_labels]``, ``-1`` or an id out of range for padding) and a score per class
(``predictions``: ``[batch, num_classes]``), or already its top-k class ids
(``predictions_idx``). Per example, ``tf.sets`` gives the counts: true positives are the
top-k ids that are labels (``set_size(set_intersection(top_k, labels))``), false positives
the top-k ids that are not, false negatives the labels outside the top k. TF keeps their
sums in float64 local variables named for the metric (``recall_at_2/true_positive_at_2``)
and divides them; ``class_id`` restricts everything to one class.

* ``recall_at_k``/``recall_at_top_k``: ``tp / (tp + fn)``;
* ``precision_at_k``/``precision_at_top_k``/``sparse_precision_at_k``: ``tp / (tp + fp)``;
* ``average_precision_at_k``/``sparse_average_precision_at_k``: the mean over examples of
  the precision at each rank that holds a label, summed and divided by
  ``min(k, number of labels)``.

    >>> import teachflow as tf
    >>> labels = tf.constant([[0], [2]], tf.int64)
    >>> scores = tf.constant([[0.9, 0.1, 0.0], [0.5, 0.3, 0.2]])
    >>> recall, update = tf.metrics.recall_at_k(labels, scores, k=2)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(sess.run(update))
    0.5

Labels may be dense (padded with ``-1``) or a SparseTensor of each example's labels; a
SparseTensor one rank below the predictions gets its last axis by ``sparse_reshape`` (in a
cond on the ranks, as TensorFlow builds it).
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import add_to_collections, control_dependencies, name_scope
from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue
from teachflow.ops import array_ops, math_ops, state_ops
from teachflow.ops.control_flow_cond import cond
from teachflow.ops.metrics_impl import _collect, metric_variable
from teachflow.ops.set_operation_ops import set_difference, set_intersection, set_size
from teachflow.ops.sparse_join_ops import sparse_concat
from teachflow.ops.sparse_layout_ops import sparse_reshape, sparse_retain
from teachflow.ops.special_math_ops import div_no_nan
from teachflow.ops.top_k_ops import top_k
from teachflow.ops.weights_broadcast_ops import assert_broadcastable, broadcast_weights

__all__ = [
    "average_precision_at_k",
    "precision_at_k",
    "precision_at_top_k",
    "recall_at_k",
    "recall_at_top_k",
    "sparse_average_precision_at_k",
    "sparse_precision_at_k",
]


def _at_k_name(name, k=None, class_id=None):
    name = f"{name}_at_{k}" if k is not None else f"{name}_at_k"
    return name if class_id is None else f"{name}_class{class_id}"


def _tensor_or_sparse(value):
    """A SparseTensor (a fed SparseTensorValue made one) or a Tensor."""
    if isinstance(value, SparseTensorValue):
        return SparseTensor(value.indices, value.values, value.dense_shape)
    return value if isinstance(value, SparseTensor) else convert_to_tensor(value)


def _maybe_expand_labels(labels, predictions):
    """Labels one rank below the predictions get a last axis of size 1 (``expand_labels``)."""
    with name_scope(None, "expand_labels", (labels, predictions)) as scope:
        labels = _tensor_or_sparse(labels)
        if isinstance(labels, SparseTensor):
            return cond(
                math_ops.equal(array_ops.rank(predictions), array_ops.size(labels.dense_shape) + 1),
                lambda: sparse_reshape(
                    labels, shape=array_ops.concat((labels.dense_shape, (1,)), 0), name=scope
                ),
                lambda: labels,
            )
        labels_rank, predictions_rank = labels.shape.ndims, predictions.shape.ndims
        if labels_rank is not None and predictions_rank is not None:
            if predictions_rank == labels_rank:
                return labels
            if predictions_rank == labels_rank + 1:
                return array_ops.expand_dims(labels, -1, name=scope)
            raise ValueError(
                f"Unexpected labels shape {labels.shape} for predictions shape "
                f"{predictions.shape}. Predictions rank should be the same rank as labels "
                "rank or labels rank plus one ."
            )
        return cond(
            math_ops.equal(array_ops.rank(predictions), array_ops.rank(labels) + 1),
            lambda: array_ops.expand_dims(labels, -1, name=scope),
            lambda: labels,
        )


def _select_class_id(ids, selected_id):
    """Only ``selected_id`` of each row of ``ids``: the intersection with a filled row (the
    entries equal to it, for a SparseTensor)."""
    ids = _tensor_or_sparse(ids)
    if isinstance(ids, SparseTensor):
        return sparse_retain(ids, math_ops.equal(ids.values, selected_id))
    ids_shape = array_ops.shape(ids, out_type=dtypes.int64)
    ids_last_dim = array_ops.size(ids_shape) - 1
    filled_selected_id_shape = math_ops.reduced_shape(
        ids_shape, array_ops.reshape(ids_last_dim, [1])
    )
    filled_selected_id = array_ops.fill(
        filled_selected_id_shape, math_ops.cast(selected_id, dtypes.int64)
    )
    result = set_intersection(filled_selected_id, ids)
    return SparseTensor(result.indices, result.values, ids_shape)


def _maybe_select_class_id(labels, predictions_idx, selected_id=None):
    if selected_id is None:
        return labels, predictions_idx
    return _select_class_id(labels, selected_id), _select_class_id(predictions_idx, selected_id)


def _weighted(counts, weights):
    counts = math_ops.cast(counts, dtypes.float64)
    if weights is None:
        return counts
    with control_dependencies((assert_broadcastable(weights, counts),)):
        weights = math_ops.cast(weights, dtypes.float64)
        return math_ops.multiply(counts, weights)


def _sparse_true_positive_at_k(labels, predictions_idx, class_id=None, weights=None, name=None):
    with name_scope(name, "true_positives", (predictions_idx, labels, weights)):
        labels, predictions_idx = _maybe_select_class_id(labels, predictions_idx, class_id)
        tp = set_size(set_intersection(predictions_idx, labels))
        return _weighted(tp, weights)


def _sparse_false_positive_at_k(labels, predictions_idx, class_id=None, weights=None):
    with name_scope(None, "false_positives", (predictions_idx, labels, weights)):
        labels, predictions_idx = _maybe_select_class_id(labels, predictions_idx, class_id)
        fp = set_size(set_difference(predictions_idx, labels, aminusb=True))
        return _weighted(fp, weights)


def _sparse_false_negative_at_k(labels, predictions_idx, class_id=None, weights=None):
    with name_scope(None, "false_negatives", (predictions_idx, labels, weights)):
        labels, predictions_idx = _maybe_select_class_id(labels, predictions_idx, class_id)
        fn = set_size(set_difference(predictions_idx, labels, aminusb=False))
        return _weighted(fn, weights)


def _streaming_count(default_name, count_fn, labels, predictions_idx, k, class_id, weights):
    """A float64 variable named for its scope summing one count, and its ``update``."""
    with name_scope(
        None, _at_k_name(default_name, k, class_id=class_id), (predictions_idx, labels, weights)
    ) as scope:
        counts = count_fn(
            labels=labels, predictions_idx=predictions_idx, class_id=class_id, weights=weights
        )
        batch_total = math_ops.cast(math_ops.reduce_sum(counts), dtypes.float64)
        var = metric_variable([], dtypes.float64, name=scope)
        return var, state_ops.assign_add(var, batch_total, name="update")


def _ratio_at_top_k(
    miss_name,
    miss_fn,
    default_name,
    labels,
    predictions_idx,
    k,
    class_id,
    weights,
    metrics_collections,
    updates_collections,
    name,
):
    """``tp / (tp + misses)`` over every batch: precision (misses are false positives) or
    recall (false negatives)."""
    with name_scope(
        name, _at_k_name(default_name, k, class_id=class_id), (predictions_idx, labels, weights)
    ) as scope:
        labels = _maybe_expand_labels(labels, predictions_idx)
        top_k_idx = math_ops.cast(predictions_idx, dtypes.int64)
        args = (labels, top_k_idx, k, class_id, weights)
        tp, tp_update = _streaming_count("true_positive", _sparse_true_positive_at_k, *args)
        misses, misses_update = _streaming_count(miss_name, miss_fn, *args)
        metric = _collect(
            metrics_collections, math_ops.divide(tp, math_ops.add(tp, misses), name=scope)
        )
        update = math_ops.divide(tp_update, math_ops.add(tp_update, misses_update), name="update")
        return metric, _collect(updates_collections, update)


def recall_at_top_k(
    labels,
    predictions_idx,
    k=None,
    class_id=None,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """Of the labels seen, the fraction among their example's top-k ids ``predictions_idx``:
    ``(recall, update_op)`` (NaN until a label was seen, as in TF)."""
    return _ratio_at_top_k(
        "false_negative",
        _sparse_false_negative_at_k,
        "recall",
        labels,
        predictions_idx,
        k,
        class_id,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def precision_at_top_k(
    labels,
    predictions_idx,
    k=None,
    class_id=None,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """Of the top-k ids ``predictions_idx`` seen, the fraction that are labels of their
    example: ``(precision, update_op)``."""
    return _ratio_at_top_k(
        "false_positive",
        _sparse_false_positive_at_k,
        "precision",
        labels,
        predictions_idx,
        k,
        class_id,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def _from_scores(default_name, at_top_k):
    def metric(
        labels,
        predictions,
        k,
        class_id=None,
        weights=None,
        metrics_collections=None,
        updates_collections=None,
        name=None,
    ):
        with name_scope(
            name, _at_k_name(default_name, k, class_id=class_id), (predictions, labels, weights)
        ) as scope:
            _, top_k_idx = top_k(predictions, k)
            return at_top_k(
                labels=labels,
                predictions_idx=top_k_idx,
                k=k,
                class_id=class_id,
                weights=weights,
                metrics_collections=metrics_collections,
                updates_collections=updates_collections,
                name=scope,
            )

    metric.__name__ = f"{default_name}_at_k"
    metric.__doc__ = (
        f"``{at_top_k.__name__}`` of the ``k`` highest-scoring classes of ``predictions``."
    )
    return metric


recall_at_k = _from_scores("recall", recall_at_top_k)
precision_at_k = _from_scores("precision", precision_at_top_k)
sparse_precision_at_k = precision_at_k


# -- average precision ----------------------------------------------------------------------------
def _expand_and_tile(tensor, multiple, dim=0, name=None):
    """``tensor`` with a new axis before ``dim`` repeated ``multiple`` times (a SparseTensor:
    reshaped, then concatenated ``multiple`` times along the new axis)."""
    with name_scope(name, "expand_and_tile", (tensor, multiple, dim)) as scope:
        tensor = _tensor_or_sparse(tensor)
        if isinstance(tensor, SparseTensor):
            if dim < 0:
                expand_dims = array_ops.reshape(array_ops.size(tensor.dense_shape) + dim, [1])
            else:
                expand_dims = [dim]
            expanded_shape = array_ops.concat(
                (
                    array_ops.slice(tensor.dense_shape, [0], expand_dims),
                    [1],
                    array_ops.slice(tensor.dense_shape, expand_dims, [-1]),
                ),
                0,
                name="expanded_shape",
            )
            expanded = sparse_reshape(tensor, shape=expanded_shape, name="expand")
            if multiple == 1:
                return expanded
            return sparse_concat(dim - 1 if dim < 0 else dim, [expanded] * multiple, name=scope)
        expanded = array_ops.expand_dims(tensor, dim if dim >= 0 else dim - 1, name="expand")
        if multiple == 1:
            return expanded
        ones = array_ops.ones_like(array_ops.shape(tensor))
        tile_multiples = array_ops.concat(
            (ones[:dim], (multiple,), ones[dim:]), 0, name="multiples"
        )
        return array_ops.tile(expanded, tile_multiples, name=scope)


def _num_relevant(labels, k):
    """Per example, ``min(k, its number of labels >= 0)``: AP's denominator."""
    with name_scope(None, "num_relevant", (labels,)) as scope:
        labels = _tensor_or_sparse(labels)
        if isinstance(labels, SparseTensor):  # each example's count of labels
            return math_ops.minimum(set_size(labels), k, name=scope)
        num_labels = math_ops.reduce_sum(
            math_ops.where_v2(
                math_ops.greater_equal(labels, 0),
                array_ops.ones_like(labels),
                array_ops.zeros_like(labels),
            ),
            axis=-1,
        )
        return math_ops.minimum(num_labels, k, name=scope)


def _sparse_average_precision_at_top_k(labels, predictions_idx):
    with name_scope(None, "average_precision", (predictions_idx, labels)) as scope:
        predictions_idx = math_ops.cast(predictions_idx, dtypes.int64, name="predictions_idx")
        if predictions_idx.shape.ndims == 0:
            raise ValueError("The rank of `predictions_idx` must be at least 1.")
        k = predictions_idx.shape.as_list()[-1]
        if k is None:
            raise ValueError(
                "The last dimension of predictions_idx must be set. Currently, it is None."
            )
        labels = _maybe_expand_labels(labels, predictions_idx)
        # One prediction per rank, each against every label: [..., k, 1] vs [..., k, labels].
        predictions_idx_per_k = array_ops.expand_dims(
            predictions_idx, -1, name="predictions_idx_per_k"
        )
        labels_per_k = _expand_and_tile(labels, multiple=k, dim=-1, name="labels_per_k")
        relevant_per_k = _sparse_true_positive_at_k(
            labels_per_k, predictions_idx_per_k, name="relevant_per_k"
        )
        tp_per_k = math_ops.cumsum(relevant_per_k, axis=-1, name="tp_per_k")
        retrieved_per_k = math_ops.cumsum(
            array_ops.ones_like(relevant_per_k), axis=-1, name="retrieved_per_k"
        )
        precision_per_k = math_ops.divide(
            math_ops.cast(tp_per_k, dtypes.float64),
            math_ops.cast(retrieved_per_k, dtypes.float64),
            name="precision_per_k",
        )
        relevant_precision_per_k = math_ops.multiply(
            precision_per_k,
            math_ops.cast(relevant_per_k, dtypes.float64),
            name="relevant_precision_per_k",
        )
        precision_sum = math_ops.reduce_sum(
            relevant_precision_per_k, axis=(-1,), name="precision_sum"
        )
        num_relevant_items = math_ops.cast(_num_relevant(labels, k), dtypes.float64)
        return math_ops.divide(precision_sum, num_relevant_items, name=scope)


def _streaming_sparse_average_precision_at_top_k(
    labels, predictions_idx, weights, metrics_collections, updates_collections, name
):
    with name_scope(
        name, "average_precision_at_top_k", (predictions_idx, labels, weights)
    ) as scope:
        average_precision = _sparse_average_precision_at_top_k(labels, predictions_idx)
        if weights is not None:
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float64), average_precision)
            average_precision = math_ops.multiply(average_precision, weights)
        # Every example's AP is at most 1: "max" sums examples (or their weights).
        with name_scope(None, "max", (average_precision,)) as max_scope:
            max_var = metric_variable([], dtypes.float64, name=max_scope)
            if weights is None:
                batch_max = math_ops.cast(
                    array_ops.size(average_precision, name="batch_max"), dtypes.float64
                )
            else:
                batch_max = math_ops.reduce_sum(weights, name="batch_max")
            max_update = state_ops.assign_add(max_var, batch_max, name="update")
        with name_scope(None, "total", (average_precision,)) as total_scope:
            total_var = metric_variable([], dtypes.float64, name=total_scope)
            batch_total = math_ops.reduce_sum(average_precision, name="batch_total")
            total_update = state_ops.assign_add(total_var, batch_total, name="update")
        mean_average_precision = _collect(
            metrics_collections, div_no_nan(total_var, max_var, name="mean")
        )
        update = div_no_nan(total_update, max_update, name=scope)
        if updates_collections:
            add_to_collections(updates_collections, update)
        return mean_average_precision, update


def _clean_out_of_range_indices(labels, num_classes):
    """Labels ``>= num_classes`` become ``-1`` (ignored), only when some are."""

    def clean_out_of_range(values):
        return math_ops.where_v2(
            math_ops.greater_equal(values, num_classes), -1 * array_ops.ones_like(values), values
        )

    def clean_labels_out_of_range():
        if sparse:
            return SparseTensor(
                labels.indices, clean_out_of_range(labels.values), labels.dense_shape
            )
        return clean_out_of_range(labels)

    sparse = isinstance(labels, SparseTensor)
    max_labels = math_ops.reduce_max(labels.values if sparse else labels)
    return cond(
        math_ops.greater_equal(max_labels, num_classes), clean_labels_out_of_range, lambda: labels
    )


def average_precision_at_k(
    labels,
    predictions,
    k,
    weights=None,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The mean average precision of the ``k`` highest-scoring classes of ``predictions``:
    ``(mean_average_precision, update_op)``."""
    if k < 1:
        raise ValueError(f"Invalid k={k}. `k` should be >= 1.")
    with name_scope(
        name, _at_k_name("average_precision", k), (predictions, labels, weights)
    ) as scope:
        _, predictions_idx = top_k(predictions, k)
        labels = _clean_out_of_range_indices(
            _tensor_or_sparse(labels),
            math_ops.cast(array_ops.shape(predictions)[-1], dtypes.int64),
        )
        return _streaming_sparse_average_precision_at_top_k(
            labels, predictions_idx, weights, metrics_collections, updates_collections, scope
        )


sparse_average_precision_at_k = average_precision_at_k
