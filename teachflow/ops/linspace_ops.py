"""``tf.linspace`` / ``tf.lin_space`` as TensorFlow 2.21 builds them in graph mode: not the one
``LinSpace`` op of TF1 (`filling.lin_space`) but ``math_ops.linspace_nd``, a small program of
ordinary ops that also spaces N-D ``start``/``stop`` along any ``axis``.

The values are ``start + delta * [1 .. num-2]`` with ``delta = (stop - start) / (num - 1)``,
joined to ``start`` and ``stop`` themselves (so both ends are exact) and sliced to ``num``
(which drops ``stop`` when ``num == 1``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linspace(0.0, 1.0, 5)).tolist())
    ...     print(sess.run(tf.linspace([0.0, 5.0], [10.0, 40.0], 3, axis=-1)).tolist())
    [0.0, 0.25, 0.5, 0.75, 1.0]
    [[0.0, 5.0, 10.0], [5.0, 22.5, 40.0]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.static_value import constant_value

__all__ = ["linspace", "lin_space", "linspace_nd"]


def _int_tensor(value, name):
    """TF's ``convert_to_int_tensor``: an integer tensor, cast to int32 (a Cast even when it
    already is one); TypeError for anything else."""
    from teachflow.ops.elementwise import make_op

    tensor = convert_to_tensor(value, name=name, preferred_dtype=dtypes.int32)
    if not tensor.dtype.is_integer:
        raise TypeError(
            f"Argument `tensor` (name: {name}) must be of type integer. Received `tensor` = "
            f"{tensor} of dtype: {tensor.dtype.name}"
        )
    with name_scope(None, "Cast") as scope:
        return make_op(
            "Cast", [tensor], scope, {"SrcT": tensor.dtype.base_dtype, "DstT": dtypes.int32}
        )


def linspace_nd(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included) along ``axis``.

    ``start`` and ``stop`` broadcast together; ``num`` is an int32/int64 scalar (TypeError
    for a float). A ``num`` below 1 fails when it runs (Range's "Requires start <= limit")."""
    from teachflow.ops.arithmetic_ops import cast, maximum
    from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
    from teachflow.ops.comparison_ops import equal, where_v2
    from teachflow.ops.filling import range as range_
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.joining import concat
    from teachflow.ops.reshaping import expand_dims, reshape
    from teachflow.ops.shape_ops import shape as shape_of
    from teachflow.ops.slicing import slice as slice_
    from teachflow.ops.tiling import broadcast_to

    with name_scope(name, "linspace", [start, stop]):
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, name="stop", dtype=start.dtype)
        num_int = _int_tensor(num, name="num")
        num = cast(num_int, dtype=start.dtype)
        broadcast_shape = broadcast_dynamic_shape(shape_of(start), shape_of(stop))
        start = broadcast_to(start, broadcast_shape)
        stop = broadcast_to(stop, broadcast_shape)
        python_axis = axis
        expanded_start = expand_dims(start, axis=axis)
        expanded_stop = expand_dims(stop, axis=axis)
        shape = shape_of(expanded_start)
        ndims = shape_of(shape)[0]
        axis = where_v2(axis >= 0, axis, ndims + axis)
        num_fill = maximum(num_int - 2, 0)
        n_steps = maximum(num_int - 1, 1)
        delta = (expanded_stop - expanded_start) / cast(n_steps, expanded_stop.dtype)
        # Integer start and stop divide into float64 (truediv): the ends follow.
        expanded_start = cast(expanded_start, delta.dtype)
        expanded_stop = cast(expanded_stop, delta.dtype)
        range_end = where_v2(num_int >= 0, n_steps, -1)
        desired_range = cast(range_(1, range_end, dtype=dtypes.int64), delta.dtype)
        mask = equal(axis, range_(ndims))
        desired_range_shape = where_v2(mask, num_fill, 1)
        desired_range = reshape(desired_range, desired_range_shape)
        res = expanded_start + delta * desired_range
        concatenated = concat((expanded_start, res, expanded_stop), axis=axis)
        begin = zeros_like(shape)
        size = concat((shape[0:axis], reshape(num_int, [1]), shape[axis + 1 :]), axis=0)
        del num  # TF casts num to start's dtype and then does not use it
        result = slice_(concatenated, begin, size)
        result.set_shape(_static_shape(expanded_start.shape, constant_value(num_int), python_axis))
        return result


def _static_shape(expanded, num, axis):
    """What TF's shape inference finds by evaluating the constant part of Slice's ``size``:
    the expanded shape with ``num`` along ``axis`` (unknown when ``num`` is fed)."""
    from teachflow.framework.shapes import TensorShape

    if expanded.ndims is None:
        return TensorShape(None)
    dims = expanded.as_list()
    if not isinstance(axis, int):  # a tensor axis: TF's inference cannot place num either
        return TensorShape([None] * len(dims))
    dims[axis] = None if num is None else int(num)
    return TensorShape(dims)


linspace = linspace_nd
lin_space = linspace_nd
