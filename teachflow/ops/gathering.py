"""Gathering and scattering by index: ``gather``, ``gather_nd`` and ``scatter_nd``.

``gather(params, indices, axis)`` picks whole slices of ``params`` along ``axis``;
``gather_nd`` picks by full coordinates; ``scatter_nd`` is the inverse of ``gather_nd``:
it adds values into zeros at given coordinates (duplicates are summed).

Gradients: the gradient of a ``GatherV2`` along axis 0 is an `IndexedSlices` (the rows
that were used, unsummed, and their indices), as TensorFlow's. Along another axis it is the
dense equivalent, built with ``scatter_nd`` (rows used twice are summed).

    >>> import teachflow as tf
    >>> params = tf.zeros([5, 3])
    >>> tf.gather(params, [[0, 4]]).shape, tf.gather(params, [2], axis=1).shape
    (TensorShape([Dimension(1), Dimension(2), Dimension(3)]), TensorShape([Dimension(5), Dimension(1)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import reshaping, shape_ops
from teachflow.ops.allocation import check_output
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.ops.joining import concat
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    invalid,
    shape_text,
    to_host,
)
from teachflow.ops.static_value import constant_value, constant_value_as_shape

__all__ = ["gather", "gather_nd", "scatter_nd", "boolean_mask"]

_GATHER_INDEX_DTYPES = (dtypes.int16, dtypes.int32, dtypes.int64)


# -- gather -------------------------------------------------------------------------------------
def _infer_gather(op):
    params, indices, axis_t = op.inputs
    check_index_dtype(op, 1, "indices", _GATHER_INDEX_DTYPES)
    check_index_dtype(op, 2, "Taxis")
    dt = params.dtype.base_dtype
    if params.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    axis = constant_value(axis_t)
    batch_dims = op._attrs["batch_dims"]
    if params.shape.ndims is None or indices.shape.ndims is None:
        return [(dt, TensorShape(None))]
    rank = params.shape.ndims
    if axis is None:
        return [(dt, TensorShape([None] * (rank + indices.shape.ndims - 1 - batch_dims)))]
    axis = int(axis)
    if not -rank <= axis < rank:
        needed = axis + 1 if axis >= 0 else -axis
        raise ValueError(f"Shape must be at least rank {needed} but is rank {rank}")
    axis = axis + rank if axis < 0 else axis
    dims = params.shape.as_list()
    out = dims[:axis] + indices.shape.as_list()[batch_dims:] + dims[axis + 1 :]
    return [(dt, TensorShape(out))]


def _check_indices(idx, limit, name="indices"):
    bad = (idx < 0) | (idx >= limit)
    if np.any(bad):
        where = np.argwhere(bad)[0]
        position = ",".join(str(int(i)) for i in where)
        value = int(idx[tuple(where)])
        # TF's SliceDebugString: no brackets for a scalar index ("indices = 5").
        where_text = f"[{position}]" if idx.ndim else ""
        raise invalid(f"{name}{where_text} = {value} is not in [0, {limit})")


def _gather_kernel(op, device):
    xp = device.xp
    batch_dims = op._attrs["batch_dims"]

    def gather_values(params, indices, axis):
        params = xp.asarray(params)
        idx = xp.asarray(indices)
        a = int(axis)
        a = a + params.ndim if a < 0 else a
        if not 0 <= a < params.ndim:
            raise invalid(
                f"Expected axis in the range [{-params.ndim}, {params.ndim}), but got {int(axis)}"
            )
        _check_indices(np.asarray(to_host(indices)), params.shape[a])
        # indices.shape replaces the gathered axis (its batch dims are params' own).
        out = (*params.shape[:a], *idx.shape[batch_dims:], *params.shape[a + 1 :])
        check_output(device, out, params.dtype)
        if batch_dims == 0:
            return as_output(xp.take(params, idx, axis=a))
        # Batched gather: one independent gather per leading batch position.
        batch = params.shape[:batch_dims]
        flat_p = params.reshape((-1,) + params.shape[batch_dims:])
        flat_i = idx.reshape((-1,) + idx.shape[batch_dims:])
        parts = [xp.take(p, i, axis=a - batch_dims) for p, i in zip(flat_p, flat_i)]
        stacked = xp.stack(parts) if parts else xp.zeros((0,), params.dtype)
        return as_output(stacked.reshape(batch + stacked.shape[1:]))

    return gather_values


def _gather_grad(op, grad):
    params, indices, axis_t = op.inputs
    if op._attrs["batch_dims"] == 0 and constant_value(axis_t) == 0:
        return [_rows_gradient(params, indices, grad), None, None]
    # Along another axis, the dense form: flatten the indices, move the gathered axis to
    # the front, scatter-add the rows into zeros, and move the axis back.
    axis = constant_value(axis_t)
    rank = params.shape.ndims
    if op._attrs["batch_dims"] != 0 or axis is None or rank is None:
        raise ValueError(
            "teachflow differentiates gather with batch_dims=0, a constant axis and params "
            "of known rank"
        )
    axis = int(axis) % rank
    params_shape = shape_ops.shape(params)
    n = reshaping.expand_dims(shape_ops.size(indices), 0)
    flat_indices = reshaping.reshape(indices, [-1, 1])
    if axis == 0:
        values = reshaping.reshape(grad, concat([n, params_shape[1:]], 0))
        return [scatter_nd(flat_indices, values, params_shape), None, None]
    outer, inner = params_shape[:axis], params_shape[axis + 1 :]
    rows_first = [axis] + list(range(axis)) + list(range(axis + 1, rank))
    values = reshaping.transpose(reshaping.reshape(grad, concat([outer, n, inner], 0)), rows_first)
    dense = scatter_nd(
        flat_indices, values, concat([params_shape[axis : axis + 1], outer, inner], 0)
    )
    back = list(range(1, axis + 1)) + [0] + list(range(axis + 1, rank))
    return [reshaping.transpose(dense, back), None, None]


def _rows_gradient(params, indices, grad):
    """TF's axis-0 gather gradient: the incoming rows as they are, with their indices."""
    with params.graph.colocate_with(params.op):
        params_shape = shape_ops.shape(params)
    size = reshaping.expand_dims(shape_ops.size(indices), 0)
    values_shape = concat([size, params_shape[1:]], 0)
    # (an IndexedSlices gradient of the gather's output is densified here, as in TF)
    values = reshaping.reshape(grad, values_shape)
    return IndexedSlices(values, reshaping.reshape(indices, size), params_shape)


