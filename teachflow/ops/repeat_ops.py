"""``tf.repeat``: each element (or slice along ``axis``) repeated ``repeats`` times, numpy's
``repeat``, built from other ops exactly as TensorFlow's graph-mode ``repeat_with_axis``.

A single repeat count tiles a new axis and folds it in. A list of counts builds a
``sequence_mask`` (one True per repetition), tiles every slice to the largest count and keeps
the True ones with ``boolean_mask``; gradients flow back through those ops.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.repeat([[1, 2], [3, 4]], [2, 1], axis=0)).tolist())
    [[1, 2], [1, 2], [3, 4]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops.op_builder import apply_op

__all__ = ["repeat"]


def _int_tensor(value, name):
    tensor = convert_to_tensor(value, name=name, preferred_dtype=dtypes.int32)
    if not tensor.dtype.is_integer:
        raise TypeError(
            f"Argument `tensor` (name: {name}) must be of type integer. Received `tensor` = "
            f"{tensor} of dtype: {tensor.dtype}"
        )
    # TF's gen_math_ops.cast: a Cast op even when the tensor is int32 already.
    attrs = {"SrcT": tensor.dtype.base_dtype, "DstT": dtypes.int32, "Truncate": False}
    return apply_op("Cast", None, [(tensor, "x", None)], attrs).outputs[0]


def _positive_axis(axis, ndims):
    if ndims is not None and not -ndims <= axis < ndims:
        raise ValueError(
            f"axis={axis} out of bounds: expected {-ndims}<=axis<{ndims} (rank(data)={ndims})"
        )
    if axis < 0:
        if ndims is None:
            raise ValueError("axis may only be negative if rank(data) is statically known.")
        return axis + ndims
    return axis


def _tile_one_dimension(data, axis, multiple):
    from teachflow.ops.tiling import tile

    multiples = [1] * data.shape.ndims
    multiples[axis] = multiple
    return tile(data, multiples)


def _repeat_scalar(data, repeats, axis, data_shape):
    from teachflow.ops.joining import concat
    from teachflow.ops.reshaping import expand_dims, reshape

    with name_scope(None, "Reshape", [repeats]) as scope:
        # TF's op_def_library converts [] first on its own (float32), rejects that for
        # Tshape and converts again: the dead float Const stays in TF's graph.
        convert_to_tensor(np.zeros([0], np.float32), name="shape")
        no_dims = convert_to_tensor(np.zeros([0], np.int32), name="shape")
        attrs = {"T": repeats.dtype.base_dtype, "Tshape": dtypes.int32}
        repeats = repeats.graph.create_op("Reshape", [repeats, no_dims], attrs, name=scope)
        repeats = repeats.outputs[0]
    tiled = _tile_one_dimension(expand_dims(data, axis + 1), axis + 1, repeats)
    result_shape = concat(
        [data_shape[:axis], [repeats * data_shape[axis]], data_shape[axis + 1 :]], axis=0
    )
    return reshape(tiled, result_shape)


def _repeat_counts(data, repeats, axis, data_shape):
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.filling import range as range_
    from teachflow.ops.gathering import boolean_mask
    from teachflow.ops.joining import concat
    from teachflow.ops.reduction_ops import _all_axes, reduce_max, reduce_sum
    from teachflow.ops.reshaping import expand_dims, reshape
    from teachflow.ops.sequence_mask_ops import sequence_mask
    from teachflow.ops.shape_ops import rank, shape
    from teachflow.ops.tiling import broadcast_to

    if repeats.shape.ndims == 1:
        size, count = data.shape.as_list()[axis], repeats.shape.as_list()[0]
        if size is not None and count is not None and size != count:
            raise ValueError(f"Dimensions {size} and {count} are not compatible")
    repeats = broadcast_to(repeats, [data_shape[axis]])
    repeats_original = repeats
    if repeats.shape.ndims != axis + 1:  # broadcast so that rank(repeats) == axis + 1
        repeats_shape, repeats_ndims = shape(repeats), rank(repeats)
        broadcast_shape = concat([data_shape[: axis + 1 - repeats_ndims], repeats_shape], axis=0)
        repeats = broadcast_to(repeats, broadcast_shape)
        repeats.set_shape([None] * (axis + 1))
    max_repeat = reduce_max(repeats, _all_axes(repeats))
    max_repeat = maximum(convert_to_tensor(0, name="zero", dtype=max_repeat.dtype), max_repeat)
    mask = sequence_mask(repeats, max_repeat)
    tiled = _tile_one_dimension(expand_dims(data, axis + 1), axis + 1, max_repeat)
    result = boolean_mask(tiled, mask)
    if axis != 0:
        size = reduce_sum(repeats_original, range_(0, rank(repeats_original), 1, name="Range"))
        result_shape = concat([data_shape[:axis], [size], data_shape[axis + 1 :]], axis=0)
        result = reshape(result, result_shape)
    if data.shape.ndims is not None:
        new_axis_size = 0 if dimension_value(repeats.shape[0]) == 0 else None
        result.set_shape(
            data.shape[:axis].concatenate([new_axis_size]).concatenate(data.shape[axis + 1 :])
        )
    return result


def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TF's argument name
    """``input`` with each element repeated ``repeats`` times along ``axis`` (None: the
    flattened input). ``repeats`` is a scalar or one count per slice along ``axis``."""
    from teachflow.ops.joining import stack
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.shape_ops import shape

    if axis is None:
        input, axis = reshape(input, [-1]), 0  # noqa: A001
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"Argument `axis` must be an int. Received `axis` = {axis} of type "
            f"{type(axis).__name__}"
        )
    with name_scope(name, "Repeat", [input, repeats]):
        data = convert_to_tensor(input, name="data")
        repeats = _int_tensor(repeats, "repeats")
        if repeats.shape.ndims is not None and repeats.shape.ndims > 1:
            raise ValueError(f"Shape {repeats.shape} must have rank at most 1")
        if data.shape.ndims == 0:
            data = stack([data])
        data_shape = shape(data, out_type=repeats.dtype)
        axis = _positive_axis(int(axis), data.shape.ndims)
        if repeats.shape.num_elements() == 1:
            return _repeat_scalar(data, repeats, axis, data_shape)
        return _repeat_counts(data, repeats, axis, data_shape)
