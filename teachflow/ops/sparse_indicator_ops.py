"""SparseTensors from and to other forms, built from other ops as TensorFlow builds them:

- ``tf.sparse.from_dense``: the non-zero entries of a dense tensor;
- ``tf.sparse_merge``: a batch of feature ids (and their values) as one SparseTensor whose
  last axis is the vocabulary (``sparse_to_indicator``: True at every id present);
- ``tf.sparse_reset_shape``: the same entries in a larger (or the tightest) dense shape;
- ``tf.sparse_mask``: an ``IndexedSlices`` without the rows listed.

    >>> import teachflow as tf
    >>> ids = tf.SparseTensor([[0, 0], [1, 0], [1, 1]], tf.constant([2, 0, 3], tf.int64), [2, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse_to_indicator(ids, 4)).astype(int).tolist())
    [[0, 0, 1, 0], [1, 0, 0, 1]]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue

__all__ = [
    "sparse_to_indicator",
    "sparse_merge",
    "sparse_reset_shape",
    "sparse_mask",
    "convert_to_tensor_or_sparse_tensor",
]


def _as_sparse(value):
    if isinstance(value, SparseTensorValue):
        return SparseTensor(value.indices, value.values, value.dense_shape)
    if not isinstance(value, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(value).__name__}")
    return value


def convert_to_tensor_or_sparse_tensor(value, dtype=None, name=None):
    """``value`` as a SparseTensor if it is one (or a SparseTensorValue), else a Tensor."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, SparseTensorValue):
        value = SparseTensor(value.indices, value.values, value.dense_shape)
    if isinstance(value, SparseTensor):
        if dtype and not dtype.is_compatible_with(value.dtype):
            raise RuntimeError(
                f"Sparse dtype mismatch. Requested: {dtype.name},  Actual: {value.dtype.name}"
            )
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def from_dense(tensor, name=None):
    """The SparseTensor of ``tensor``'s non-zero entries (in row-major order)."""
    from teachflow.ops.comparison_ops import not_equal, where_v2
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.gathering import gather_nd
    from teachflow.ops.shape_ops import shape

    with name_scope(name, "dense_to_sparse"):
        tensor = convert_to_tensor(tensor)
        indices = where_v2(not_equal(tensor, zeros_like(tensor)))
        values = gather_nd(tensor, indices)
        return SparseTensor(indices, values, shape(tensor, out_type=dtypes.int64))


def _checked_vocab(sp_ids, vocab_size):
    if isinstance(sp_ids, (SparseTensor, SparseTensorValue)):
        if not isinstance(vocab_size, (Tensor, numbers.Integral)):
            raise TypeError(
                f"vocab_size has to be a Tensor or Python int. Found {type(vocab_size)}"
            )
        return [sp_ids], [vocab_size]
    if not isinstance(sp_ids, Iterable):
        raise TypeError(f"sp_ids has to be a SparseTensor or list thereof. Found {type(sp_ids)}")
    if not isinstance(vocab_size, Iterable) or not all(
        isinstance(d, (Tensor, numbers.Integral)) for d in vocab_size
    ):
        raise TypeError(
            f"vocab_size has to be a list of Tensors or Python ints. Found {type(vocab_size)}"
        )
    return list(sp_ids), list(vocab_size)


