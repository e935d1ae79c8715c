"""Where a SparseTensor's entries sit: ``tf.sparse.reorder``, ``reshape``, ``retain``,
``transpose``, ``expand_dims``, ``eye`` and ``fill_empty_rows``.

Many sparse kernels walk the entries in row-major ("standard") order; ``SparseReorder``
sorts them into it. ``SparseReshape`` maps each index to its linear position in the old
shape and back out in the new one, so the entries keep their order. ``SparseFillEmptyRows``
gives each row without an entry one at its column 0. The others are built from dense ops on
the indices, as TensorFlow builds them.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[1, 0], [0, 2]], [5.0, 6.0], [2, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.reorder(sp)).indices.tolist())
    [[0, 2], [1, 0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.static_value import constant_value

__all__ = [
    "sparse_reorder",
    "sparse_reshape",
    "sparse_retain",
    "sparse_transpose",
    "sparse_fill_empty_rows",
]  # (sparse_expand_dims and sparse_eye are only tf.sparse.expand_dims and tf.sparse.eye)


def row_major_order(indices):
    """The permutation that sorts ``[n, rank]`` indices into row-major order (stable)."""
    indices = np.asarray(indices)
    if indices.shape[0] == 0 or indices.shape[1] == 0:
        return np.arange(indices.shape[0])
    return np.lexsort(indices.T[::-1])


def row_ids(*index_arrays):
    """One id per row of each ``[n, rank]`` array, equal for equal rows, ordered row-major."""
    both = np.concatenate(index_arrays, axis=0)
    if both.shape[0] == 0:
        return [np.zeros(0, np.int64) for _ in index_arrays], both
    unique, ids = np.unique(both, axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    cuts = np.cumsum([a.shape[0] for a in index_arrays])[:-1]
    return np.split(ids, cuts), unique


def sparse_outputs(values_dtype, like_shape=None):
    rank = (
        like_shape.shape.as_list()[0]
        if like_shape is not None and like_shape.shape.ndims == 1
        else None
    )
    return [
        (dtypes.int64, TensorShape([None, rank])),
        (values_dtype, TensorShape([None])),
        (dtypes.int64, TensorShape([rank])),
    ]


def host_sparse(indices, values, shape):
    """A kernel's (indices, values, dense_shape) inputs as int64/any/int64 numpy arrays."""
    indices = np.asarray(to_host(indices), dtype=np.int64)
    shape = np.asarray(to_host(shape), dtype=np.int64)
    values = np.asarray(to_host(values))
    if indices.ndim != 2:
        raise invalid(f"Input indices should be a matrix but received shape {list(indices.shape)}")
    if values.ndim != 1:
        raise invalid(f"Input values should be a vector but received shape {list(values.shape)}")
    if shape.ndim != 1:
        raise invalid(f"Input shape should be a vector but received shape {list(shape.shape)}")
    return indices, values, shape


def _rank(indices):
    """The static rank of a SparseTensor from its ``[n, rank]`` indices, or None."""
    return indices.shape.as_list()[-1] if indices.shape.ndims == 2 else None


# -- SparseReorder ------------------------------------------------------------------------------
def _reorder_infer(op):
    indices, values = op.inputs[0], op.inputs[1]
    return [
        (dtypes.int64, TensorShape([None, _rank(indices)])),
        (values.dtype.base_dtype, TensorShape([None])),
    ]


def _reorder_kernel(op, device):
    def reorder(indices, values, shape):
        indices, values, _ = host_sparse(indices, values, shape)
        order = row_major_order(indices)
        return device.xp.asarray(indices[order]), device.xp.asarray(values[order])

    return reorder


def _reorder_grad(op, unused_indices_grad, values_grad):
    # TF's _SparseReorderGrad: reorder the entries' positions too, and gather back through
    # the inverse of that permutation.
    from teachflow.ops import array_ops
    from teachflow.ops.filling import range as range_

    indices, shape = op.inputs[0], op.inputs[2]
    positions = range_(array_ops.shape(indices)[0])
    ordered = sparse_reorder(SparseTensor(indices, positions, shape))
    inverse = array_ops.invert_permutation(ordered.values)
    return [None, array_ops.gather(values_grad, inverse), None]


registry.register("SparseReorder", _reorder_infer, _reorder_kernel, grad=_reorder_grad)


