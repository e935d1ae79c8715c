"""Reshaping: the same elements under a new shape — ``reshape``, ``expand_dims``,
``squeeze`` and ``transpose``.

``reshape``/``expand_dims``/``squeeze`` never move an element (row-major order is kept),
so each one's gradient is the incoming gradient reshaped back to the input's shape;
``transpose`` moves elements and its gradient transposes back by the inverse permutation.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 1, 3])
    >>> tf.squeeze(x, [1]).shape, tf.transpose(x).shape
    (TensorShape([Dimension(None), Dimension(3)]), TensorShape([Dimension(3), Dimension(1), Dimension(None)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import shape_ops
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
    shape_text,
)
from teachflow.ops.static_value import constant_value, constant_value_as_shape

__all__ = ["reshape", "expand_dims", "squeeze", "transpose", "invert_permutation"]


# -- reshape ------------------------------------------------------------------------------------
def _infer_reshape(op):
    x, shape_t = op.inputs
    check_index_dtype(op, 1, "Tshape")
    check_rank(shape_t.shape, 1)
    known = constant_value(shape_t)
    if known is not None and min(int_list(known), default=0) < -1:
        raise ValueError(f"Invalid value in tensor used for shape: {min(int_list(known))}")
    out = constant_value_as_shape(shape_t)
    if out.ndims is None:
        if shape_t.shape.ndims == 1 and dimension_value(shape_t.shape[0]) is not None:
            out = TensorShape([None] * shape_t.shape[0])
        return [(x.dtype.base_dtype, out)]
    return [(x.dtype.base_dtype, TensorShape(_reshaped_dims(x.shape, out.as_list())))]


def _reshaped_dims(in_shape, out):
    """TensorFlow's ``SetOutputShapeForReshape``: fill in what the element count implies."""
    n_in = _num_elements(in_shape)
    known_out, out_unknown = _known_product(out)
    if not out_unknown and n_in is not None:
        if n_in != known_out:
            raise ValueError(
                f"Cannot reshape a tensor with {n_in} elements to shape {shape_text(out)} "
                f"({known_out} elements)"
            )
        return out
    if in_shape.ndims is None:
        return out
    if n_in is not None and len(out_unknown) == 1 and known_out > 0:
        return _with_dim(out, out_unknown[0], _divide(n_in, known_out))
    known_in, in_unknown = _known_product(in_shape.as_list())
    if len(out_unknown) > 1 or len(in_unknown) > 1:
        return out
    if not in_unknown and known_out > 0:
        return _with_dim(out, out_unknown[0], _divide(known_in, known_out))
    if in_unknown and not out_unknown and known_in != 0:
        _divide(known_out, known_in)
    return out


def _num_elements(shape):
    if shape.ndims is None:
        return None
    if any(d == 0 for d in shape.as_list()):
        return 0
    return shape.num_elements()


def _known_product(dims):
    product, unknown = 1, []
    for i, d in enumerate(dims):
        if d is None:
            unknown.append(i)
        else:
            product *= d
    return product, unknown


def _divide(n, by):
    if n % by:
        raise ValueError(f"Dimension size must be evenly divisible by {by} but is {n}")
    return n // by


def _with_dim(dims, i, value):
    dims = list(dims)
    dims[i] = value
    return dims


_MAX_ELEMENTS = 2**63 - 1


