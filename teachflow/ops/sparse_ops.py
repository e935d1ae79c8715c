"""Sparse tensors made dense: ``tf.sparse_tensor_to_dense`` (``tf.sparse.to_dense``).

``SparseToDense`` writes each value at its index in a tensor of ``output_shape`` filled
with ``default_value``. With ``validate_indices`` the indices must be in range, sorted in
row-major order and unique, as TensorFlow checks them.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 1], [2, 0]], [5, 6], [3, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse_tensor_to_dense(sp, default_value=-1)))
    [[-1  5]
     [-1 -1]
     [ 6 -1]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.placeholder_ops import sparse_placeholder
from teachflow.ops.static_value import constant_value

__all__ = ["SparseTensor", "sparse_placeholder", "sparse_tensor_to_dense", "sparse_to_dense"]


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _check_indices(indices, shape):
    for n, index in enumerate(indices):
        if any(i < 0 or i >= d for i, d in zip(index, shape)):
            raise _invalid(
                f"indices[{n}] = [{','.join(str(i) for i in index)}] is out of bounds: need "
                f"0 <= index < [{','.join(str(d) for d in shape)}]"
            )
        if n and tuple(index) <= tuple(indices[n - 1]):
            what = "repeated" if tuple(index) == tuple(indices[n - 1]) else "out of order"
            raise _invalid(
                f"indices[{n}] = [{','.join(str(i) for i in index)}] is {what}. Many sparse "
                "ops require sorted indices.\n    Use `tf.sparse.reorder` to create a correctly "
                "ordered copy."
            )


def _sparse_to_dense_kernel(op, device):
    validate = op._attrs.get("validate_indices", True)

    def sparse_to_dense(indices, output_shape, values, default_value):
        indices = np.asarray(indices, dtype=np.int64)
        shape = [int(d) for d in np.reshape(output_shape, -1)]
        if indices.ndim < 2:
            indices = indices.reshape(-1, 1 if indices.ndim else len(shape) or 1)
        values = np.asarray(values)
        dense = np.full(shape, default_value, dtype=values.dtype)
        if validate:
            _check_indices(indices.tolist(), shape)
        if indices.shape[0]:
            dense[tuple(indices.T)] = np.broadcast_to(values, (indices.shape[0],))
        return dense

    return sparse_to_dense


def _sparse_to_dense_infer(op):
    shape = constant_value(op.inputs[1])
    dims = None if shape is None else [int(d) for d in np.reshape(shape, -1)]
    if (
        dims is None
        and op.inputs[1].shape.rank == 1
        and dimension_value(op.inputs[1].shape[0]) is not None
    ):
        dims = [None] * dimension_value(op.inputs[1].shape[0])
    return [(op.inputs[2].dtype.base_dtype, TensorShape(dims))]


def _sparse_to_dense_grad(op, grad):
    # TF's _SparseToDenseGrad: each value's gradient is read at its index; the default
    # value's is what the rest of the gradient sums to.
    from teachflow.ops import array_ops, math_ops

    indices, shape = op.inputs[0], op.inputs[1]
    values_grad = array_ops.gather_nd(grad, indices)
    default_grad = math_ops.reduce_sum(grad) - math_ops.reduce_sum(values_grad)
    return [array_ops.zeros_like(indices), array_ops.zeros_like(shape), values_grad, default_grad]


registry.register(
    "SparseToDense",
    _sparse_to_dense_infer,
    kernels={"CPU": _sparse_to_dense_kernel},
    grad=_sparse_to_dense_grad,
)


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor of ``sp_input``: its values at their indices, ``default_value``
    (0 or b"") everywhere else."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    if default_value is None:
        # TF 2.21 builds a scalar ``zeros`` outside the op's scope (b"" for strings).
        from teachflow.ops.filling import zeros

        default_value = zeros([], dtype=sp_input.dtype.base_dtype)
    with name_scope(name, "SparseToDense") as scope:
        default = convert_to_tensor(
            default_value, dtype=sp_input.dtype.base_dtype, name="default_value"
        )
        attrs = {
            "validate_indices": bool(validate_indices),
            "T": sp_input.dtype.base_dtype,
            "Tindices": dtypes.int64,
        }
        inputs = [sp_input.indices, sp_input.dense_shape, sp_input.values, default]
        return get_default_graph().create_op("SparseToDense", inputs, attrs, name=scope).outputs[0]


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices=True, name=None):  # fmt: skip
    """The ``SparseToDense`` op on its own tensors (TF 1's ``tf.sparse_to_dense``).

    ``sparse_indices`` (int32 or int64) is ``[n, rank]``, ``[n]`` or a scalar;
    ``sparse_values`` is ``[n]`` or one value for every index.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse_to_dense([[0, 2]], [2, 3], 7.0, validate_indices=False)))
        [[0. 0. 7.]
         [0. 0. 0.]]
    """
    with name_scope(name, "SparseToDense", [sparse_indices, sparse_values]) as scope:
        indices = convert_to_tensor(sparse_indices, name="sparse_indices")
        if indices.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            indices = convert_to_tensor(sparse_indices, dtype=dtypes.int32, name="sparse_indices")
        index_dtype = indices.dtype.base_dtype
        shape = convert_to_tensor(output_shape, dtype=index_dtype, name="output_shape")
        values = convert_to_tensor(sparse_values, name="sparse_values")
        default = convert_to_tensor(
            default_value, dtype=values.dtype.base_dtype, name="default_value"
        )
        attrs = {
            "validate_indices": bool(validate_indices),
            "T": values.dtype.base_dtype,
            "Tindices": index_dtype,
        }
        inputs = [indices, shape, values, default]
        return get_default_graph().create_op("SparseToDense", inputs, attrs, name=scope).outputs[0]