def sparse_reorder(sp_input, name=None):
    """The same SparseTensor with its entries in row-major order (``SparseReorder``)."""
    indices, values = (
        sp_input.graph.create_op(
            "SparseReorder",
            [sp_input.indices, sp_input.values, sp_input.dense_shape],
            {"T": sp_input.dtype.base_dtype},
            name=name or "SparseReorder",
        )
    ).outputs
    if sp_input.shape.is_fully_defined():
        return SparseTensor(indices, values, sp_input.shape.as_list())
    from teachflow.ops.array_ops import identity

    return _with_shape(
        SparseTensor(indices, values, identity(sp_input.dense_shape)), sp_input.shape
    )


def _with_shape(sp, shape):
    sp._shape = sp._shape.merge_with(shape)
    return sp


# -- SparseReshape ------------------------------------------------------------------------------
def _reshape_infer(op):
    new_shape = op.inputs[2]
    rank = new_shape.shape.as_list()[0] if new_shape.shape.ndims == 1 else None
    return [(dtypes.int64, TensorShape([None, rank])), (dtypes.int64, TensorShape([rank]))]


def _resolved_shape(dense_size, input_shape, target):
    unknown = np.flatnonzero(target == -1)
    if unknown.size > 1:
        raise invalid(
            f"only one output dimension may be -1, not both {unknown[0]} and {unknown[1]}"
        )
    bad = np.flatnonzero(target < -1)
    if bad.size:
        raise invalid(f"size {bad[0]} must be non-negative, not {target[bad[0]]}")
    product = int(np.prod(np.where(target == -1, 1, target)))
    out = target.copy()
    text = f"input_shape=[{','.join(map(str, input_shape))}] output_shape=[" + (
        ",".join(map(str, target)) + "]"
    )
    if unknown.size:
        if product <= 0 or dense_size % product:
            raise invalid(
                f"Input to reshape is a SparseTensor with {dense_size} dense values, but the "
                f"requested shape requires a multiple of {product}. {text}"
            )
        out[unknown[0]] = dense_size // product
    elif product != dense_size:
        raise invalid(
            f"Input to reshape is a tensor with {dense_size} dense values, but the requested "
            f"shape has {product}. {text}"
        )
    return out


def _reshape_kernel(op, device):
    def reshape(indices, input_shape, new_shape):
        indices = np.asarray(to_host(indices), dtype=np.int64)
        input_shape = np.asarray(to_host(input_shape), dtype=np.int64)
        target = np.asarray(to_host(new_shape), dtype=np.int64)
        out_shape = _resolved_shape(int(np.prod(input_shape)), input_shape, target)
        if indices.shape[0]:
            linear = np.ravel_multi_index(tuple(indices.T), tuple(input_shape))
            out = np.stack(np.unravel_index(linear, tuple(out_shape)), axis=1)
        else:
            out = np.zeros((0, out_shape.size), np.int64)
        return device.xp.asarray(out.astype(np.int64)), device.xp.asarray(out_shape)

    return reshape


registry.register("SparseReshape", _reshape_infer, _reshape_kernel, not_differentiable=True)


