"""``tf.sets``: set algebra along the last axis (intersection, difference, union, size).

Every index of all but the last axis names one *group*; the elements along the last axis
are that group's set (duplicates count once). A dense input gives every group, a
SparseTensor only the groups it has entries in. The result is a SparseTensor: each group's
result set in ascending order, at positions ``0, 1, ...`` of the last axis, whose size is
the largest result set's. Four ops do the work, as in TensorFlow: ``DenseToDenseSetOperation``,
``DenseToSparseSetOperation`` (a sparse first argument is flipped to second place, which
turns ``a-b`` into ``b-a``), ``SparseToSparseSetOperation`` and ``SetSize``. None has a
gradient.

    >>> import teachflow as tf
    >>> a = tf.constant([[1, 2, 2], [3, 4, 5]])
    >>> b = tf.constant([[2, 7], [5, 3]])
    >>> both = tf.sets.intersection(a, b)
    >>> with tf.Session() as sess:
    ...     value, size = sess.run([both, tf.sets.size(both)])
    >>> value.indices.tolist(), value.values.tolist(), value.dense_shape.tolist()
    ([[0, 0], [1, 0], [1, 1]], [2, 3, 5], [2, 2])
    >>> size.tolist()
    [1, 2]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue
from teachflow.ops.op_builder import apply_op, invalid, to_host
from teachflow.ops.sparse_ops import _check_indices

__all__ = [
    "set_difference",
    "set_intersection",
    "set_size",
    "set_union",
]

# TF's _VALID_DTYPES: the kernels hash and order integers and strings only.
VALID_DTYPES = (
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
    dtypes.uint16,
    dtypes.string,
)

# The set_operation attr's values and what each keeps of the two groups' sets.
SET_OPERATIONS = {
    "a-b": lambda s1, s2: s1 - s2,
    "b-a": lambda s1, s2: s2 - s1,
    "intersection": lambda s1, s2: s1 & s2,
    "union": lambda s1, s2: s1 | s2,
}


# -- static shapes: indices [?, rank], values [?], dense_shape [rank] ------------------------------
def _dense_rank(t):
    rank = t.shape.ndims
    if rank is not None and rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {rank}")
    return rank


def _sparse_rank(dense_shape):
    return dimension_value(dense_shape.shape[0]) if dense_shape.shape.ndims == 1 else None


def _merged_rank(r1, r2):
    if r1 is not None and r2 is not None and r1 != r2:
        raise ValueError(f"Group ranks must match: {r1} vs {r2}")
    return r1 if r1 is not None else r2


def _set_operation_outputs(op, rank):
    dt = op._attrs["T"]
    return [
        (dtypes.int64, TensorShape([None, rank])),
        (dt, TensorShape([None])),
        (dtypes.int64, TensorShape([rank])),
    ]


def _infer_dense_to_dense(op):
    a, b = op.inputs
    return _set_operation_outputs(op, _merged_rank(_dense_rank(a), _dense_rank(b)))


def _infer_dense_to_sparse(op):
    rank = _merged_rank(_dense_rank(op.inputs[0]), _sparse_rank(op.inputs[3]))
    return _set_operation_outputs(op, rank)


def _infer_sparse_to_sparse(op):
    rank = _merged_rank(_sparse_rank(op.inputs[2]), _sparse_rank(op.inputs[5]))
    return _set_operation_outputs(op, rank)


def _infer_set_size(op):
    return [(dtypes.int32, TensorShape(None))]


# -- kernels: each group's Python set, computed on the host ----------------------------------------
def _key(value):
    # Strings arrive as an object array of bytes, integers as numpy scalars.
    return value if isinstance(value, bytes) else int(value)


def _dense_groups(x):
    """``(group shape, {group index: set})`` of a dense input: every group, in row-major order."""
    x = np.asarray(to_host(x))
    if x.ndim < 2:
        raise invalid(f"Shape [{','.join(str(d) for d in x.shape)}] has rank {x.ndim} < 2")
    shape = list(x.shape[:-1])
    rows = x.reshape(int(np.prod(shape)), x.shape[-1])
    groups = {
        tuple(int(i) for i in np.unravel_index(n, shape)): {_key(v) for v in row}
        for n, row in enumerate(rows)
    }
    return shape, groups


def _sparse_groups(indices, values, dense_shape, validate):
    """``(group shape, {group index: set})`` of a SparseTensor: the groups it has entries in."""
    indices, values = np.asarray(to_host(indices)), np.asarray(to_host(values))
    dense_shape = np.asarray(to_host(dense_shape))
    if dense_shape.ndim != 1:
        raise invalid("Shape must be a 1D tensor.")
    shape = [int(d) for d in dense_shape]
    if len(shape) < 2:
        raise invalid(f"Invalid rank {len(shape)}.")
    if validate:
        _check_indices(indices.tolist(), shape)
    groups = {}
    for index, value in zip(indices.tolist(), values.reshape(-1)):
        groups.setdefault(tuple(index[:-1]), set()).add(_key(value))
    return shape[:-1], groups


def _group_shape(shape1, shape2):
    if shape1 != shape2:
        raise invalid(
            f"Mismatched shapes [{','.join(map(str, shape1))}] vs [{','.join(map(str, shape2))}]"
        )
    return shape1


def _sparse_result(group_shape, results, dtype):
    """The SparseTensor of the non-empty result sets, each sorted, groups in row-major order."""
    indices, values, widest = [], [], 0
    for group in sorted(results):
        members = sorted(results[group])
        widest = max(widest, len(members))
        indices.extend([*group, k] for k in range(len(members)))
        values.extend(members)
    rank = len(group_shape) + 1
    np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
    return (
        np.asarray(indices, np.int64).reshape(len(values), rank),
        np.asarray(values, np_dtype).reshape(len(values)),
        np.asarray([*group_shape, widest], np.int64),
    )


def _set_operation_kernel(op, device):
    apply = SET_OPERATIONS[op._attrs["set_operation"].lower()]
    validate = op._attrs["validate_indices"]
    dtype = op._attrs["T"]

    def set_operation(*inputs):
        if op.type == "DenseToDenseSetOperation":
            (shape1, sets1), (shape2, sets2) = _dense_groups(inputs[0]), _dense_groups(inputs[1])
        elif op.type == "DenseToSparseSetOperation":
            shape1, sets1 = _dense_groups(inputs[0])
            shape2, sets2 = _sparse_groups(*inputs[1:], validate)
        else:
            shape1, sets1 = _sparse_groups(*inputs[:3], validate)
            shape2, sets2 = _sparse_groups(*inputs[3:], validate)
        group_shape = _group_shape(shape1, shape2)
        results = {}
        for group in set(sets1) | set(sets2):
            result = apply(sets1.get(group, set()), sets2.get(group, set()))
            if result:
                results[group] = result
        return _sparse_result(group_shape, results, dtype)

    return set_operation


def _set_size_kernel(op, device):
    validate = op._attrs["validate_indices"]

    def set_size(indices, values, dense_shape):
        group_shape, sets = _sparse_groups(indices, values, dense_shape, validate)
        out = np.zeros(group_shape, np.int32)
        for group, members in sets.items():
            out[group] = len(members)
        return device.xp.asarray(out)

    return set_size


for _op_type, _infer in [
    ("DenseToDenseSetOperation", _infer_dense_to_dense),
    ("DenseToSparseSetOperation", _infer_dense_to_sparse),
    ("SparseToSparseSetOperation", _infer_sparse_to_sparse),
]:
    registry.register(
        _op_type, _infer, kernels={"CPU": _set_operation_kernel}, not_differentiable=True
    )
registry.register(
    "SetSize", _infer_set_size, kernels={"CPU": _set_size_kernel}, not_differentiable=True
)


# -- the tf.sets functions ------------------------------------------------------------------------
def _tensor_or_sparse(value, name):
    if isinstance(value, SparseTensorValue):
        return SparseTensor(*value)
    if isinstance(value, SparseTensor):
        return value
    return convert_to_tensor(value, name=name)


def _check_dtypes(a, b):
    """TF's ``_convert_to_tensors_or_sparse_tensors``: ``(a, b, flipped)``, dense first."""
    a = _tensor_or_sparse(a, "a")
    if a.dtype.base_dtype not in VALID_DTYPES:
        raise TypeError(
            f"'a' has invalid dtype `{a.dtype.base_dtype.name}` not in supported dtypes"
        )
    b = _tensor_or_sparse(b, "b")
    if b.dtype.base_dtype != a.dtype.base_dtype:
        raise TypeError(f"Types don't match, {a.dtype.base_dtype!r} vs {b.dtype.base_dtype!r}.")
    if isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
        return b, a, True
    return a, b, False


