"""Reductions: sum, mean, max, min, prod, any and all of a tensor along some axes.

A reduction op takes the axes as a second *input* tensor (``reduction_indices``), so the
axes may be computed while the graph runs; when they are a constant, the output's static
shape is known while the graph is built. ``keep_dims`` keeps each reduced axis as a 1.
As in TensorFlow, an integer mean stays an integer (the quotient rounded toward zero),
and reducing nothing at all gives the identity (0 for sum, 1 for prod, the lowest value
of the dtype for max).

    >>> import teachflow as tf
    >>> x = tf.constant([[1, 2], [3, 4]])
    >>> tf.reduce_sum(x, axis=1).shape, tf.reduce_mean(x, keepdims=True).shape
    (TensorShape([Dimension(2)]), TensorShape([Dimension(1), Dimension(1)]))
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.reduce_mean(x)))  # 10 / 4, rounded toward zero
    2
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import comparison_ops
from teachflow.ops.arithmetic_ops import (
    add,
    cast,
    floordiv,
    floormod,
    maximum,
    multiply,
    subtract,
    truediv,
)
from teachflow.ops.elementwise import COMPLEX, INDEX, NUMERIC, check_allowed, check_bool, make_op
from teachflow.ops.scan_ops import cumprod
from teachflow.ops.static_value import constant_value
from teachflow.ops.unary_ops import exp, is_finite, log, sqrt, square

__all__ = [
    "reduce_sum",
    "reduce_mean",
    "reduce_max",
    "reduce_min",
    "reduce_prod",
    "reduce_any",
    "reduce_all",
    "reduce_logsumexp",
    "reduce_variance",
    "reduce_std",
    "count_nonzero",
]


# -- static shapes -----------------------------------------------------------------------
def _infer_reduction(allowed):
    def infer(op):
        x, axes = op.inputs
        if allowed is None:
            check_bool(op, x, "input")
            dt = dtypes.bool_
        else:
            dt = check_allowed(x, allowed, "input")
        check_allowed(axes, INDEX, "reduction_indices")
        if axes.shape.ndims is not None and axes.shape.ndims > 1:
            raise ValueError(f"Shape must be at most rank 1 but is rank {axes.shape.ndims}")
        return [(dt, reduced_static_shape(x.shape, axes, op._attrs.get("keep_dims", False)))]

    return infer


def reduced_static_shape(shape, axes, keep_dims):
    """What graph construction knows of a reduction's output shape."""
    rank = shape.ndims
    value = constant_value(axes)
    if rank is None:
        return TensorShape(None)
    if value is None:
        if keep_dims:
            return TensorShape([None] * rank)
        n = axes.shape.num_elements()
        return TensorShape(None) if n is None or n > rank else TensorShape([None] * (rank - n))
    reduced = set()
    for a in np.reshape(value, [-1]).tolist():
        if not -rank <= a < rank:
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
        reduced.add(a % rank)
    dims = shape.as_list()
    if keep_dims:
        return TensorShape([1 if i in reduced else d for i, d in enumerate(dims)])
    return TensorShape([d for i, d in enumerate(dims) if i not in reduced])


# -- kernels -----------------------------------------------------------------------------
def runtime_axes(axes, ndim):
    """The axes input as a tuple of non-negative ints; TensorFlow's errors if invalid."""
    flat = axes.tolist() if hasattr(axes, "tolist") else axes
    if not isinstance(flat, list):
        flat = [flat]
    out = []
    for a in flat:
        if not -ndim <= a < ndim:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {ndim} dimension(s)"
            )
        a %= ndim
        if a in out:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction arguments: Axes contains duplicate dimension: {a}"
            )
        out.append(a)
    return tuple(out)


# Each reducer is a factory: given the array module, the output dtype and keep_dims, it
# returns ``reduce(x, axes)``; dtype decisions are made once per kernel, not per step.
def _adder(xp):
    # numpy's ufunc reduce is np.sum without its Python wrapper (a third of the time of a
    # small sum, and training steps are made of small sums).
    return np.add.reduce if xp is np else xp.sum


def _sum(xp, dt, keep):
    add = _adder(xp)
    if dt is np.float16:  # accumulated in float32, as TensorFlow's kernels do
        return lambda x, axes: add(x, axis=axes, dtype=np.float32, keepdims=keep).astype(dt)
    # dtype= keeps numpy from widening small integer types.
    return lambda x, axes: add(x, axis=axes, dtype=dt, keepdims=keep)


