"""``tf.nn.embedding_lookup_sparse``: one embedding per row of a SparseTensor of ids, the
rows' embeddings combined by ``sum``, ``mean`` (the default) or ``sqrtn``, as TF 2.21 builds it.

Without weights it is one ``SparseSegment{Sum,Mean,SqrtN}`` op over the whole table, built
with ``sparse_gradient=True`` so that the table's gradient is an ``IndexedSlices`` of the rows
used. With weights each row's embedding is gathered (through ``Unique``, so a repeated id is
looked up once), scaled by its weight and summed per row (``SegmentSum``); ``mean`` divides
by the weights' sum, ``sqrtn`` by the square root of their squares' sum.

    >>> import teachflow as tf
    >>> table = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> ids = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([0, 2, 1], tf.int64), [3, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.embedding_lookup_sparse(table, ids, None)).tolist())
    [[3.0, 4.0], [0.0, 0.0], [3.0, 4.0]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.sparse_tensor import SparseTensor

__all__ = ["embedding_lookup_sparse"]


def embedding_lookup_sparse(
    params,
    sp_ids,
    sp_weights,
    partition_strategy="mod",
    name=None,
    combiner=None,
    max_norm=None,
    allow_fast_lookup=False,
):
    """Row ``r`` of the result combines ``params[id]`` for the ids of row ``r`` of the
    SparseTensor ``sp_ids`` (weighted by ``sp_weights`` when given); a row without ids
    gives zeros. ``params`` is one tensor or variable (or a list holding one)."""
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    if not isinstance(params, list):
        params = [params]
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"sp_ids must be SparseTensor, got {type(sp_ids)}")
    ignore_weights = sp_weights is None
    if not ignore_weights:
        if not isinstance(sp_weights, SparseTensor):
            raise TypeError(
                f"sp_weights must be either None or SparseTensor,got {type(sp_weights)}"
            )
        sp_ids.values.shape.assert_is_compatible_with(sp_weights.values.shape)
        sp_ids.indices.shape.assert_is_compatible_with(sp_weights.indices.shape)
        sp_ids.dense_shape.shape.assert_is_compatible_with(sp_weights.dense_shape.shape)
    with name_scope(name, "embedding_lookup_sparse", [*params, sp_ids]) as scope:
        segment_ids = convert_to_tensor(sp_ids.indices[:, 0], name="segment_ids")
        ids = sp_ids.values
        if len(params) == 1 and not hasattr(params[0], "graph"):
            params = [convert_to_tensor(params[0], name="params")]
        if len(params) == 1 and max_norm is None and (allow_fast_lookup or ignore_weights):
            # TF 2.21: the table itself is reduced, with a sparse gradient unless fast.
            embeddings, idx, need_sparse_gradient = params[0], ids, not allow_fast_lookup
        else:
            from teachflow.ops.nn_ops import embedding_lookup
            from teachflow.ops.set_ops import unique

            ids, idx = unique(ids)
            embeddings = embedding_lookup(params, ids, partition_strategy, max_norm=max_norm)
            need_sparse_gradient = False
        if ignore_weights:
            from teachflow.ops import sparse_segment_ops
            from teachflow.ops.math_ops import cast

            if segment_ids.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
                segment_ids = cast(segment_ids, dtypes.int32)
            reduce = {
                "sum": sparse_segment_ops.sparse_segment_sum,
                "mean": sparse_segment_ops.sparse_segment_mean,
                "sqrtn": sparse_segment_ops.sparse_segment_sqrt_n,
            }[combiner]
            return reduce(
                embeddings, idx, segment_ids, name=scope, sparse_gradient=need_sparse_gradient
            )
        return _weighted(embeddings, idx, segment_ids, sp_weights.values, combiner, scope)


def _weighted(embeddings, idx, segment_ids, weights, combiner, scope):
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import pow as pow_
    from teachflow.ops.gathering import gather
    from teachflow.ops.joining import concat
    from teachflow.ops.math_ops import cast
    from teachflow.ops.segment_ops import segment_sum
    from teachflow.ops.special_math_ops import div_no_nan
    from teachflow.ops.unary_ops import sqrt

    if segment_ids.dtype.base_dtype is not dtypes.int32:
        segment_ids = cast(segment_ids, dtypes.int32)
    embeddings = gather(embeddings, idx)
    original_dtype = embeddings.dtype.base_dtype
    if original_dtype is dtypes.float16:
        # Low-precision embeddings are combined in float32, as TensorFlow does (teachflow
        # has no bfloat16).
        embeddings = cast(embeddings, dtypes.float32)
    if weights.dtype.base_dtype is not embeddings.dtype.base_dtype:
        weights = cast(weights, embeddings.dtype.base_dtype)
    # The weights reshaped to [n, 1, ...] to broadcast over each embedding.
    ones_shape = array_ops.expand_dims(array_ops.rank(embeddings) - 1, 0)
    weights_shape = array_ops.shape(weights)
    ones = array_ops.ones(ones_shape, dtype=weights_shape.dtype)
    bcast_weights_shape = concat([weights_shape, ones], 0)
    orig_weights_shape = weights.shape
    weights = array_ops.reshape(weights, bcast_weights_shape)
    if embeddings.shape.ndims is not None:
        weights.set_shape(orig_weights_shape.concatenate([1] * (embeddings.shape.ndims - 1)))
    embeddings = embeddings * weights
    if combiner == "sum":
        embeddings = segment_sum(embeddings, segment_ids, name=scope)
    elif combiner == "mean":
        embeddings = segment_sum(embeddings, segment_ids)
        weight_sum = segment_sum(weights, segment_ids)
        embeddings = div_no_nan(embeddings, weight_sum, name=scope)
    else:
        embeddings = segment_sum(embeddings, segment_ids)
        weight_sum = segment_sum(pow_(weights, 2), segment_ids)
        embeddings = div_no_nan(embeddings, sqrt(weight_sum), name=scope)
    if embeddings.dtype.base_dtype is not original_dtype:
        embeddings = cast(embeddings, original_dtype)
    return embeddings
