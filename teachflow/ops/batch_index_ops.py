"""Gathering and scattering row by row of a batch: ``tf.batch_gather`` and
``tf.batch_scatter_update``, built from other ops as TensorFlow builds them.

``batch_gather(params, indices)`` picks, for every leading (batch) position, the entries of
``params`` named by ``indices`` there: the batch offsets are added to the indices, which then
index the flattened batch with one ``GatherV2`` (so its gradient is an ``IndexedSlices``).
``batch_scatter_update(ref, indices, updates)`` writes the other way, into a variable, as one
``ScatterNdUpdate`` whose coordinates put each batch position's range in front of the indices.

    >>> import teachflow as tf
    >>> params = tf.constant([[10, 11, 12], [20, 21, 22]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.batch_gather(params, [[2, 0], [1, 1]])).tolist())
    [[12, 10], [21, 21]]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.op_builder import apply_op

__all__ = ["batch_gather", "batch_scatter_update"]


def _raw_cast(x, dtype):
    # gen_math_ops.cast: a Cast op even when the dtype already matches.
    attrs = {"SrcT": x.dtype.base_dtype, "DstT": dtype, "Truncate": False}
    return apply_op("Cast", None, [(x, "x", None)], attrs).outputs[0]


def _batch_offsets(indices, casted_params_shape, batch_dims):
    """``indices`` plus, per batch position, the flat offset of its row."""
    from teachflow.ops.filling import ones, zeros
    from teachflow.ops.filling import range as range_
    from teachflow.ops.joining import stack
    from teachflow.ops.reshaping import reshape

    dtype = indices.dtype.base_dtype
    ndims = indices.shape.ndims
    batch_indices = indices
    accum_dim_value = ones((), dtype=dtype)
    for dim in range(batch_dims, 0, -1):
        dim_value = casted_params_shape[dim - 1]
        accum_dim_value *= casted_params_shape[dim]
        start, step = zeros((), dtype=dtype), ones((), dtype=dtype)
        dim_indices = range_(start, dim_value, step, name="Range")
        dim_indices *= accum_dim_value
        dim_shape = stack([1] * (dim - 1) + [dim_value] + [1] * (ndims - dim), axis=0)
        batch_indices += reshape(dim_indices, dim_shape)
    return batch_indices


def _batch_gather(params, indices, batch_dims):
    from teachflow.ops.gathering import gather
    from teachflow.ops.joining import concat
    from teachflow.ops.reduction_ops import reduce_prod
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.shape_ops import shape

    if params.shape.ndims is not None and batch_dims >= params.shape.ndims:
        raise ValueError(
            f"Argument `batch_dims` = {batch_dims} must be less than "
            f"rank(`params`) = {params.shape.ndims}"
        )
    indices_shape, params_shape = shape(indices), shape(params)
    casted_params_shape = _raw_cast(params_shape, indices.dtype.base_dtype)
    batch_indices = _batch_offsets(indices, casted_params_shape, batch_dims)
    flat_indices = reshape(batch_indices, [-1])
    outer_shape = params_shape[batch_dims + 1 :]
    flat_inner_shape = reduce_prod(params_shape[: batch_dims + 1], [0], False)
    flat_params = reshape(params, concat([[flat_inner_shape], outer_shape], axis=0))
    flat_result = gather(flat_params, flat_indices)
    result = reshape(flat_result, concat([indices_shape, outer_shape], axis=0))
    final_shape = indices.shape[:batch_dims].merge_with(params.shape[:batch_dims])
    final_shape = final_shape.concatenate(indices.shape.as_list()[batch_dims:])
    result.set_shape(final_shape.concatenate(params.shape[batch_dims + 1 :]))
    return result


def batch_gather(params, indices, name=None):
    """``params[b..., indices[b..., j]]``: a gather along the first non-batch axis of
    ``params`` for every leading position ``b`` of ``indices`` (all its axes but the last)."""
    with name_scope(name, "BatchGather", [params, indices]):
        indices = convert_to_tensor(indices, name="indices")
        params = convert_to_tensor(params, name="params")
        if indices.shape.ndims is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        return _batch_gather(params, indices, batch_dims=indices.shape.ndims - 1)


def batch_scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Set ``ref[b..., indices[b..., j]] = updates[b..., j]`` for every batch position ``b``
    of the variable ``ref`` (in place; returns ``ref`` as updated)."""
    from teachflow.ops.filling import ones_like
    from teachflow.ops.filling import range as range_
    from teachflow.ops.joining import concat
    from teachflow.ops.reshaping import expand_dims, reshape
    from teachflow.ops.scatter_nd_ref_ops import scatter_nd_update
    from teachflow.ops.shape_ops import shape

    with name_scope(name):
        indices = convert_to_tensor(indices, name="indices")
        indices_shape = shape(indices)
        ndims = indices.shape.ndims
        if ndims is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        nd_indices = expand_dims(indices, axis=-1)
        nd_indices_list = []
        # One coordinate per leading axis: its range, broadcast over the others.
        for dimension in range(ndims - 1):
            dimension_size = indices_shape[dimension]
            shape_to_broadcast = [1] * (ndims + 1)
            shape_to_broadcast[dimension] = dimension_size
            dimension_range = reshape(
                range_(0, dimension_size, 1, name="Range"), shape_to_broadcast
            )
            if dimension_range.dtype.base_dtype is not nd_indices.dtype.base_dtype:
                dimension_range = _raw_cast(dimension_range, nd_indices.dtype.base_dtype)
            nd_indices_list.append(dimension_range * ones_like(nd_indices))
        nd_indices_list.append(nd_indices)
        final_indices = concat(nd_indices_list, axis=-1)
        return scatter_nd_update(ref, final_indices, updates, use_locking=use_locking)