def _reshape_kernel(op, device):
    xp = device.xp
    known = constant_value(op.inputs[1])
    fixed = None if known is None else int_list(known)
    if fixed is not None and min(fixed, default=0) < -1:
        fixed = None  # numpy would read -2 as -1; TF rejects it (below)

    def reshape_value(x, shape_value):
        # numpy checks what TF checks in the common case; only when it refuses do the
        # checks below run, for TF's error (or for what numpy reads otherwise: -2 as -1).
        dims = fixed
        if dims is None and getattr(shape_value, "ndim", None) == 1:
            dims = shape_value.tolist()
            if min(dims, default=0) < -1:
                dims = None
        if dims is not None:
            try:
                return as_output(x.reshape(dims))
            except (ValueError, AttributeError):
                pass  # numpy refused, or x is a Python value: TF's checks below
        return checked_reshape(x, shape_value)

    def checked_reshape(x, shape_value):
        # TF's ReshapeOp: zero sizes stay out of the product, so that -1 can still be
        # inferred for an empty tensor ([0, -1] of nothing is [0, 1]).
        dims = int_list(shape_value)
        n = int(np.size(x))
        unknown, product, has_zero, counted = -1, 1, False, 1
        for i, d in enumerate(dims):
            if d == -1:
                if unknown >= 0:
                    raise invalid(f"Only one input size may be -1, not both {unknown} and {i}")
                unknown = i
            elif d < 0:
                raise invalid(f"Size {i} must be non-negative, not {d}")
            elif d == 0:
                has_zero, counted = True, 0
            else:
                counted *= d
                if counted > _MAX_ELEMENTS:
                    sizes = ", ".join(map(str, dims))
                    raise invalid(f"Shape [{sizes}] has too many elements")
                product *= d
        if unknown >= 0:
            skip_zeros = has_zero
            input_n, input_has_zero = 1, False
            for d in np.shape(x):
                if d > 0 or not skip_zeros:
                    input_n *= d
                else:
                    input_has_zero = True
            missing = input_n // product
            if not input_has_zero and product * missing != input_n:
                raise invalid(
                    f"Input to reshape is a tensor with {input_n} values, but the requested "
                    f"shape requires a multiple of {product}"
                )
            dims[unknown] = missing
        requested = int(np.prod(dims, dtype=object)) if dims else 1
        if requested != n:
            raise invalid(
                f"Input to reshape is a tensor with {n} values, but the requested shape has "
                f"{requested}"
            )
        return as_output(xp.reshape(xp.asarray(x), dims))

    return reshape_value


def _reshape_grad(op, grad):
    # TF's _ReshapeGrad: an IndexedSlices gradient is summed into a tensor first (its ops
    # in this gradient's scope), and a shape with one unknown dimension is reshaped to
    # with -1 there rather than through a Shape op.
    from teachflow.ops.indexed_slices import IndexedSlices

    if isinstance(grad, IndexedSlices):
        from teachflow.ops.segment_ops import unsorted_segment_sum

        grad = unsorted_segment_sum(grad.values, grad.indices, grad.dense_shape[0])
    dims = op.inputs[0].shape
    if dims.ndims is not None and not dims.is_fully_defined():
        wanted = dims.as_list()
        unknown = [i for i, d in enumerate(wanted) if d is None]
        if len(unknown) == 1 and 0 not in wanted:
            wanted[unknown[0]] = -1
            return [reshape(grad, wanted), None]
    return [reshape(grad, shape_ops.shape(op.inputs[0])), None]


registry.register("Reshape", _infer_reshape, _reshape_kernel, grad=_reshape_grad)


def reshape(tensor, shape, name=None):  # noqa: A002
    """``tensor``'s elements in row-major order, with a new shape (one entry may be -1).

        >>> import teachflow as tf
        >>> tf.reshape(tf.zeros([2, 3]), [-1]).shape
        TensorShape([Dimension(6)])

    Raises ValueError when the element counts are known to differ, and
    `InvalidArgumentError` at run time ("Input to reshape is a tensor with 6 values, but
    the requested shape has 4").
    """
    return apply_op("Reshape", name, [(tensor, "tensor", None), (shape, "shape", INDEX)]).outputs[0]


# -- expand_dims and squeeze ---------------------------------------------------------------------
def _infer_expand_dims(op):
    x, dim_t = op.inputs
    check_index_dtype(op, 1, "Tdim")
    if dim_t.shape.is_fully_defined() and dim_t.shape.num_elements() != 1:
        raise ValueError("'dim' input must be a tensor with a single value")
    dt = x.dtype.base_dtype
    value = constant_value(dim_t)
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))]
    rank = x.shape.ndims
    if value is None:
        return [(dt, TensorShape([None] * (rank + 1)))]
    d = int(np.reshape(value, [-1])[0])
    if not -1 - rank <= d <= rank:
        raise ValueError(f"dim {d} not in the interval [{-1 - rank}, {rank}].")
    if d < 0:
        d += rank + 1
    dims = x.shape.as_list()
    dims.insert(d, 1)
    return [(dt, TensorShape(dims))]