def sparse_merge(sp_ids, sp_values, vocab_size, name=None, already_sorted=False):
    """A SparseTensor with ``sp_values``' values, whose last index is the id in ``sp_ids``
    (or, for a list of id tensors, whose last indices are those ids), of dense shape
    ``sp_ids.dense_shape[:-1] + vocab_size``."""
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.joining import concat
    from teachflow.ops.reshaping import expand_dims
    from teachflow.ops.sparse_layout_ops import sparse_reorder
    from teachflow.ops.static_value import constant_value_as_shape

    sp_ids, vocab_size = _checked_vocab(sp_ids, vocab_size)
    if len(sp_ids) != len(vocab_size):
        raise ValueError("sp_ids and vocab_size have to have equal lengths.")
    with name_scope(name, "SparseMerge", [sp_ids, sp_values]):
        sp_ids = [_as_sparse(s) for s in sp_ids]
        sp_values = _as_sparse(sp_values)
        ids = []
        for sp_ids_dim in sp_ids:
            ids_dim = sp_ids_dim.values
            if sp_ids_dim.dtype.base_dtype is not dtypes.int64:
                ids_dim = cast(ids_dim, dtypes.int64)
            ids.append(expand_dims(ids_dim, axis=1))
        vocab_size = [cast(x, dtypes.int64) for x in vocab_size]
        # The ids replace the last column of the indices.
        new_indices = concat([sp_ids[0].indices[:, :-1]] + ids, 1)
        new_shape = concat([sp_ids[0].dense_shape[:-1], vocab_size], 0)
        result = SparseTensor(new_indices, sp_values.values, new_shape)
        # TF's SparseTensor takes its static shape from constant_value_as_shape(dense_shape).
        result._shape = result._shape.merge_with(constant_value_as_shape(new_shape))
        if already_sorted:
            return result
        sorted_result = sparse_reorder(result)
        return SparseTensor(sorted_result.indices, sorted_result.values, new_shape)


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """A bool tensor of shape ``sp_input.dense_shape[:-1] + [vocab_size]``: True at
    ``[..., id]`` for every id among ``sp_input``'s values in that row."""
    from teachflow.ops.filling import fill
    from teachflow.ops.reshaping import expand_dims
    from teachflow.ops.shape_ops import shape
    from teachflow.ops.sparse_ops import sparse_tensor_to_dense

    sp_input = _as_sparse(sp_input)
    with name_scope(name, "SparseToIndicator", [sp_input]) as name:
        num_entries = shape(sp_input.indices)[0]
        new_values = fill(expand_dims(num_entries, 0), True)
        sp_values = SparseTensor(sp_input.indices, new_values, sp_input.dense_shape)
        sp_new = sparse_merge(sp_input, sp_values, vocab_size, name)
        return sparse_tensor_to_dense(
            sp_new, default_value=False, validate_indices=False, name=name
        )


def sparse_reset_shape(sp_input, new_shape=None):
    """``sp_input`` with dense shape ``new_shape`` (no smaller than the old one), or, when
    None, the tightest shape holding its entries."""
    from teachflow.ops.arithmetic_ops import add, cast, maximum
    from teachflow.ops.constant_op import constant
    from teachflow.ops.filling import ones_like
    from teachflow.ops.identity_ops import identity
    from teachflow.ops.reduction_ops import reduce_max
    from teachflow.ops.static_value import constant_value

    sp_input = _as_sparse(sp_input)
    in_indices = identity(sp_input.indices)
    in_values = identity(sp_input.values)
    in_shape = identity(sp_input.dense_shape)
    if new_shape is None:
        dim_low_bound = reduce_max(in_indices, axis=0)
        output_shape = maximum(
            constant(0, dtype=dtypes.int64), add(dim_low_bound, ones_like(in_shape))
        )
        return SparseTensor(in_indices, in_values, output_shape)
    output_shape = convert_to_tensor(new_shape)
    if output_shape.shape.ndims not in (None, 1):
        raise ValueError(f"Shape {output_shape.shape} must have rank 1")
    output_shape = cast(output_shape, dtypes.int64)
    known = constant_value(output_shape)
    if known is None or not sp_input.get_shape().is_fully_defined():
        return _checked_at_run_time(in_indices, in_values, in_shape, output_shape)
    in_shape_const = np.array(sp_input.get_shape().as_list())
    if not np.all(in_shape_const <= known):
        raise ValueError(
            "Requested new_shape should have dimension sizes >= sp_input.shape."
            f"  Found new_shape ({in_shape_const}), sp_input.shape ({known})."
        )
    return SparseTensor(in_indices, in_values, known)


def _checked_at_run_time(in_indices, in_values, in_shape, output_shape):
    from teachflow.ops.check_ops import assert_equal, assert_less_equal
    from teachflow.ops.control_flow_cond import with_dependencies
    from teachflow.ops.shape_ops import shape

    output_shape = with_dependencies(
        [assert_equal(shape(in_shape), shape(output_shape))], output_shape
    )
    output_shape = with_dependencies([assert_less_equal(in_shape, output_shape)], output_shape)
    return SparseTensor(in_indices, in_values, output_shape)


def sparse_mask(a, mask_indices, name=None):
    """The ``IndexedSlices`` ``a`` without its rows whose index is in ``mask_indices``."""
    from teachflow.ops.gathering import gather
    from teachflow.ops.indexed_slices import IndexedSlices
    from teachflow.ops.set_ops import setdiff1d

    with name_scope(name, "sparse_mask", [a, mask_indices]) as name:
        out_indices, to_gather = setdiff1d(a.indices, mask_indices)
        out_values = gather(a.values, to_gather, name=name)
        return IndexedSlices(out_values, out_indices, a.dense_shape)
