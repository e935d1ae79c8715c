"""Cutting a signal into frames and putting it back: ``tf.signal.frame``, ``overlap_and_add``
and the raised-cosine windows ``hann_window`` and ``hamming_window``.

These are composites of ordinary ops, built as TensorFlow's ``signal/shape_ops.py``,
``reconstruction_ops.py`` and ``window_ops.py`` build them: ``frame`` splits the signal into
subframes of ``gcd(frame_length, frame_step)`` samples and gathers them, so that every frame
is a gather of whole subframes; ``overlap_and_add`` pads, reshapes and sums instead of
scattering.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.signal.frame([1, 2, 3, 4, 5], 3, 2)).tolist())
    [[1, 2, 3], [3, 4, 5]]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import cast, floormod, maximum
from teachflow.ops.filling import ones, zeros, zeros_like
from teachflow.ops.filling import range as range_
from teachflow.ops.gathering import gather
from teachflow.ops.joining import concat, split
from teachflow.ops.padding import pad
from teachflow.ops.reduction_ops import reduce_sum
from teachflow.ops.reshaping import reshape, transpose
from teachflow.ops.shape_ops import rank, shape, size
from teachflow.ops.slicing import strided_slice
from teachflow.ops.static_value import constant_value
from teachflow.ops.unary_ops import cos

__all__ = ["frame", "overlap_and_add", "hann_window", "hamming_window"]


def _maybe_constant(value):
    static = constant_value(value)
    return (static, True) if static is not None else (value, False)


def _infer_frame_shape(signal, frame_length, frame_step, pad_end, axis):
    frame_length = constant_value(frame_length)
    frame_step = constant_value(frame_step)
    axis = constant_value(axis)
    if signal.shape.ndims is None:
        return None
    if axis is None:
        return [None] * (signal.shape.ndims + 1)
    dims = signal.shape.as_list()
    axis = int(axis)
    frame_axis = dims[axis]
    outer, inner = dims[:axis], dims[axis:][1:]
    num_frames = None
    if frame_axis is not None:
        if frame_step is not None and pad_end:
            num_frames = max(0, -(-frame_axis // int(frame_step)))
        elif frame_step is not None and frame_length is not None:
            num_frames = max(
                0, (frame_axis - int(frame_length) + int(frame_step)) // int(frame_step)
            )
    length = None if frame_length is None else int(frame_length)
    return outer + [num_frames, length] + inner


def _gcd(a, b):
    """``gcd(a, b)``: a constant when both are known (TF then uses Python's math.gcd)."""
    from teachflow.ops.comparison_ops import greater
    from teachflow.ops.control_flow_while import while_loop

    with name_scope(None, "gcd", [a, b]):
        const_a, const_b = constant_value(a), constant_value(b)
        if const_a is not None and const_b is not None:
            return convert_to_tensor(math.gcd(int(const_a), int(const_b)))
        return while_loop(
            lambda _, b: greater(b, zeros_like(b)),
            lambda a, b: [b, floormod(a, b, name="mod")],
            [a, b],
            back_prop=False,
        )[0]


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """``signal``'s ``axis`` cut into frames of ``frame_length`` samples every ``frame_step``
    (the last ones padded with ``pad_value`` when ``pad_end``)."""
    with name_scope(name, "frame", [signal, frame_length, frame_step, pad_value]):
        signal = convert_to_tensor(signal, name="signal")
        frame_length = convert_to_tensor(frame_length, name="frame_length")
        frame_step = convert_to_tensor(frame_step, name="frame_step")
        axis = convert_to_tensor(axis, name="axis")
        signal.shape.with_rank_at_least(1)
        result_shape = _infer_frame_shape(signal, frame_length, frame_step, pad_end, axis)

        signal_shape, shape_is_static = _maybe_constant(shape(signal))
        axis, axis_is_static = _maybe_constant(axis)
        axis = int(axis) if axis_is_static else axis
        if shape_is_static and axis_is_static:
            axis = range(len(signal_shape))[axis]
            outer, length_samples, inner = np.split(signal_shape, [axis, axis + 1])
            length_samples = length_samples.item()
        else:
            signal_rank = rank(signal)
            axis = range_(signal_rank)[axis]
            outer, length_samples, inner = split(signal_shape, [axis, 1, signal_rank - 1 - axis])
            length_samples = reshape(length_samples, [])
        num_outer, num_inner = size(outer), size(inner)

        if pad_end:
            pad_value = convert_to_tensor(pad_value, signal.dtype)
            num_frames = -(-length_samples // frame_step)
            pad_samples = maximum(0, frame_length + frame_step * (num_frames - 1) - length_samples)
            paddings = concat(
                [
                    zeros([num_outer, 2], dtype=pad_samples.dtype),
                    convert_to_tensor([[0, pad_samples]]),
                    zeros([num_inner, 2], dtype=pad_samples.dtype),
                ],
                0,
            )
            signal = pad(signal, paddings, constant_values=pad_value)
            signal_shape = shape(signal)
            length_samples = signal_shape[axis]
        else:
            num_frames = maximum(
                convert_to_tensor(0, dtype=frame_length.dtype),
                1 + (length_samples - frame_length) // frame_step,
            )

        subframe_length, _ = _maybe_constant(_gcd(frame_length, frame_step))
        subframes_per_frame = frame_length // subframe_length
        subframes_per_hop = frame_step // subframe_length
        num_subframes = length_samples // subframe_length

        slice_shape = concat([outer, [num_subframes * subframe_length], inner], 0)
        subframe_shape = concat([outer, [num_subframes, subframe_length], inner], 0)
        subframes = reshape(
            strided_slice(signal, zeros_like(signal_shape), slice_shape), subframe_shape
        )
        frame_selector = reshape(
            range_(num_frames, dtype=frame_length.dtype) * subframes_per_hop, [num_frames, 1]
        )
        subframe_selector = reshape(
            range_(subframes_per_frame, dtype=frame_length.dtype), [1, subframes_per_frame]
        )
        selector = frame_selector + subframe_selector

        outer = convert_to_tensor(outer)
        inner = convert_to_tensor(inner, dtype=outer.dtype)
        mid = convert_to_tensor([num_frames, frame_length], dtype=outer.dtype)
        frames = reshape(gather(subframes, selector, axis=axis), concat([outer, mid, inner], 0))
        if result_shape:
            frames.set_shape(result_shape)
        return frames


def overlap_and_add(signal, frame_step, name=None):
    """Frames ``[..., frames, frame_length]`` summed back into ``[..., output_length]``,
    each ``frame_step`` samples after the previous one."""
    with name_scope(name, "overlap_and_add", [signal, frame_step]):
        signal = convert_to_tensor(signal, name="signal")
        signal.shape.with_rank_at_least(2)
        frame_step = convert_to_tensor(frame_step, name="frame_step")
        if not frame_step.dtype.is_integer:
            raise ValueError(f"frame_step must be an integer. Got {frame_step.dtype}")
        step_static = constant_value(frame_step)
        step_is_static = step_static is not None
        frame_step = int(step_static) if step_is_static else frame_step

        signal_shape = shape(signal)
        shape_static = constant_value(signal_shape)
        if shape_static is not None:
            signal_shape = shape_static
        outer_dimensions = signal_shape[:-2]
        outer_rank = size(outer_dimensions)
        outer_rank_static = constant_value(outer_rank)
        if outer_rank_static is not None:
            outer_rank = int(outer_rank_static)

        def full_shape(inner_shape):
            return concat([outer_dimensions, inner_shape], 0)

        frame_length = signal_shape[-1]
        frames = signal_shape[-2]
        output_length = frame_length + frame_step * (frames - 1)

        if step_is_static and signal.shape.ndims is not None:
            if frame_step == signal.shape.as_list()[-1]:
                return reshape(signal, full_shape([output_length]), name="fast_path")

        segments = -(-frame_length // frame_step)
        paddings = [[0, segments], [0, segments * frame_step - frame_length]]
        outer_paddings = zeros([outer_rank, 2], dtypes.int32)
        signal = pad(signal, concat([outer_paddings, paddings], 0))
        signal = reshape(signal, full_shape([frames + segments, segments, frame_step]))
        perm = concat([range_(outer_rank), outer_rank + np.array([1, 0, 2])], 0)
        perm_static = constant_value(perm)
        signal = transpose(signal, perm_static if perm_static is not None else perm)
        signal = reshape(signal, full_shape([(frames + segments) * segments, frame_step]))
        signal = signal[..., : (frames + segments - 1) * segments, :]
        signal = reshape(signal, full_shape([segments, (frames + segments - 1), frame_step]))
        signal = reduce_sum(signal, -3)
        signal = reshape(signal, full_shape([(frames + segments - 1) * frame_step]))
        return signal[..., :output_length]


def _raised_cosine_window(name, default_name, window_length, periodic, dtype, a, b):
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.control_flow_cond import cond

    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {dtype}")
    with name_scope(name, default_name, [window_length, periodic]):
        window_length = convert_to_tensor(window_length, dtype=dtypes.int32, name="window_length")
        window_length.shape.with_rank(0)
        length_const = constant_value(window_length)
        if length_const is not None and int(length_const) == 1:
            return ones([1], dtype=dtype)
        periodic = cast(
            convert_to_tensor(periodic, dtype=dtypes.bool_, name="periodic"), dtypes.int32
        )
        even = 1 - floormod(window_length, 2, name="mod")
        n = cast(window_length + periodic * even - 1, dtype=dtype)
        count = cast(range_(window_length), dtype)
        cos_arg = convert_to_tensor(2 * np.pi, dtype=dtype) * count / n
        if length_const is not None:
            return cast(a - b * cos(cos_arg), dtype=dtype)
        return cond(
            equal(window_length, 1),
            lambda: ones([window_length], dtype=dtype),
            lambda: cast(a - b * cos(cos_arg), dtype=dtype),
        )


def hann_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """``0.5 - 0.5 cos(2 pi n / N)``: N is the length, or one less when not ``periodic``."""
    return _raised_cosine_window(name, "hann_window", window_length, periodic, dtype, 0.5, 0.5)


def hamming_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """``0.54 - 0.46 cos(2 pi n / N)``: N is the length, or one less when not ``periodic``."""
    return _raised_cosine_window(name, "hamming_window", window_length, periodic, dtype, 0.54, 0.46)
