"""Splitting a tensor by labels and merging pieces back: ``tf.dynamic_partition`` and
``tf.dynamic_stitch`` (each the other's gradient, as in TensorFlow).

    >>> import teachflow as tf
    >>> evens, odds = tf.dynamic_partition([10, 11, 12, 13], [0, 1, 0, 1], 2)
    >>> merged = tf.dynamic_stitch([[0, 2], [1, 3]], [evens, odds])
    >>> with tf.Session() as sess:
    ...     print(sess.run(evens).tolist(), sess.run(merged).tolist())
    [10, 12] [10, 11, 12, 13]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.static_value import constant_value

__all__ = ["dynamic_partition", "dynamic_stitch"]


# -- DynamicPartition ----------------------------------------------------------------------------
def _infer_partition(op):
    data, partitions = op.inputs
    if partitions.dtype.base_dtype is not dtypes.int32:
        raise TypeError(
            f"Input 'partitions' of 'DynamicPartition' Op has type "
            f"{partitions.dtype.base_dtype.name} that does not match expected type of int32."
        )
    n = op._attrs["num_partitions"]
    if data.shape.ndims is None or partitions.shape.ndims is None:
        shape = TensorShape(None)
    else:
        shape = TensorShape([None]).concatenate(data.shape[partitions.shape.ndims :])
    return [(data.dtype.base_dtype, shape)] * n


def _partition_kernel(op, device):
    n = op._attrs["num_partitions"]

    def partition(data, partitions):
        data, parts = np.asarray(to_host(data)), np.asarray(to_host(partitions))
        if data.shape[: parts.ndim] != parts.shape:
            raise invalid(
                f"data.shape must start with partitions.shape, got data.shape = "
                f"{list(data.shape)}, partitions.shape = {list(parts.shape)}"
            )
        flat = parts.reshape(-1)
        bad = (flat < 0) | (flat >= n)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise invalid(f"partitions[{i}] = {int(flat[i])} is not in [0, {n})")
        rows = data.reshape((-1,) + data.shape[parts.ndim :])
        return tuple(device.xp.asarray(rows[flat == k]) for k in range(n))

    return partition


def _partition_grad(op, *grads):
    """Stitch the partitions' gradients back to where their rows came from."""
    from teachflow.ops import array_ops
    from teachflow.ops.filling import range as range_
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.reduction_ops import reduce_prod

    data, partitions = op.inputs
    n = op._attrs["num_partitions"]
    prefix_shape = array_ops.shape(partitions)
    original = array_ops.reshape(range_(reduce_prod(prefix_shape)), prefix_shape)
    partitioned = dynamic_partition(original, partitions, n)
    grads = [zeros_like(out) if g is None else g for g, out in zip(grads, op.outputs)]
    stitched = dynamic_stitch(partitioned, grads)
    return [array_ops.reshape(stitched, array_ops.shape(data)), None]


registry.register("DynamicPartition", _infer_partition, _partition_kernel, grad=_partition_grad)


def dynamic_partition(data, partitions, num_partitions, name=None):
    """``num_partitions`` tensors: output ``k`` holds the rows of ``data`` whose entry in
    ``partitions`` (int32, a prefix of ``data``'s shape) is ``k``, in order."""
    with name_scope(name, "DynamicPartition", [data, partitions]) as scope:
        data = convert_to_tensor(data, name="data")
        partitions = convert_to_tensor(partitions, name="partitions")
        attrs = {"T": data.dtype.base_dtype, "num_partitions": int(num_partitions)}
        op = data.graph.create_op("DynamicPartition", [data, partitions], attrs, name=scope)
        return list(op.outputs)


# -- DynamicStitch -------------------------------------------------------------------------------
def _infer_stitch(op):
    n = len(op.inputs) // 2
    indices, data = op.inputs[:n], op.inputs[n:]
    dt = data[0].dtype.base_dtype
    for d in data[1:]:
        if d.dtype.base_dtype is not dt:
            raise TypeError(
                f"Input 'data' of 'DynamicStitch' Op has type {d.dtype.base_dtype.name} that "
                f"does not match type {dt.name} of argument 'data'."
            )
    rows = None
    values = [constant_value(i) for i in indices]
    if all(v is not None for v in values):
        rows = max((int(np.max(v)) + 1 for v in values if np.size(v)), default=0)
    first, first_data = indices[0], data[0]
    if first.shape.ndims is None or first_data.shape.ndims is None:
        return [(dt, TensorShape(None))]
    return [(dt, TensorShape([rows]).concatenate(first_data.shape[first.shape.ndims :]))]


def _stitch_kernel(op, device):
    n = len(op.inputs) // 2

    def stitch(*args):
        indices = [np.asarray(to_host(i)).astype(np.int64) for i in args[:n]]
        data = [np.asarray(to_host(d)) for d in args[n:]]
        tail = data[0].shape[indices[0].ndim :]
        rows = max((int(i.max()) + 1 for i in indices if i.size), default=0)
        out = np.zeros((rows,) + tail, data[0].dtype)
        for k, (idx, d) in enumerate(zip(indices, data)):
            if d.shape != idx.shape + tail:
                raise invalid(
                    f"data[{k}].shape = {list(d.shape)} does not start with indices[{k}].shape "
                    f"= {list(idx.shape)}"
                )
            if idx.size and idx.min() < 0:
                raise invalid(f"indices[{k}] has a negative index")
            # Later pieces overwrite earlier ones at a repeated index, as TF's kernel does.
            out[idx.reshape(-1)] = d.reshape((-1,) + tail)
        return device.xp.asarray(out)

    return stitch


def _stitch_grad(op, grad):
    from teachflow.ops.gathering import gather
    from teachflow.ops.math_ops import cast

    n = len(op.inputs) // 2
    indices = [
        i if i.dtype.base_dtype is dtypes.int32 else cast(i, dtypes.int32) for i in op.inputs[:n]
    ]
    return [None] * n + [gather(grad, i) for i in indices]


registry.register("DynamicStitch", _infer_stitch, _stitch_kernel, grad=_stitch_grad)


def dynamic_stitch(indices, data, name=None):
    """One tensor with ``merged[indices[m][i]] = data[m][i]``: the inverse of
    `dynamic_partition` given the positions each piece came from."""
    with name_scope(name, "DynamicStitch", [*indices, *data]) as scope:
        # TF's op_def_library names the members of a list input arg_0, arg_1, ...
        indices = [
            convert_to_tensor(t, dtype=dtypes.int32, name=f"indices_{k}")
            for k, t in enumerate(indices)
        ]
        data = [convert_to_tensor(t, name=f"data_{k}") for k, t in enumerate(data)]
        if len(indices) != len(data):
            raise ValueError(
                f"List argument 'indices' to 'DynamicStitch' Op with length {len(indices)} "
                f"must match length {len(data)} of argument 'data'."
            )
        attrs = {"N": len(data), "T": data[0].dtype.base_dtype}
        graph = data[0].graph
        return graph.create_op("DynamicStitch", [*indices, *data], attrs, name=scope).outputs[0]
