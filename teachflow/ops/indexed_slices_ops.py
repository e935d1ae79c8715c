"""What graphs do with an `IndexedSlices`: densify it, sum several, merge duplicate rows.

- ``tf.convert_to_tensor(slices)`` (and so any op given one as an input) sums the rows
  into a dense tensor with ``UnsortedSegmentSum``, warning, as TensorFlow does, when the
  dense tensor may be large (100M elements or more) or of unknown size;
- ``tf.gradients`` sums the IndexedSlices arriving at one tensor by *concatenating* their
  values and indices (`aggregate_indexed_slices`): nothing is densified;
- the optimizers merge duplicate indices before a ``SparseApply*`` update
  (`deduplicate_indexed_slices`: ``Unique`` then ``UnsortedSegmentSum``).

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> s = tf.IndexedSlices(tf.constant([[1.0], [2.0]]), tf.constant([2, 2]), tf.constant([3, 1]))
    >>> dense = tf.convert_to_tensor(s)
    >>> dense.op.type
    'UnsortedSegmentSum'
    >>> with tf.Session() as sess:
    ...     print(sess.run(dense).ravel())
    [0. 0. 3.]
"""

from __future__ import annotations

import warnings

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import register_tensor_conversion_function
from teachflow.framework.operation import Tensor
from teachflow.ops import arithmetic_ops, joining, segment_ops, set_ops, shape_ops
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.ops.static_value import constant_value

__all__ = [
    "aggregate_indexed_slices",
    "deduplicate_indexed_slices",
    "convert_to_tensor_or_indexed_slices",
]

# TF warns from this many elements on (indexed_slices._LARGE_SPARSE_NUM_ELEMENTS).
_LARGE_SPARSE_NUM_ELEMENTS = 100000000


def _indexed_slices_to_tensor(value, dtype=None, name=None, as_ref=False):
    del as_ref  # the dense sum is a fresh tensor, never a ref
    if dtype is not None and not dtype.is_compatible_with(value.dtype):
        raise ValueError(
            f"Requested dtype {dtype} doesn't match dtype {value.dtype} of the IndexedSlices"
        )
    if value.dense_shape is None:
        raise ValueError(
            f"Tensor conversion requested for IndexedSlices for argument {name} without "
            f"dense_shape: {value!s}"
        )
    dense_shape_value = constant_value(value.dense_shape)
    if dense_shape_value is not None:
        num_elements = int(np.prod(dense_shape_value))
        if num_elements >= _LARGE_SPARSE_NUM_ELEMENTS:
            warnings.warn(
                f"Converting sparse IndexedSlices to a dense Tensor with {num_elements} "
                "elements. This may consume a large amount of memory.",
                stacklevel=2,
            )
    elif value.dense_shape.op.type != "VariableShape":
        warnings.warn(
            f"Converting sparse IndexedSlices({value}) to a dense Tensor of unknown shape. "
            "This may consume a large amount of memory.",
            stacklevel=2,
        )
    return segment_ops.unsorted_segment_sum(
        value.values, value.indices, value.dense_shape[0], name=name
    )


register_tensor_conversion_function(IndexedSlices, _indexed_slices_to_tensor)


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """``value`` itself if it is an IndexedSlices, else ``tf.convert_to_tensor(value)``."""
    from teachflow.framework.conversion import convert_to_tensor

    if isinstance(value, IndexedSlices):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
            raise ValueError(
                f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for Tensor "
                f"with dtype {value.dtype.name}: {value!r}"
            )
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def _as_indexed_slices_list(grads):
    """TF's ``math_ops._as_indexed_slices_list``: indices all int32, else all int64."""
    index_dtypes = {g.indices.dtype.base_dtype for g in grads}
    if len(index_dtypes) == 1:
        return grads
    return [
        IndexedSlices(g.values, arithmetic_ops.cast(g.indices, dtypes.int64), g.dense_shape)
        if g.indices.dtype.base_dtype != dtypes.int64
        else g
        for g in grads
    ]


def aggregate_indexed_slices(grads):
    """The sum of gradients some of which are IndexedSlices (TF's
    ``AggregateIndexedSlicesGradients``): a dense ``AddN`` when one of them is a Tensor,
    else one IndexedSlices of the concatenated values and indices."""
    grads = [g for g in grads if g is not None]
    if len(grads) == 1:
        return grads[0]
    if any(isinstance(g, Tensor) for g in grads):
        from teachflow.ops.math_ops import add_n

        return add_n(grads)
    grads = _as_indexed_slices_list(grads)
    return IndexedSlices(
        joining.concat([g.values for g in grads], axis=0),
        joining.concat([g.indices for g in grads], axis=0),
        grads[0].dense_shape,
    )


def deduplicate_indexed_slices(values, indices):
    """``(summed_values, unique_indices)``: the rows of each index summed, in the order the
    indices first appear (TF's ``optimizer._deduplicate_indexed_slices``)."""
    unique_indices, new_index_positions = set_ops.unique(indices)
    summed_values = segment_ops.unsorted_segment_sum(
        values, new_index_positions, shape_ops.shape(unique_indices)[0]
    )
    return summed_values, unique_indices
