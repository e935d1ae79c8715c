"""``tf.nn.safe_embedding_lookup_sparse``: `embedding_lookup_sparse` made safe for the
inputs a real feature column brings.

Ids below 0 (and, unless the combiner is "sum", weights <= 0) are dropped; a row left
without ids gives zeros (or the embedding of ``default_id``); ids of any rank ``[d0, ...,
dn, k]`` give ``[d0, ..., dn, dim]``. Built from TensorFlow's composite: SparseReshape,
SparseRetain, SparseFillEmptyRows, the lookup, then Select and Reshape.

    >>> import teachflow as tf
    >>> ids = tf.SparseTensor([[0, 0], [2, 0]], tf.constant([1, -1], tf.int64), [3, 1])
    >>> y = tf.nn.safe_embedding_lookup_sparse(tf.reshape(tf.range(6.0), [3, 2]), ids)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).tolist())
    [[2.0, 3.0], [0.0, 0.0], [0.0, 0.0]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor

__all__ = ["safe_embedding_lookup_sparse"]


def _prune_invalid_ids(sparse_ids, sparse_weights):
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.sparse_layout_ops import sparse_retain

    is_id_valid = math_ops.greater_equal(sparse_ids.values, 0)
    if sparse_weights is not None:
        is_id_valid = math_ops.logical_and(
            is_id_valid, array_ops.ones_like(sparse_weights.values, dtype=dtypes.bool_)
        )
    sparse_ids = sparse_retain(sparse_ids, is_id_valid)
    if sparse_weights is not None:
        sparse_weights = sparse_retain(sparse_weights, is_id_valid)
    return sparse_ids, sparse_weights


def _prune_invalid_weights(sparse_ids, sparse_weights):
    from teachflow.ops import math_ops
    from teachflow.ops.sparse_layout_ops import sparse_retain

    if sparse_weights is not None:
        is_weights_valid = math_ops.greater(sparse_weights.values, 0)
        sparse_ids = sparse_retain(sparse_ids, is_weights_valid)
        sparse_weights = sparse_retain(sparse_weights, is_weights_valid)
    return sparse_ids, sparse_weights


def _flatten_to_2d(sparse_ids, sparse_weights):
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.sparse_layout_ops import sparse_reshape

    original_shape = sparse_ids.dense_shape
    original_rank_dim = original_shape.shape.as_list()[0]
    original_rank = (
        array_ops.size(original_shape) if original_rank_dim is None else original_rank_dim
    )
    sparse_ids = sparse_reshape(
        sparse_ids,
        [
            math_ops.reduce_prod(array_ops.slice(original_shape, [0], [original_rank - 1])),
            array_ops.gather(original_shape, original_rank - 1),
        ],
    )
    if sparse_weights is not None:
        sparse_weights = SparseTensor(
            sparse_ids.indices, sparse_weights.values, sparse_ids.dense_shape
        )
    return sparse_ids, sparse_weights, original_shape, original_rank, original_rank_dim


def safe_embedding_lookup_sparse(
    embedding_weights,
    sparse_ids,
    sparse_weights=None,
    combiner="mean",
    default_id=None,
    name=None,
    partition_strategy="div",
    max_norm=None,
    allow_fast_lookup=False,
):
    """Look up and combine (``combiner``: "mean", "sqrtn" or "sum") the embeddings of
    each row of the int64 SparseTensor ``sparse_ids`` ``[d0, ..., dn, k]``, giving
    ``[d0, ..., dn, dim]``; invalid ids and weights are pruned first and empty rows give
    zeros or ``default_id``'s embedding. Raises ValueError without embedding weights.

        >>> import teachflow as tf
        >>> ids = tf.SparseTensor([[0, 0]], tf.constant([2], tf.int64), [2, 1])
        >>> tf.nn.safe_embedding_lookup_sparse(tf.ones([3, 4]), ids).shape
        TensorShape([Dimension(2), Dimension(4)])
    """
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.comparison_ops import where
    from teachflow.ops.embedding_sparse_ops import embedding_lookup_sparse
    from teachflow.ops.joining import stack
    from teachflow.ops.sparse_layout_ops import sparse_fill_empty_rows

    if embedding_weights is None:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    if not isinstance(embedding_weights, list):
        embedding_weights = [embedding_weights]
    if len(embedding_weights) < 1:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    dtype = sparse_weights.dtype if sparse_weights is not None else None
    embedding_weights = [convert_to_tensor(w, dtype=dtype) for w in embedding_weights]

    with name_scope(
        name, "embedding_lookup", embedding_weights + [sparse_ids, sparse_weights]
    ) as scope:
        sparse_ids, sparse_weights, original_shape, original_rank, original_rank_dim = (
            _flatten_to_2d(sparse_ids, sparse_weights)
        )
        sparse_ids, sparse_weights = _prune_invalid_ids(sparse_ids, sparse_weights)
        if combiner != "sum":
            sparse_ids, sparse_weights = _prune_invalid_weights(sparse_ids, sparse_weights)
        sparse_ids, is_row_empty = sparse_fill_empty_rows(sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(
            embedding_weights,
            sparse_ids,
            sparse_weights,
            combiner=combiner,
            partition_strategy=partition_strategy,
            name=None if default_id is None else scope,
            max_norm=max_norm,
            allow_fast_lookup=allow_fast_lookup,
        )
        if default_id is None:
            is_row_empty = array_ops.tile(
                array_ops.reshape(is_row_empty, [-1, 1]),
                stack([1, array_ops.shape(result)[1]]),
            )
            result = where(is_row_empty, array_ops.zeros_like(result), result, name=scope)
        final_result = array_ops.reshape(
            result,
            array_ops.concat(
                [
                    array_ops.slice(
                        math_ops.cast(original_shape, dtypes.int32), [0], [original_rank - 1]
                    ),
                    array_ops.slice(array_ops.shape(result), [1], [-1]),
                ],
                0,
            ),
        )
        lead = None if original_rank_dim is None else original_rank_dim - 1
        final_result.set_shape(TensorShape(None if lead is None else [None] * lead).concatenate(
            result.shape[1:]
        ))  # fmt: skip
        return final_result