def sparse_reshape(sp_input, shape, name=None):
    """``sp_input`` with dense shape ``shape`` (one dimension may be -1), entries in the same
    row-major positions (``SparseReshape``).

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[0, 3], [1, 1]], [1, 2], [2, 4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse.reshape(sp, [4, -1])).indices.tolist())
        [[1, 1], [2, 1]]
    """
    from teachflow.ops.array_ops import identity
    from teachflow.ops.math_ops import cast

    shape = cast(shape, dtypes.int64)
    with name_scope(name, "SparseReshape", [sp_input]) as scope:
        graph = sp_input.graph
        indices, out_shape = graph.create_op(
            "SparseReshape", [sp_input.indices, sp_input.dense_shape, shape], {}, name=scope
        ).outputs
        static = constant_value(shape)
        if static is not None and sp_input.shape.is_fully_defined():
            static = np.asarray(static, np.int64).reshape(-1)
            size = int(np.prod(sp_input.shape.as_list()))
            known = int(np.prod(static[static != -1]))
            if (static == -1).sum() == 1 and known:
                static = np.where(static == -1, size // known, static)
            if (static != -1).all() and int(np.prod(static)) != size:
                raise ValueError(
                    f"Cannot reshape a tensor with {size} elements to shape "
                    f"{static.tolist()} ({int(np.prod(static))} elements)."
                )
            if (static != -1).all():
                out_shape = convert_to_tensor(static.astype(np.int64), dtype=dtypes.int64)
        return SparseTensor(indices, identity(sp_input.values), out_shape)


# -- compositions -------------------------------------------------------------------------------
def sparse_retain(sp_input, to_retain):
    """The entries of ``sp_input`` where the bool vector ``to_retain`` is True.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 0], [1, 2]], [3, 4], [2, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.retain(sp, [False, True])).values.tolist())
    [4]
    """
    from teachflow.ops import array_ops
    from teachflow.ops.comparison_ops import where

    to_retain = convert_to_tensor(to_retain)
    retain_shape = to_retain.shape.with_rank(1)
    if sp_input.values.shape.ndims is not None:
        sp_input.values.shape[0:1].assert_is_compatible_with(retain_shape)
    where_true = array_ops.reshape(where(to_retain), [-1])
    out = SparseTensor(
        array_ops.gather(sp_input.indices, where_true),
        array_ops.gather(sp_input.values, where_true),
        array_ops.identity(sp_input.dense_shape),
    )
    return _with_shape(out, sp_input.shape)


def sparse_transpose(sp_input, perm=None, name=None):
    """``sp_input`` with its dimensions permuted by ``perm`` (default: reversed), reordered.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 2], [1, 0]], [1, 2], [2, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.transpose(sp)).indices.tolist())
    [[0, 1], [2, 0]]
    """
    from teachflow.ops import array_ops

    with name_scope(name, "SparseTranspose", [sp_input]):
        rank = sp_input.shape.ndims
        if perm is None:
            perm = list(range(rank - 1, -1, -1))
        perm_value = np.asarray(perm, np.int64)
        indices = array_ops.transpose(sp_input.indices)
        indices = array_ops.transpose(array_ops.gather(indices, perm_value))
        # TF reads the permutation back as a constant (a Const node of its own).
        convert_to_tensor(perm_value)
        dims = sp_input.shape.as_list()
        transposed = SparseTensor(indices, sp_input.values, [dims[p] for p in perm_value])
        return sparse_reorder(transposed)


def sparse_expand_dims(sp_input, axis=None, name=None):
    """``sp_input`` with a dimension of size 1 inserted at ``axis`` (a column of zeros in its
    indices).

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[0, 2]], [1], [2, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse.expand_dims(sp, 0)).dense_shape.tolist())
        [1, 2, 3]
    """
    from teachflow.ops import array_ops

    rank = sp_input.dense_shape.shape.as_list()[0]
    if rank is None:
        rank = array_ops.shape(sp_input.dense_shape)[0]
    axis = -1 if axis is None else axis
    with name_scope(name, "expand_dims", [sp_input]):
        # A static axis and rank give the same columns as TF's SelectV2 of them.
        if not isinstance(rank, int) or not isinstance(axis, int):
            raise TypeError("tf.sparse.expand_dims needs a static rank and a Python int axis")
        column = axis if axis >= 0 else axis + rank + 1
        num = array_ops.shape(sp_input.indices, out_type=dtypes.int32)[0]
        zeros = array_ops.zeros(array_ops.stack([num, 1]), dtype=dtypes.int64)
        indices = array_ops.concat(
            [
                array_ops.slice(sp_input.indices, [0, 0], [-1, column]),
                zeros,
                array_ops.slice(sp_input.indices, [0, column], [-1, -1]),
            ],
            axis=1,
        )
        shape = array_ops.concat(
            [
                array_ops.slice(sp_input.dense_shape, [0], [column]),
                convert_to_tensor([1], dtype=dtypes.int64, name="new_shape"),
                array_ops.slice(sp_input.dense_shape, [column], [-1]),
            ],
            axis=0,
        )
        out = SparseTensor(indices, sp_input.values, shape)
        # TF reads the new shape back from its ConcatV2: only the inserted 1 is static.
        if isinstance(rank, int):
            out._shape = TensorShape([None] * column + [1] + [None] * (rank - column))
        return out


def sparse_eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The ``num_rows`` x ``num_columns`` identity matrix as a SparseTensor.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.eye(2)).indices.tolist())
    [[0, 0], [1, 1]]
    """
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.filling import range as range_

    static = [constant_value(convert_to_tensor(n)) if not isinstance(n, int) else n
              for n in (num_rows, num_rows if num_columns is None else num_columns)]  # fmt: skip
    with name_scope(name, "eye", [num_rows, num_columns]):
        num_rows = convert_to_tensor(num_rows, dtype=dtypes.int64, name="num_rows")
        num_columns = (
            num_rows
            if num_columns is None
            else convert_to_tensor(num_columns, dtype=dtypes.int64, name="num_columns")
        )
        diag_size = math_ops.minimum(num_rows, num_columns)
        diag_range = range_(diag_size, dtype=dtypes.int64)
        out = SparseTensor(
            indices=array_ops.stack([diag_range, diag_range], axis=1),
            values=array_ops.ones(diag_size, dtype=dtype),
            dense_shape=[num_rows, num_columns],
        )
    # TF reads the static shape back from the packed dense shape.
    out._shape = TensorShape([None if s is None else int(s) for s in static])
    return out


# -- SparseFillEmptyRows ------------------------------------------------------------------------
def _fill_kernel(op, device):
    def fill(indices, values, dense_shape, default_value):
        indices, values, shape = host_sparse(indices, values, dense_shape)
        rows = int(shape[0]) if shape.size else 0
        for n in range(indices.shape[0]):
            row = indices[n, 0]
            if row < 0:
                raise invalid(f"indices({n}, 0) is invalid: {row} < 0")
            if row >= rows:
                raise invalid(f"indices({n}, 0) is invalid: {row} >= {rows}")
        counts = (
            np.bincount(indices[:, 0], minlength=rows) if indices.shape[0] else np.zeros(rows, int)
        )
        empty = counts == 0
        filler = np.zeros((int(empty.sum()), shape.size), np.int64)
        filler[:, 0] = np.flatnonzero(empty)
        all_indices = np.concatenate([indices, filler])
        all_values = np.concatenate(
            [values, np.full(filler.shape[0], to_host(default_value), values.dtype)]
        )
        # Rows in order, each row's entries as they came: a stable sort on the row alone.
        order = np.argsort(all_indices[:, 0], kind="stable")
        reverse = np.empty(all_indices.shape[0], np.int64)
        reverse[order] = np.arange(all_indices.shape[0])
        xp = device.xp
        return (
            xp.asarray(all_indices[order]),
            xp.asarray(all_values[order]),
            xp.asarray(empty),
            xp.asarray(reverse[: indices.shape[0]]),
        )

    return fill


def _fill_infer(op):
    shape = constant_value(op.inputs[2])
    rows = None if shape is None or np.size(shape) == 0 else int(np.reshape(shape, -1)[0])
    return [
        (dtypes.int64, TensorShape([None, None])),
        (op.inputs[1].dtype.base_dtype, TensorShape([None])),
        (dtypes.bool_, TensorShape([rows])),
        (dtypes.int64, TensorShape([None])),
    ]


def _fill_grad(op, unused_indices_grad, values_grad, unused_empty_grad, unused_map_grad):
    # TF's _SparseFillEmptyRowsGrad: an entry's gradient is read where it went; the default
    # value's is the sum over the rows it filled.
    d_values, d_default = op.graph.create_op(
        "SparseFillEmptyRowsGrad",
        [op.outputs[3], values_grad],
        {"T": op._attrs["T"]},
        name="SparseFillEmptyRowsGrad",
    ).outputs
    return [None, d_values, None, d_default]


def _fill_grad_kernel(op, device):
    def fill_grad(reverse_index_map, grad_values):
        reverse = np.asarray(to_host(reverse_index_map), np.int64)
        grad_values = np.asarray(to_host(grad_values))
        filled = np.ones(grad_values.shape[0], bool)
        filled[reverse] = False
        xp = device.xp
        return xp.asarray(grad_values[reverse]), xp.asarray(
            grad_values[filled].sum(dtype=grad_values.dtype)
        )

    return fill_grad


registry.register("SparseFillEmptyRows", _fill_infer, _fill_kernel, grad=_fill_grad)
registry.register(
    "SparseFillEmptyRowsGrad",
    lambda op: [
        (op.inputs[1].dtype.base_dtype, TensorShape([None])),
        (op.inputs[1].dtype.base_dtype, TensorShape([])),
    ],
    _fill_grad_kernel,
    not_differentiable=True,
)


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """``sp_input`` with an entry ``default_value`` at column 0 of each row that has none,
    and the bool vector of those rows.

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[1, 1]], [5], [2, 2])
        >>> with tf.Session() as sess:
        ...     filled, empty = sess.run(tf.sparse.fill_empty_rows(sp, -1))
        >>> filled.indices.tolist(), empty.tolist()
        ([[0, 0], [1, 1]], [True, False])
    """
    with name_scope(name, "SparseFillEmptyRows", [sp_input]):
        default_value = convert_to_tensor(default_value, dtype=sp_input.dtype.base_dtype)
        inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape, default_value]
        indices, values, empty, _ = sp_input.graph.create_op(
            "SparseFillEmptyRows",
            inputs,
            {"T": sp_input.dtype.base_dtype},
            name="SparseFillEmptyRows",
        ).outputs
        out = SparseTensor(indices, values, sp_input.dense_shape)
        out._shape = out._shape.merge_with(sp_input.shape)
        return out, empty