registry.register("GatherV2", _infer_gather, _gather_kernel, grad=_gather_grad)


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Slices of ``params`` along ``axis`` picked by ``indices`` (any shape).

        >>> import teachflow as tf
        >>> tf.gather(tf.constant([10, 20, 30]), [2, 0]).shape
        TensorShape([Dimension(2)])

    Out-of-range indices raise `InvalidArgumentError` at run time
    ("indices[0] = 5 is not in [0, 3)"), as on TensorFlow's CPU.
    """
    if axis is None:
        axis = batch_dims
    args = [(params, "params", None), (indices, "indices", INDEX), (axis, "axis", INDEX)]
    return apply_op("GatherV2", name, args, {"batch_dims": int(batch_dims)}).outputs[0]


# -- gather_nd / scatter_nd ---------------------------------------------------------------------
def _infer_gather_nd(op):
    params, indices = op.inputs
    check_index_dtype(op, 1, "Tindices")
    dt = params.dtype.base_dtype
    if (
        indices.shape.ndims is None
        or params.shape.ndims is None
        or dimension_value(indices.shape[-1]) is None
    ):
        return [(dt, TensorShape(None))]
    depth = dimension_value(indices.shape[-1])
    if depth > params.shape.ndims:
        raise ValueError(
            f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
            f"{shape_text(indices.shape.as_list())} and params shape: {shape_text(params.shape.as_list())}"
        )
    return [(dt, TensorShape(indices.shape.as_list()[:-1] + params.shape.as_list()[depth:]))]


def _coordinates(idx, shape, what, extra=""):
    """``idx[..., k]`` as a tuple of index arrays, after TF's bounds check."""
    depth = idx.shape[-1]
    flat = idx.reshape(-1, depth)
    limits = np.asarray(shape[:depth])
    bad = np.any((flat < 0) | (flat >= limits), axis=1)
    if np.any(bad):
        i = int(np.argmax(bad))
        coords = ", ".join(str(int(v)) for v in flat[i])
        raise invalid(
            f"indices[{i}] = [{coords}] does not index into {what} {shape_text(shape)}{extra}"
        )
    return tuple(idx[..., k] for k in range(depth))


def _gather_nd_kernel(op, device):
    xp = device.xp

    def gather_nd_values(params, indices):
        params = xp.asarray(params)
        coords = _coordinates(np.asarray(to_host(indices)), params.shape, "param shape")
        return as_output(params[tuple(xp.asarray(c) for c in coords)])

    return gather_nd_values


