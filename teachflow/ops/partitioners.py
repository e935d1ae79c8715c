"""Variable partitioners: functions ``(shape, dtype) -> [shards per axis]`` that tell
`tf.get_variable` how to split a large variable into ``name/part_0``, ``name/part_1``, ...
(see `teachflow.ops.partitioned_variables`). Only one axis is ever split.

- ``fixed_size_partitioner(n)``: ``n`` shards (fewer if the axis is shorter);
- ``min_max_variable_partitioner``: as many shards as keep each one at least
  ``min_slice_size`` bytes, at most ``max_partitions``;
- ``variable_axis_size_partitioner``: as few shards as keep each one under ``max_shard_bytes``.

    >>> import teachflow as tf
    >>> tf.fixed_size_partitioner(3)(shape=tf.TensorShape([10, 4]), dtype=tf.float32)
    [3, 1]
    >>> tf.variable_axis_size_partitioner(64)(shape=tf.TensorShape([10, 4]), dtype=tf.float32)
    [3, 1]
"""

from __future__ import annotations

import math

from teachflow.framework import dtypes
from teachflow.framework.shapes import TensorShape

__all__ = [
    "fixed_size_partitioner",
    "min_max_variable_partitioner",
    "variable_axis_size_partitioner",
]


def _element_bytes(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype)
    if dtype.base_dtype is dtypes.string:
        return bytes_per_string_element
    return dtype.size


def variable_axis_size_partitioner(
    max_shard_bytes, axis=0, bytes_per_string_element=16, max_shards=None
):
    """Shards along ``axis`` of at most ``max_shard_bytes`` each (at least one slice of the
    axis per shard; at most ``max_shards`` shards)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError(
            "Both max_shard_bytes and bytes_per_string_element must be positive. "
            f"Currently, max_shard_bytes is {max_shard_bytes} and"
            f"bytes_per_string_element is {bytes_per_string_element}"
        )
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        if not isinstance(shape, TensorShape):
            raise ValueError(f"shape is not a TensorShape: {shape}")
        if not shape.is_fully_defined():
            raise ValueError(f"shape is not fully defined: {shape}")
        element_size = _element_bytes(dtype, bytes_per_string_element)
        partitions = [1] * shape.ndims
        bytes_per_slice = 1.0 * (shape.num_elements() / shape.as_list()[axis]) * element_size
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        axis_shards = int(math.ceil(1.0 * shape.as_list()[axis] / slices_per_shard))
        if max_shards:
            axis_shards = min(max_shards, axis_shards)
        partitions[axis] = axis_shards
        return partitions

    return _partitioner


def min_max_variable_partitioner(
    max_partitions=1, axis=0, min_slice_size=256 << 10, bytes_per_string_element=16
):
    """Shards along ``axis`` of at least ``min_slice_size`` bytes, at most
    ``max_partitions`` of them (and no more than the axis is long)."""

    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise ValueError(
                f"Cannot partition variable along axis {axis} when shape is only {shape}"
            )
        total_size_bytes = shape.num_elements() * _element_bytes(dtype, bytes_per_string_element)
        partitions = total_size_bytes / min_slice_size
        partitions_list = [1] * len(shape)
        partitions_list[axis] = max(
            1, min(shape.as_list()[axis], max_partitions, int(math.ceil(partitions)))
        )
        return partitions_list

    return _partitioner


def fixed_size_partitioner(num_shards, axis=0):
    """``num_shards`` shards along ``axis`` (as many as the axis is long, if fewer)."""

    def _partitioner(shape, **unused_args):
        partitions_list = [1] * len(shape)
        partitions_list[axis] = min(num_shards, shape.as_list()[axis])
        return partitions_list

    return _partitioner
