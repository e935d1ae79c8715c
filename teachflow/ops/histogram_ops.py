"""``tf.histogram_fixed_width`` and ``tf.histogram_fixed_width_bins``: equal-width buckets
over ``value_range``, values outside it counted in the first or last bucket.

``histogram_fixed_width`` is one ``HistogramFixedWidth`` op; ``..._bins`` (the bucket of
each value rather than the counts) is, as in TensorFlow, a small composite:
``floor(nbins * (v - lo) / (hi - lo))`` clipped to ``[0, nbins - 1]``.

    >>> import teachflow as tf
    >>> values = [-1.0, 0.0, 1.5, 2.0, 5.0, 15.0]
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.histogram_fixed_width(values, [0.0, 5.0], nbins=5)).tolist())
    ...     print(sess.run(tf.histogram_fixed_width_bins(values, [0.0, 5.0], nbins=5)).tolist())
    [2, 1, 1, 0, 2]
    [0, 0, 1, 2, 4, 4]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host

__all__ = ["histogram_fixed_width", "histogram_fixed_width_bins"]


def _infer_histogram(op):
    nbins = op.inputs[2]
    from teachflow.ops.static_value import constant_value

    known = constant_value(nbins)
    return [(op._attrs["dtype"], TensorShape([None if known is None else int(known)]))]


def _histogram_kernel(op, device):
    out_dtype = op._attrs["dtype"].as_numpy_dtype

    def histogram(values, value_range, nbins):
        values, value_range = np.asarray(to_host(values)), np.asarray(to_host(value_range))
        nbins = int(to_host(nbins))
        if not value_range[0] < value_range[1]:
            raise invalid(
                "value_range should satisfy value_range[0] < value_range[1], but got "
                f"'[{value_range[0]:g}, {value_range[1]:g}]'"
            )
        if nbins <= 0:
            raise invalid(f"nbins should be a positive number, but got '{nbins}'")
        # The kernel's arithmetic: the offset in the values' dtype, the step and the
        # division in double, then truncation (histogram_op.cc).
        step = (float(value_range[1]) - float(value_range[0])) / nbins
        offset = (np.maximum(values, value_range[0]) - value_range[0]).astype(np.float64)
        bins = np.minimum(offset / step, nbins - 1).astype(np.int64).reshape(-1)
        return device.xp.asarray(np.bincount(bins, minlength=nbins).astype(out_dtype))

    return histogram


registry.register(
    "HistogramFixedWidth", _infer_histogram, _histogram_kernel, not_differentiable=True
)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """How many of ``values`` fall in each of ``nbins`` equal buckets spanning
    ``value_range`` ``[lo, hi]``; values below ``lo`` count in the first, at or above
    ``hi`` in the last. InvalidArgumentError when ``lo >= hi`` or ``nbins <= 0``."""
    with name_scope(name, "histogram_fixed_width", [values, value_range, nbins]) as scope:
        values = convert_to_tensor(values, name="values")
        value_range = convert_to_tensor(value_range, name="value_range", dtype=values.dtype)
        nbins = convert_to_tensor(nbins, name="nbins", dtype=dtypes.int32)
        attrs = {"T": values.dtype.base_dtype, "dtype": dtypes.as_dtype(dtype).base_dtype}
        return values.graph.create_op(
            "HistogramFixedWidth", [values, value_range, nbins], attrs, name=scope
        ).outputs[0]


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bucket (0 .. nbins-1) of each entry of ``values``, with the buckets of
    ``histogram_fixed_width``; the result has the values' shape."""
    from teachflow.ops.arithmetic_ops import cast, clip_by_value, truediv
    from teachflow.ops.check_ops import Assert
    from teachflow.ops.comparison_ops import greater
    from teachflow.ops.control_flow_cond import with_dependencies
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.shape_ops import shape
    from teachflow.ops.unary_ops import floor

    with name_scope(name, "histogram_fixed_width_bins", [values, value_range, nbins]):
        values = convert_to_tensor(values, name="values")
        values_shape = shape(values)
        values = reshape(values, [-1])
        value_range = convert_to_tensor(value_range, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        check = Assert(greater(nbins, 0), [f"nbins {nbins} must > 0"])
        nbins = with_dependencies([check], nbins)
        nbins_float = cast(nbins, values.dtype)
        scaled_values = truediv(
            values - value_range[0], value_range[1] - value_range[0], name="scaled_values"
        )
        indices = floor(nbins_float * scaled_values, name="indices")
        indices = cast(clip_by_value(indices, 0, nbins_float - 1), dtype)
        return reshape(indices, values_shape)
