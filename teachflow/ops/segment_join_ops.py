"""``tf.strings.unsorted_segment_join``: the strings of each segment, joined in order.

The string counterpart of ``tf.math.unsorted_segment_sum``: element ``i`` of ``inputs``
(along the leading dimensions that ``segment_ids`` covers) is appended, with ``separator``
between, to output row ``segment_ids[i]``; segments no element names stay empty strings.

    >>> import teachflow as tf
    >>> j = tf.strings.unsorted_segment_join(["a", "b", "c"], [1, 0, 1], 3, separator="+")
    >>> with tf.Session() as sess:
    ...     print(sess.run(j))
    [b'b' b'a+c' b'']
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import to_host

__all__ = ["unsorted_segment_join"]


def _infer(op):
    inputs, segment_ids, num_segments = op.inputs
    n = int(num_segments.op._attrs["value"]) if num_segments.op.type == "Const" else None
    if inputs.shape.ndims is None or segment_ids.shape.ndims is None:
        return [(dtypes.string, TensorShape(None))]
    inner = inputs.shape.as_list()[segment_ids.shape.ndims :]
    return [(dtypes.string, TensorShape([n, *inner]))]


def _kernel(op, device):
    separator = op._attrs.get("separator", b"")
    separator = separator.encode() if isinstance(separator, str) else separator

    def join(inputs, segment_ids, num_segments):
        inputs = np.asarray(to_host(inputs), dtype=object)
        ids = np.asarray(to_host(segment_ids))
        n = int(to_host(num_segments))
        if inputs.shape[: ids.ndim] != ids.shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"data.shape = {list(inputs.shape)} does not start with segment_ids.shape = "
                f"{list(ids.shape)}",
            )
        if n < 0:
            raise errors.InvalidArgumentError(
                None, None, f"Number of segments cannot be negative: {n}"
            )
        rows = inputs.reshape(ids.size, math.prod(inputs.shape[ids.ndim :]))
        flat_ids = ids.reshape(-1)
        if ((flat_ids < 0) | (flat_ids >= n)).any():
            raise errors.InvalidArgumentError(
                None,
                None,
                "segment_ids are not allowed to exceed num_segments or to have negative values.",
            )
        parts = [[[] for _ in range(rows.shape[1])] for _ in range(n)]
        for row, segment in zip(rows, flat_ids.tolist(), strict=True):
            for column, value in enumerate(row):
                parts[segment][column].append(value)
        out = np.empty((n, rows.shape[1]), dtype=object)
        for segment in range(n):
            for column in range(rows.shape[1]):
                out[segment, column] = separator.join(parts[segment][column])
        return out.reshape((n, *inputs.shape[ids.ndim :]))

    return join


registry.register("UnsortedSegmentJoin", _infer, kernels={"CPU": _kernel}, not_differentiable=True)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """Joins the strings of ``inputs`` that share a segment id, in their order.

    Returns a string tensor of shape ``[num_segments] + inputs.shape[segment_ids.ndim:]``.
    Raises InvalidArgumentError when run if an id is negative or not below ``num_segments``.
    """
    with name_scope(name, "UnsortedSegmentJoin", [inputs, segment_ids]) as scope:
        inputs = convert_to_tensor(inputs, dtype=dtypes.string, name="inputs")
        segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
        num_segments = convert_to_tensor(num_segments, name="num_segments")
        attrs = {
            "separator": separator,
            "Tindices": segment_ids.dtype.base_dtype,
            "Tnumsegments": num_segments.dtype.base_dtype,
        }
        return inputs.graph.create_op(
            "UnsortedSegmentJoin", [inputs, segment_ids, num_segments], attrs, name=scope
        ).outputs[0]