def _set_operation(a, b, set_operation, validate_indices):
    attrs = {
        "set_operation": set_operation,
        "validate_indices": bool(validate_indices),
        "T": a.dtype.base_dtype,
    }
    if isinstance(a, SparseTensor):
        if not isinstance(b, SparseTensor):
            raise ValueError(
                "Sparse,Dense is not supported, but Dense,Sparse is. "
                "Please flip the order of your inputs."
            )
        op_type = "SparseToSparseSetOperation"
        args = [a.indices, a.values, a.dense_shape, b.indices, b.values, b.dense_shape]
    elif isinstance(b, SparseTensor):
        op_type = "DenseToSparseSetOperation"
        args = [a, b.indices, b.values, b.dense_shape]
    else:
        op_type = "DenseToDenseSetOperation"
        args = [a, b]
    op = apply_op(op_type, None, [(t, "", None) for t in args], attrs)
    return SparseTensor(*op.outputs)


def set_intersection(a, b, validate_indices=True):
    """The elements each group of ``a`` shares with the same group of ``b``: a SparseTensor.

    ``a`` and ``b`` are Tensors or SparseTensors of one dtype (integers or strings) whose
    shapes agree in all but the last axis; sparse indices must be sorted in row-major order
    (``validate_indices`` checks that when the op runs).
    """
    a, b, _ = _check_dtypes(a, b)
    return _set_operation(a, b, "intersection", validate_indices)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """The elements of each group of ``a`` that the same group of ``b`` lacks (``b``'s that
    ``a`` lacks with ``aminusb=False``): a SparseTensor.

        >>> import teachflow as tf
        >>> d = tf.sets.difference([[1, 2, 3]], [[2, 4]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(d).values)
        [1 3]
    """
    a, b, flipped = _check_dtypes(a, b)
    if flipped:
        aminusb = not aminusb
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)


def set_union(a, b, validate_indices=True):
    """The elements in either group of ``a`` or ``b``: a SparseTensor."""
    a, b, _ = _check_dtypes(a, b)
    return _set_operation(a, b, "union", validate_indices)


def set_size(a, validate_indices=True):
    """The number of distinct elements in each group of the SparseTensor ``a``: int32, shaped
    like ``a``'s dense shape without its last axis (0 for a group with no entries)."""
    a = _tensor_or_sparse(a, "a")
    if not isinstance(a, SparseTensor):
        raise TypeError(f"Expected `SparseTensor`, got {a}.")
    if a.values.dtype.base_dtype not in VALID_DTYPES:
        raise TypeError(f"Invalid dtype `{a.values.dtype.base_dtype.name}` not in supported dtypes")
    attrs = {"validate_indices": bool(validate_indices), "T": a.values.dtype.base_dtype}
    args = [(a.indices, "set_indices", None), (a.values, "set_values", None)]
    args.append((a.dense_shape, "set_shape", None))
    return apply_op("SetSize", None, args, attrs).outputs[0]
