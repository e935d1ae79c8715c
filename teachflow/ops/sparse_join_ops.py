"""SparseTensors cut and joined: ``tf.sparse.concat``, ``slice`` and ``split``.

Each kernel works on the entries alone, never on a dense copy: a concatenation shifts each
operand's indices along the axis and sorts the lot into row-major order; a slice keeps the
entries inside a box; a split deals the entries out to the pieces they fall in.

    >>> import teachflow as tf
    >>> a = tf.SparseTensor([[0, 1]], [1], [2, 2])
    >>> b = tf.SparseTensor([[1, 0]], [2], [2, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.concat(1, [a, b])).indices.tolist())
    [[0, 1], [1, 2]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.sparse_layout_ops import host_sparse, row_ids, row_major_order, sparse_outputs

__all__ = ["sparse_concat", "sparse_slice", "sparse_split"]


# -- SparseConcat -------------------------------------------------------------------------------
def _concat_kernel(op, device):
    n, concat_dim = op._attrs["N"], op._attrs["concat_dim"]

    def concat(*args):
        parts = [host_sparse(args[k], args[n + k], args[2 * n + k]) for k in range(n)]
        rank = parts[0][2].size
        if not -rank <= concat_dim < rank:
            raise invalid(f"Concat dimension must be in range [{-rank}, {rank}), got {concat_dim}")
        dim = concat_dim % rank
        out_shape = parts[0][2].copy()
        offsets = []
        for k, (_, _, shape) in enumerate(parts):
            if shape.size != rank:
                raise invalid(
                    "Ranks of all input tensors must match: expected "
                    f"{rank} but got {shape.size} at position {k}"
                )
            for d in range(rank):
                if d != dim and shape[d] != out_shape[d]:
                    raise invalid(
                        f"Input shapes must match: expected {out_shape[d]} for dimension {d} "
                        f"but got {shape[d]} at position {k}"
                    )
            offsets.append(sum(int(p[2][dim]) for p in parts[:k]))
        out_shape[dim] = sum(int(p[2][dim]) for p in parts)
        moved = []
        for (indices, _, _), offset in zip(parts, offsets):
            indices = indices.copy()
            indices[:, dim] += offset
            moved.append(indices)
        indices = np.concatenate(moved, axis=0)
        values = np.concatenate([p[1] for p in parts])
        order = row_major_order(indices)
        xp = device.xp
        return xp.asarray(indices[order]), xp.asarray(values[order]), xp.asarray(out_shape)

    return concat


def _concat_infer(op):
    n = op._attrs["N"]
    return sparse_outputs(op.inputs[n].dtype.base_dtype)


registry.register("SparseConcat", _concat_infer, _concat_kernel, not_differentiable=True)


def _static_concat_shape(sp_inputs, axis, expand):
    shapes = [sp.shape for sp in sp_inputs]
    if any(s.ndims is None for s in shapes):
        return None
    dims = [s.as_list() for s in shapes]
    rank = len(dims[0])
    axis %= rank
    out = []
    for d in range(rank):
        column = [s[d] for s in dims]
        if None in column:
            out.append(None)
        elif d == axis:
            out.append(sum(column))
        else:
            out.append(max(column) if expand else column[0])
    return out


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None):  # fmt: skip
    """The SparseTensors ``sp_inputs`` joined along ``axis`` (``SparseConcat``), entries in
    row-major order. With ``expand_nonconcat_dim`` the other dimensions may differ: each
    becomes the largest of them.

        >>> import teachflow as tf
        >>> a = tf.SparseTensor([[0, 1]], [1], [2, 2])
        >>> b = tf.SparseTensor([[0, 0]], [2], [2, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse.concat(1, [a, b])).indices.tolist())
        [[0, 1], [0, 2]]
    """
    from teachflow.ops import array_ops, math_ops

    axis = concat_dim if concat_dim is not None else axis
    if expand_nonconcat_dims is not None:
        expand_nonconcat_dim = expand_nonconcat_dims
    if not isinstance(sp_inputs, (list, tuple)):
        raise TypeError("Inputs must be a list")
    if not sp_inputs:
        raise ValueError("sp_inputs must not be empty")
    shapes = [sp.dense_shape for sp in sp_inputs]
    if expand_nonconcat_dim:
        max_shape = math_ops.reduce_max(
            array_ops.concat([array_ops.reshape(s, [1, -1]) for s in shapes], 0), 0
        )
        shapes = [
            array_ops.concat(
                [
                    max_shape[:axis],
                    s[-1:] if axis == -1 else s[axis : axis + 1],
                    max_shape[:0] if axis == -1 else max_shape[axis + 1 :],
                ],
                0,
            )
            for s in shapes
        ]
    attrs = {"T": sp_inputs[0].dtype.base_dtype, "concat_dim": int(axis), "N": len(sp_inputs)}
    inputs = [sp.indices for sp in sp_inputs] + [sp.values for sp in sp_inputs] + shapes
    graph = sp_inputs[0].graph
    indices, values, shape = graph.create_op(
        "SparseConcat", inputs, attrs, name=name or "SparseConcat"
    ).outputs
    static = _static_concat_shape(sp_inputs, int(axis), expand_nonconcat_dim)
    if static is not None and None not in static:
        shape = convert_to_tensor(np.asarray(static, np.int64), dtype=dtypes.int64)
    out = SparseTensor(indices, values, shape)
    if static is not None:
        out._shape = TensorShape(static)
    return out


# -- SparseSlice --------------------------------------------------------------------------------
def _slice_kernel(op, device):
    def slice_(indices, values, shape, start, size):
        indices, values, shape = host_sparse(indices, values, shape)
        start = np.asarray(to_host(start), np.int64).reshape(-1)
        size = np.asarray(to_host(size), np.int64).reshape(-1)
        if start.size != shape.size or size.size != shape.size:
            raise invalid(
                "Expected start and size to have the same length as the input's rank "
                f"{shape.size}, got {start.size} and {size.size}"
            )
        out_shape = np.maximum(np.minimum(start + size, shape) - start, 0)
        inside = np.all((indices >= start) & (indices < start + size), axis=1)
        xp = device.xp
        return (
            xp.asarray(indices[inside] - start),
            xp.asarray(values[inside]),
            xp.asarray(out_shape.astype(np.int64)),
        )

    return slice_


def _slice_grad(op, unused_indices_grad, values_grad, unused_shape_grad):
    # TF's _SparseSliceGrad: each input entry that made it into the slice gets its gradient.
    val_grad = op.graph.create_op(
        "SparseSliceGrad",
        [values_grad, op.inputs[0], op.inputs[3], op.outputs[0]],
        {"T": op._attrs["T"]},
        name="SparseSliceGrad",
    ).outputs[0]
    return [None, val_grad, None, None, None]


def _slice_grad_kernel(op, device):
    def slice_grad(values_grad, input_indices, input_start, output_indices):
        values_grad = np.asarray(to_host(values_grad))
        indices = np.asarray(to_host(input_indices), np.int64)
        start = np.asarray(to_host(input_start), np.int64).reshape(-1)
        outputs = np.asarray(to_host(output_indices), np.int64)
        (ins, outs), unique = row_ids(indices - start, outputs)
        position = np.full(unique.shape[0] + 1, -1)
        position[outs] = np.arange(outs.size)
        at = position[ins]
        grad = np.where(at >= 0, values_grad[np.maximum(at, 0)] if outs.size else 0, 0)
        return device.xp.asarray(grad.astype(values_grad.dtype))

    return slice_grad


registry.register(
    "SparseSlice",
    lambda op: sparse_outputs(op.inputs[1].dtype.base_dtype, op.inputs[2]),
    _slice_kernel,
    grad=_slice_grad,
)
registry.register(
    "SparseSliceGrad",
    lambda op: [(op.inputs[0].dtype.base_dtype, TensorShape([None]))],
    _slice_grad_kernel,
    not_differentiable=True,
)


def sparse_slice(sp_input, start, size, name=None):
    """The entries of ``sp_input`` in the box at ``start`` of extent ``size`` (clipped to the
    dense shape), their indices made relative to ``start`` (``SparseSlice``).

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[0, 1], [1, 3]], [1, 2], [2, 4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse.slice(sp, [0, 2], [2, 5])).indices.tolist())
        [[1, 1]]
    """
    start = convert_to_tensor(start, dtypes.int64)
    size = convert_to_tensor(size, dtypes.int64)
    with name_scope(name, "SparseSlice", [sp_input]) as scope:
        inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape, start, size]
        outputs = sp_input.graph.create_op(
            "SparseSlice", inputs, {"T": sp_input.dtype.base_dtype}, name=scope
        ).outputs
        return SparseTensor(*outputs)


# -- SparseSplit --------------------------------------------------------------------------------
def _split_kernel(op, device):
    num_split = op._attrs["num_split"]

    def split(split_dim, indices, values, shape):
        indices, values, shape = host_sparse(indices, values, shape)
        rank = shape.size
        dim = int(np.asarray(to_host(split_dim)).reshape(-1)[0])
        if not -rank <= dim < rank:
            raise invalid(f"Input split_dim should be between {-rank} and {rank}, got {dim}")
        dim %= rank
        size = int(shape[dim])
        if not 1 <= num_split <= size:
            raise invalid(
                "Input num_split should be between 1 and the splitting dimension size "
                f"({size}), got {num_split}"
            )
        # The first size % num_split pieces are one longer, as in TF's SparseTensor::Split.
        lengths = np.full(num_split, size // num_split)
        lengths[: size % num_split] += 1
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        piece = np.searchsorted(bounds, indices[:, dim], side="right") - 1
        xp = device.xp
        outs_i, outs_v, outs_s = [], [], []
        for k in range(num_split):
            mine = piece == k
            moved = indices[mine].copy()
            moved[:, dim] -= bounds[k]
            piece_shape = shape.copy()
            piece_shape[dim] = lengths[k]
            outs_i.append(xp.asarray(moved))
            outs_v.append(xp.asarray(values[mine]))
            outs_s.append(xp.asarray(piece_shape))
        return (*outs_i, *outs_v, *outs_s)

    return split


def _split_infer(op):
    n, dtype = op._attrs["num_split"], op.inputs[2].dtype.base_dtype
    indices, values, shape = sparse_outputs(dtype, op.inputs[3])
    return [indices] * n + [values] * n + [shape] * n


registry.register("SparseSplit", _split_infer, _split_kernel, not_differentiable=True)


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None,
                 split_dim=None):  # fmt: skip
    """``sp_input`` cut into ``num_split`` SparseTensors along ``axis`` (``SparseSplit``);
    the first ``size % num_split`` pieces are one longer.

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[0, 0], [1, 2]], [1, 2], [2, 3])
        >>> with tf.Session() as sess:
        ...     print([v.values.tolist() for v in sess.run(tf.sparse.split(sp_input=sp,
        ...         num_split=2, axis=1))])
        [[1], [2]]
    """
    if keyword_required is not None:
        raise ValueError("Keyword arguments are required for this function.")
    if sp_input is None:
        raise ValueError("sp_input is required")
    if num_split is None:
        raise ValueError("num_split is required")
    axis = split_dim if axis is None else axis
    if axis is None:
        raise ValueError("axis is required")
    with name_scope(name, "SparseSplit", [sp_input]) as scope:
        split_dim = convert_to_tensor(axis, dtype=dtypes.int64, name="split_dim")
        inputs = [split_dim, sp_input.indices, sp_input.values, sp_input.dense_shape]
        attrs = {"num_split": int(num_split), "T": sp_input.dtype.base_dtype}
        outs = sp_input.graph.create_op("SparseSplit", inputs, attrs, name=scope).outputs
    n = int(num_split)
    return [SparseTensor(outs[k], outs[n + k], outs[2 * n + k]) for k in range(n)]