def _expand_dims_kernel(op, device):
    xp = device.xp

    def expand_dims_value(x, dim):
        x = xp.asarray(x) if not hasattr(x, "ndim") else x
        d = int_list(dim)[0]
        rank = np.ndim(x)
        if not -1 - rank <= d <= rank:
            raise invalid(f"Tried to expand dim index {d} for tensor with {rank} dimensions.")
        return xp.expand_dims(x, d)

    return expand_dims_value


def _reshape_to_input_grad(op, grad):
    return [reshape(grad, shape_ops.shape(op.inputs[0]))] + [None] * (len(op.inputs) - 1)


registry.register(
    "ExpandDims", _infer_expand_dims, _expand_dims_kernel, grad=_reshape_to_input_grad
)


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """``input`` with a new dimension of size 1 inserted at ``axis``.

    >>> import teachflow as tf
    >>> tf.expand_dims(tf.zeros([2, 3]), -1).shape
    TensorShape([Dimension(2), Dimension(3), Dimension(1)])
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return apply_op("ExpandDims", name, [(input, "input", None), (axis, "dim", INDEX)]).outputs[0]


def _infer_squeeze(op):
    x = op.inputs[0]
    dt = x.dtype.base_dtype
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))]
    rank = x.shape.ndims
    wanted = set()
    for i, d in enumerate(op._attrs["squeeze_dims"]):
        if not -rank <= d < rank:
            raise ValueError(f"squeeze_dims[{i}] not in [{-rank},{rank}).")
        wanted.add(d + rank if d < 0 else d)
    dims = []
    for i, d in enumerate(x.shape.as_list()):
        if wanted:
            if i in wanted:
                if d is not None and d != 1:
                    raise ValueError(
                        f"Can not squeeze dim[{i}], expected a dimension of 1, got {d}"
                    )
                continue
        elif d == 1:
            continue
        elif d is None:
            # Without axes, an unknown dimension might be squeezed away or not.
            return [(dt, TensorShape(None))]
        dims.append(d)
    return [(dt, TensorShape(dims))]


def _squeeze_kernel(op, device):
    axes = list(op._attrs["squeeze_dims"])
    xp = device.xp

    def squeeze_value(x):
        x = xp.asarray(x)
        rank = x.ndim
        wrapped = []
        for d in axes:
            if not -rank <= d < rank:
                raise invalid(f"Tried to squeeze dim index {d} for tensor with {rank} dimensions.")
            d = d + rank if d < 0 else d
            if x.shape[d] != 1:
                raise invalid(
                    f"Can not squeeze dim[{d}], expected a dimension of 1, got {x.shape[d]}"
                )
            wrapped.append(d)
        if not axes:
            wrapped = [i for i, n in enumerate(x.shape) if n == 1]
        return as_output(xp.squeeze(x, axis=tuple(wrapped)))

    return squeeze_value


registry.register("Squeeze", _infer_squeeze, _squeeze_kernel, grad=_reshape_to_input_grad)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """``input`` without dimensions of size 1 (only those in ``axis`` when it is given).

    >>> import teachflow as tf
    >>> tf.squeeze(tf.zeros([1, 2, 1, 3])).shape
    TensorShape([Dimension(2), Dimension(3)])
    """
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'")
        axis = squeeze_dims
    if axis is None:
        axis = []
    elif isinstance(axis, int):
        axis = [axis]
    axes = [int(a) for a in axis]
    return apply_op("Squeeze", name, [(input, "input", None)], {"squeeze_dims": axes}).outputs[0]


# -- transpose ----------------------------------------------------------------------------------
def _infer_transpose(op):
    x, perm = op.inputs
    check_index_dtype(op, 1, "Tperm")
    check_rank(perm.shape, 1)
    dt = x.dtype.base_dtype
    rank = x.shape.ndims
    n = dimension_value(perm.shape[0]) if perm.shape.ndims == 1 else None
    if rank is None:
        rank = n
    if rank is None:
        return [(dt, TensorShape(None))]
    if n is not None and n != rank:
        raise ValueError(f"Dimension must be {rank} but is {n}")
    value = constant_value(perm)
    if value is None:
        return [(dt, TensorShape([None] * rank))]
    in_dims = x.shape.as_list() if x.shape.ndims is not None else [None] * rank
    out = []
    for d in int_list(value):
        if not 0 <= d < rank:
            raise ValueError(f"perm dim {d} is out of range of input rank {rank}")
        out.append(in_dims[d])
    return [(dt, TensorShape(out))]


def _check_permutation(perm, rank):
    for d in perm:
        if not 0 <= d < rank:
            raise invalid(f"{d} is out of range [0 .. {rank})")
    for i in range(rank):
        if i not in perm:
            raise invalid(f"{i} is missing from {{{','.join(str(d) for d in perm)}}}.")


def _transpose_kernel(op, device):
    xp = device.xp

    def transpose_value(x, perm):
        axes = int_list(perm)
        rank = np.ndim(x)
        if len(axes) != rank:
            raise invalid(
                f"transpose expects a vector of size {rank}. But input(1) is a vector of size "
                f"{len(axes)}"
            )
        _check_permutation(axes, rank)
        return as_output(xp.transpose(xp.asarray(x), axes))

    return transpose_value


def _transpose_grad(op, grad):
    return [transpose(grad, invert_permutation(op.inputs[1])), None]


registry.register("Transpose", _infer_transpose, _transpose_kernel, grad=_transpose_grad)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """``a`` with its dimensions permuted: output dimension ``i`` is input's ``perm[i]``.

    ``perm`` defaults to reversing the dimensions (a matrix transpose for rank 2).

        >>> import teachflow as tf
        >>> tf.transpose(tf.zeros([2, 3, 4]), [0, 2, 1]).shape
        TensorShape([Dimension(2), Dimension(4), Dimension(3)])
    """
    with name_scope(name, "transpose", [a]) as scope:
        a = convert_to_tensor(a, name="a")
        if perm is None:
            if a.shape.ndims is not None:
                perm = np.arange(a.shape.ndims - 1, -1, -1, dtype=np.int32)
            else:
                from teachflow.ops import filling, math_ops

                r = shape_ops.rank(a)
                perm = math_ops.subtract(math_ops.subtract(r, 1), filling.range(0, r, 1))
        return apply_op("Transpose", scope, [(a, "x", None), (perm, "perm", INDEX)]).outputs[0]


def _infer_invert_permutation(op):
    dt = check_index_dtype(op, 0, "T")
    check_rank(op.inputs[0].shape, 1)
    return [(dt, op.inputs[0].shape.with_rank(1))]


def _invert_permutation_kernel(op, device):
    np_type = op.outputs[0].dtype.as_numpy_dtype

    def invert(perm):
        if np.ndim(perm) != 1:
            raise invalid(
                f"invert_permutation expects a 1D vector, got {shape_text(np.shape(perm))}"
            )
        values = int_list(perm)
        n = len(values)
        result = np.full(n, -1, dtype=np_type)
        for i, d in enumerate(values):
            if not 0 <= d < n:
                raise invalid(f"{d} is not between 0 and {n}")
            if result[d] != -1:
                raise invalid(f"{d} is duplicated in the input.")
            result[d] = i
        return result

    return invert


registry.register(
    "InvertPermutation",
    _infer_invert_permutation,
    _invert_permutation_kernel,
    not_differentiable=True,
)


def invert_permutation(x, name=None):
    """The permutation that undoes ``x``: ``y[x[i]] = i``.

    >>> import teachflow as tf
    >>> tf.invert_permutation([2, 0, 1]).op.type
    'InvertPermutation'
    """
    return apply_op("InvertPermutation", name, [(x, "x", INDEX)]).outputs[0]