def _prod(xp, dt, keep):
    if dt is np.float16:
        return lambda x, axes: xp.prod(x, axis=axes, dtype=np.float32, keepdims=keep).astype(dt)
    return lambda x, axes: xp.prod(x, axis=axes, dtype=dt, keepdims=keep)


def _mean(xp, dt, keep):
    floating = np.issubdtype(dt, np.floating)
    # Floats: summed (float16 in float32) and divided. Integers: a wide sum, divided with
    # the quotient rounded toward zero.
    if floating:
        wide = np.float32 if dt is np.float16 else dt
    else:
        wide = np.uint64 if np.issubdtype(dt, np.unsignedinteger) else np.int64

    add = _adder(xp)

    def mean(x, axes):
        count = 1
        for a in axes:
            count *= xp.shape(x)[a]
        total = add(x, axis=axes, dtype=wide, keepdims=keep)
        if floating:
            return (total / count).astype(dt)
        return (xp.abs(total) // max(count, 1) * xp.sign(total)).astype(dt)

    return mean


def _extreme(name, sign):
    """max (sign -1) or min (sign +1); empty reductions give the dtype's far end."""

    def make(xp, dt, keep):
        if np.issubdtype(dt, np.floating):
            initial = dt(sign * np.inf)
        else:
            info = np.iinfo(dt)
            initial = info.max if sign > 0 else info.min
        fn = getattr(xp, name)
        return lambda x, axes: fn(x, axis=axes, keepdims=keep, initial=initial)

    return make


_max = _extreme("max", -1)
_min = _extreme("min", +1)


def _any(xp, dt, keep):
    return lambda x, axes: xp.any(x, axis=axes, keepdims=keep)


def _all(xp, dt, keep):
    return lambda x, axes: xp.all(x, axis=axes, keepdims=keep)


def _reduction_kernel(make_reducer):
    def make(op, device):
        xp = device.xp
        reduce = make_reducer(
            xp, op.outputs[0].dtype.as_numpy_dtype, op._attrs.get("keep_dims", False)
        )

        checked = {}  # (axes dtype, bytes, rank) -> the axes as runtime_axes gives them

        def compute(x, axes):
            ndim = xp.ndim(x)
            try:
                key = (axes.dtype, axes.tobytes(), ndim)
            except AttributeError:  # not an array: checked every time
                return reduce(x, runtime_axes(axes, ndim))
            found = checked.get(key)
            if found is None:
                found = checked[key] = runtime_axes(axes, ndim)
            return reduce(x, found)

        return compute

    return make


# -- gradients ---------------------------------------------------------------------------
def reduced_shape(input_shape, axes):
    """The shape of a reduction's output with the reduced axes kept as 1s.

    TensorFlow's ``math_ops.reduced_shape``: ``reduced_shape([2, 3, 5], [1]) == [2, 1, 5]``,
    a numpy array when both are known while building, else TF's ``DynamicStitch`` of
    ``range(rank)`` with the shape and of the axes with ones.
    """
    from teachflow.ops import array_ops
    from teachflow.ops.partition_ops import dynamic_stitch

    static_shape = constant_value(input_shape)
    if static_shape is not None:
        static_axes = constant_value(axes)
        if static_axes is not None:
            kept = np.array(static_shape, dtype=np.int32)
            kept[np.array(static_axes, dtype=np.int32)] = 1
            return kept
    axes = convert_to_tensor(axes)
    input_rank = array_ops.size(input_shape, out_type=axes.dtype)
    axes = (axes + input_rank) % input_rank
    axes_shape = array_ops.shape(axes)
    return dynamic_stitch(
        [array_ops.range(input_rank), axes],
        [input_shape, array_ops.ones(axes_shape, dtype=input_shape.dtype)],
    )


def _static_kept_dims(op):
    """``(kept_shape, tile_multiples)`` as arrays when known while building, else None."""
    x = op.inputs[0]
    value = constant_value(op.inputs[1])
    if value is None or not x.shape.is_fully_defined():
        return None
    dims = x.shape.as_list()
    reduced = {a % len(dims) for a in np.reshape(value, [-1]).tolist()} if dims else set()
    kept = np.array([1 if i in reduced else d for i, d in enumerate(dims)], np.int32)
    multiples = np.array([d if i in reduced else 1 for i, d in enumerate(dims)], np.int32)
    return kept, multiples


def _keep_reduced_dims(t, op):
    """``t`` (shaped like the reduction's output) reshaped with the reduced axes as 1s."""
    from teachflow.ops import array_ops

    static = _static_kept_dims(op)
    if static is not None:
        return array_ops.reshape(t, static[0])
    return array_ops.reshape(t, reduced_shape(array_ops.shape(op.inputs[0]), op.inputs[1]))


def _sum_grad(op, grad):
    # Every input element contributed once to its sum: copy the gradient back over it.
    from teachflow.ops import array_ops, constant_op

    x = op.inputs[0]
    axes = constant_value(op.inputs[1])
    if x.shape.ndims is not None and axes is not None:
        rank = x.shape.ndims
        if np.array_equal(axes, np.arange(rank)):
            # TF's shortcut for a sum over every axis: reshape to 1s, tile by the shape.
            grad = array_ops.reshape(grad, [1] * rank)
            if x.shape.is_fully_defined():
                multiples = constant_op.constant(x.shape.as_list(), dtype=dtypes.int32)
            else:
                multiples = array_ops.shape(x)
            return [array_ops.tile(grad, multiples), None]
        if x.shape.is_fully_defined():
            kept, multiples = _kept_dims_and_scaling(op.graph, x.shape.as_list(), axes)
            return [array_ops.tile(array_ops.reshape(grad, kept), multiples), None]
    input_shape = array_ops.shape(op.inputs[0])
    if not op.get_attr("keep_dims"):
        grad = array_ops.reshape(grad, reduced_shape(input_shape, op.inputs[1]))
    return [array_ops.broadcast_to(grad, input_shape), None]


def _kept_dims_and_scaling(graph, dims, axes):
    """The reduced shape with kept 1s and the tile multiples of a known shape, as tuples.

    TF evaluates them from a ``Maximum`` and a ``floordiv`` (its _SafeShapeDiv) that it
    builds and leaves unused, once per graph for each (shape, axes): the same nodes here.
    """
    key = (tuple(dims), tuple(np.reshape(axes, [-1]).tolist()))
    cache = getattr(graph, "_reduced_shape_cache", None)
    if cache is None:
        cache = graph._reduced_shape_cache = {}
    if key not in cache:
        reduced = {a % len(dims) for a in key[1]}
        kept = tuple(1 if i in reduced else d for i, d in enumerate(dims))
        floordiv(key[0], maximum(kept, 1))
        scaling = tuple(d // max(k, 1) for d, k in zip(dims, kept))
        cache[key] = kept, scaling
    return cache[key]


def _mean_grad(op, grad):
    from teachflow.ops import array_ops, constant_op

    x, y = op.inputs[0], op.outputs[0]
    if not x.dtype.base_dtype.is_floating:
        return [None, None]
    summed = _sum_grad(op, grad)[0]
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        count = x.shape.num_elements() // max(y.shape.num_elements(), 1)
        factor = constant_op.constant(count, dtype=summed.dtype.base_dtype)
    else:
        from teachflow.ops.gathering import gather

        # TF 2.21: the product of the reduced axes' sizes, read from the input's shape.
        input_shape = array_ops.shape(x)
        input_rank = array_ops.size(input_shape)
        axes = cast(op.inputs[1], input_rank.dtype)
        axes = (axes + input_rank) % input_rank
        factor = cast(reduce_prod(gather(input_shape, axes)), summed.dtype.base_dtype)
    return [truediv(summed, factor), None]


def _min_or_max_grad(op, grad):
    # The gradient goes to the elements equal to the extreme, shared among ties.
    from teachflow.ops import array_ops

    x = op.inputs[0]
    input_shape = array_ops.shape(x)  # built first by TF (a Const when the shape is known)
    y, g = op.outputs[0], grad
    if not op.get_attr("keep_dims"):
        kept = reduced_shape(input_shape, op.inputs[1])  # once, for all three reshapes
        y, g = array_ops.reshape(y, kept), array_ops.reshape(g, kept)
    else:
        kept = array_ops.shape(y)
    indicators = cast(comparison_ops.equal(y, x), g.dtype.base_dtype)
    num_selected = array_ops.reshape(reduce_sum(indicators, op.inputs[1]), kept)
    return [truediv(indicators, num_selected) * g, None]


def _prod_grad(op, grad):
    """d prod / d x_i is the product of the *other* elements: exclusive running products
    from both sides, which stays right when some x are zero (``prod / x`` would not)."""
    x, axes = op.inputs
    value = constant_value(axes)
    rank = x.shape.ndims
    g = _keep_reduced_dims(grad, op)
    if value is None or rank is None:
        return [_prod_grad_dynamic(op, grad), None]
    reduced = sorted({a % rank for a in np.reshape(value, [-1]).tolist()}) if rank else []
    partials = [x]
    for a in reduced[:-1]:
        partials.append(reduce_prod(partials[-1], a, keepdims=True))
    for a, part in reversed(list(zip(reduced, partials))):
        others = multiply(
            cumprod(part, a, exclusive=True), cumprod(part, a, exclusive=True, reverse=True)
        )
        g = multiply(g, others)
    return [g, None]


def _prod_grad_dynamic(op, grad):
    """TensorFlow's _ProdGrad when the rank or the axes are known only at run time: move
    the reduced axes first, flatten to ``[reduced, other]``, take exclusive running
    products from both ends, and undo the moves. Right where some x are zero too."""
    from teachflow.ops import array_ops
    from teachflow.ops.gathering import boolean_mask, gather
    from teachflow.ops.joining import concat, stack
    from teachflow.ops.reshaping import invert_permutation, transpose
    from teachflow.ops.tiling import tile

    x, axes = op.inputs
    input_shape = array_ops.shape(x)
    kept = reduced_shape(input_shape, axes)
    g = tile(array_ops.reshape(grad, kept), floordiv(input_shape, maximum(kept, 1)))
    rank = array_ops.rank(x)
    # (axes + rank) % rank; with rank 0 there are no axes and nothing is divided.
    reduced = cast(floormod(add(array_ops.reshape(axes, [-1]), rank), rank), dtypes.int32)
    idx = array_ops.range(0, rank)
    hit = reduce_any(comparison_ops.equal(array_ops.reshape(reduced, [-1, 1]), idx), axis=0)
    other = boolean_mask(idx, comparison_ops.logical_not(hit))
    perm = concat([reduced, other], 0)
    reduced_num = reduce_prod(gather(input_shape, reduced))
    other_num = reduce_prod(gather(input_shape, other))
    permuted = transpose(x, perm)
    flat = array_ops.reshape(permuted, stack([reduced_num, other_num]))
    left = cumprod(flat, 0, exclusive=True)
    right = cumprod(flat, 0, exclusive=True, reverse=True)
    y = array_ops.reshape(multiply(left, right), array_ops.shape(permuted))
    return array_ops.reshape(multiply(g, transpose(y, invert_permutation(perm))), input_shape)


_REDUCTIONS = (
    # op type, dtypes (None: bool only), kernel, gradient
    ("Sum", NUMERIC + COMPLEX, _sum, _sum_grad),
    ("Mean", NUMERIC, _mean, _mean_grad),
    ("Max", NUMERIC, _max, _min_or_max_grad),
    ("Min", NUMERIC, _min, _min_or_max_grad),
    ("Prod", NUMERIC, _prod, _prod_grad),
    ("Any", None, _any, None),
    ("All", None, _all, None),
)
for _type, _allowed, _reduce, _grad in _REDUCTIONS:
    registry.register(
        _type,
        _infer_reduction(_allowed),
        _reduction_kernel(_reduce),
        grad=_grad,
        not_differentiable=_grad is None,
    )


# -- the public functions ----------------------------------------------------------------
def _deprecated_alias(value, old_value, old_name, new_name):
    if old_value is not None:
        if value is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old_value
    return value


def _all_axes(x):
    """``[0, 1, ..., rank - 1]``: a constant when the rank is known, else computed (and, as
    TF's ``_ReductionDims`` tests ``if x_rank:``, for a scalar too: Rank and Range)."""
    if x.shape.ndims:
        return convert_to_tensor(np.arange(x.shape.ndims, dtype=np.int32), name="Const")
    from teachflow.ops import array_ops

    return array_ops.range(0, array_ops.rank(x))


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axis = _deprecated_alias(axis, reduction_indices, "reduction_indices", "axis")
    keepdims = _deprecated_alias(keepdims, keep_dims, "keep_dims", "keepdims")
    x = convert_to_tensor(input_tensor)
    to_scalar = axis is None and not keepdims
    if axis is None:
        axis = _all_axes(x)
    empty_list = isinstance(axis, (list, tuple)) and len(axis) == 0
    if not isinstance(axis, Tensor) and np.size(axis) == 0:
        axis = np.zeros([0], np.int32)  # [] has no dtype of its own; Tidx defaults to int32
    with name_scope(name, op_type, [x]) as scope:
        if empty_list:
            # TF's op_def_library converts a [] first on its own (float32), rejects that for
            # Tidx and converts again: the dead float Const stays in TF's graph.
            convert_to_tensor(np.zeros([0], np.float32), name="reduction_indices")
        axis = convert_to_tensor(axis, name="reduction_indices")
        attrs = {
            "keep_dims": bool(keepdims),
            "T": x.dtype.base_dtype,
            "Tidx": axis.dtype.base_dtype,
        }
        out = make_op(op_type, [x, axis], scope, attrs)
        if to_scalar and not out.shape.is_fully_defined():
            out.set_shape(())  # TF's _may_reduce_to_scalar: all axes, none kept
        return out


def reduce_sum(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    """The sum of elements along ``axis`` (an int, a list, or a tensor; None: all).

        >>> import teachflow as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_sum(x, axis=0)).tolist())
        [4.0, 6.0]

    Raises ValueError when a constant axis is out of range or both ``axis`` and
    ``reduction_indices`` are given; InvalidArgumentError when axes fed at run time are.
    """
    return _reduce("Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    """The mean along ``axis``; integer tensors give the quotient rounded toward zero."""
    return _reduce("Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    return _reduce("Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    return _reduce("Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    return _reduce("Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    """Logical OR of a bool tensor along ``axis``."""
    return _reduce("Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    """Logical AND of a bool tensor along ``axis``."""
    return _reduce("All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_logsumexp(
    input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None
):
    """``log(sum(exp(x)))`` along ``axis``, without overflow.

    The (finite) maximum is subtracted before ``exp`` and added back after ``log``.
    """
    from teachflow.ops import array_ops

    axis = _deprecated_alias(axis, reduction_indices, "reduction_indices", "axis")
    keepdims = bool(_deprecated_alias(keepdims, keep_dims, "keep_dims", "keepdims"))
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = reduce_max(x, axis, keepdims=True)
        finite_max = comparison_ops.where_v2(
            is_finite(raw_max), raw_max, np.zeros((), raw_max.dtype.as_numpy_dtype)
        )
        my_max = array_ops.stop_gradient(finite_max)
        result = log(reduce_sum(exp(subtract(x, my_max)), axis, keepdims=keepdims))
        if not keepdims:
            target = (
                np.array(result.shape.as_list(), np.int32)
                if result.shape.is_fully_defined()
                else array_ops.shape(result)
            )
            my_max = array_ops.reshape(my_max, target)
        return add(result, my_max, name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The mean squared deviation from the mean along ``axis``."""
    with name_scope(name, "reduce_variance", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        means = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(square(subtract(x, means)), axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The square root of `reduce_variance`."""
    with name_scope(name, "reduce_std", [input_tensor]):
        return sqrt(reduce_variance(input_tensor, axis, keepdims=keepdims))


def count_nonzero(
    input_tensor=None,
    axis=None,
    keepdims=None,
    dtype=dtypes.int64,
    name=None,
    reduction_indices=None,
    keep_dims=None,
    input=None,  # noqa: A002 - TensorFlow's argument name
):
    """How many elements along ``axis`` are not zero (not ``""`` for strings)."""
    input_tensor = _deprecated_alias(input_tensor, input, "input", "input_tensor")
    with name_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = b"" if x.dtype.base_dtype is dtypes.string else np.zeros((), x.dtype.as_numpy_dtype)
        zero = convert_to_tensor(zero, dtype=x.dtype.base_dtype, name="zeros")
        nonzero = cast(comparison_ops.not_equal(x, zero), dtypes.int64)
        counts = reduce_sum(
            nonzero,
            axis,
            keepdims=keepdims,
            reduction_indices=reduction_indices,
            keep_dims=keep_dims,
        )
        return cast(counts, dtype)