def _gather_nd_grad(op, grad):
    params, indices = op.inputs
    shape = shape_ops.shape(params, out_type=indices.dtype.base_dtype)
    return [scatter_nd(indices, grad, shape), None]


registry.register("GatherNd", _infer_gather_nd, _gather_nd_kernel, grad=_gather_nd_grad)


def gather_nd(params, indices, name=None, batch_dims=0):
    """Elements or slices of ``params`` at the coordinates in ``indices``' last axis.

    >>> import teachflow as tf
    >>> tf.gather_nd(tf.zeros([3, 2]), [[1, 1], [2, 0]]).shape
    TensorShape([Dimension(2)])
    """
    if batch_dims != 0:
        raise ValueError("gather_nd supports batch_dims=0 in teachflow")
    args = [(params, "params", None), (indices, "indices", INDEX)]
    return apply_op("GatherNd", name, args).outputs[0]


def _infer_scatter_nd(op):
    indices, updates, shape_t = op.inputs
    check_index_dtype(op, 0, "Tindices")
    check_index_dtype(op, 2, "Tindices")
    return [(updates.dtype.base_dtype, constant_value_as_shape(shape_t))]


def _scatter_nd_kernel(op, device):
    xp = device.xp
    np_type = op.outputs[0].dtype.as_numpy_dtype

    def scatter_nd_values(indices, updates, shape):
        dims = [int(d) for d in np.reshape(shape, [-1])]
        if all(d >= 0 for d in dims):  # a negative one is reported by the coordinates
            check_output(device, dims, np_type)
        # Summing duplicates needs an unbuffered add (ufunc.at): done on the host.
        result = np.zeros(dims, dtype=np_type)
        coords = _coordinates(np.asarray(to_host(indices)), dims, "shape")
        np.add.at(result, coords, to_host(updates))
        return as_output(result if xp is np else xp.asarray(result))

    return scatter_nd_values


def _scatter_nd_grad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None]


registry.register("ScatterNd", _infer_scatter_nd, _scatter_nd_kernel, grad=_scatter_nd_grad)


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (duplicates summed).

    >>> import teachflow as tf
    >>> tf.scatter_nd([[1], [1]], [[1.0, 2.0], [3.0, 4.0]], [3, 2]).shape
    TensorShape([Dimension(3), Dimension(2)])
    """
    args = [(indices, "indices", INDEX), (updates, "updates", None), (shape, "shape", INDEX)]
    return apply_op("ScatterNd", name, args).outputs[0]


# -- boolean_mask ---------------------------------------------------------------------------------
def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The elements (or slices along ``axis``) of ``tensor`` where ``mask`` is true.

    As in TensorFlow, the masked dimensions are flattened into one and the true
    positions found with ``tf.where`` are gathered, so the result's leading masked
    dimension is unknown until run time.

        >>> import teachflow as tf
        >>> tf.boolean_mask(tf.zeros([3, 2]), [True, False, True]).shape
        TensorShape([Dimension(None), Dimension(2)])
    """
    from teachflow.ops import comparison_ops, reduction_ops

    with name_scope(name, "boolean_mask", [tensor, mask]):
        tensor = convert_to_tensor(tensor, name="tensor")
        mask = convert_to_tensor(mask, name="mask")
        n = mask.shape.ndims
        if n == 0:
            raise ValueError("mask cannot be scalar.")
        if n is None:
            raise ValueError(
                "Number of mask dimensions must be specified, even if some dimensions are None.  "
                "E.g. shape=[None] is ok, but shape=None is not."
            )
        axis = 0 if axis is None else axis
        static_axis = constant_value(axis) if isinstance(axis, Tensor) else axis
        if static_axis is not None:
            axis = int(static_axis)
            tensor.shape[axis : axis + n].assert_is_compatible_with(mask.shape)
        # TF reads the shape three times and packs the leading size: the same nodes here.
        leading = reduction_ops.reduce_prod(shape_ops.shape(tensor)[axis : axis + n], [0])
        flat = reshaping.reshape(
            tensor,
            concat(
                [
                    shape_ops.shape(tensor)[:axis],
                    [leading],
                    shape_ops.shape(tensor)[axis + n :],
                ],
                0,
            ),
        )
        if not isinstance(axis, Tensor) and tensor.shape.ndims is not None:
            known = tensor.shape[axis : axis + n].num_elements()
            flat.set_shape(
                tensor.shape[:axis].concatenate([known]).concatenate(tensor.shape[axis + n :])
            )
        indices = reshaping.squeeze(comparison_ops.where(reshaping.reshape(mask, [-1])), axis=[1])
        return gather(flat, indices, axis=axis)
