"""Joining and splitting: ``stack``/``unstack`` and ``concat``/``split``.

Each joining op has a splitting op as its gradient and the other way round: the
gradient of ``concat`` splits the incoming gradient into pieces the size of the inputs,
the gradient of ``split`` concatenates the pieces' gradients back together.

    >>> import teachflow as tf
    >>> a, b = tf.zeros([2, 3]), tf.ones([2, 1])
    >>> tf.concat([a, b], axis=1).shape, tf.stack([a, a]).shape
    (TensorShape([Dimension(2), Dimension(4)]), TensorShape([Dimension(2), Dimension(2), Dimension(3)]))
    >>> [t.shape for t in tf.split(a, [1, 2], axis=1)]
    [TensorShape([Dimension(2), Dimension(1)]), TensorShape([Dimension(2), Dimension(2)])]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import constant_op, filling, identity_ops, shape_ops
from teachflow.ops.allocation import check_output
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
from teachflow.ops.static_value import constant_value

__all__ = ["stack", "unstack", "concat", "split"]


def _merge_all(op, what):
    """All inputs share one dtype and shape (TF's words when they do not)."""
    base = op.inputs[0].dtype.base_dtype
    if any(t.dtype.base_dtype is not base for t in op.inputs):
        raise TypeError(
            f"Tensors in list passed to 'values' of '{op.type}' Op have types "
            f"[{', '.join(x.dtype.base_dtype.name for x in op.inputs)}] that don't all match."
        )
    shape = TensorShape(None)
    for t in op.inputs[:what]:
        shape = merge_shapes(shape, t.shape)
    return base, shape


def merge_shapes(a, b):
    """Merge two static shapes with TensorFlow's error messages."""
    if a.ndims is None:
        return b
    if b.ndims is None:
        return a
    if a.ndims != b.ndims:
        raise ValueError(f"Shapes must be equal rank, but are {a.ndims} and {b.ndims}")
    for i, (x, y) in enumerate(zip(a.as_list(), b.as_list())):
        if x is not None and y is not None and x != y:
            raise ValueError(
                f"Dimension {i} in both shapes must be equal, but are {x} and {y}. Shapes are "
                f"{shape_text(a.as_list())} and {shape_text(b.as_list())}."
            )
    return a.merge_with(b)


# -- stack / unstack ----------------------------------------------------------------------------
def _infer_pack(op):
    axis = op._attrs["axis"]
    base, shape = _merge_all(op, len(op.inputs))
    if shape.ndims is None:
        return [(base, TensorShape(None))]
    dims = shape.as_list()
    rank = len(dims) + 1
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    if axis < 0:
        axis += rank
    dims.insert(axis, len(op.inputs))
    return [(base, TensorShape(dims))]


def _pack_kernel(op, device):
    axis = op._attrs["axis"]
    xp = device.xp
    if op.inputs[0].dtype.base_dtype is dtypes.string:
        return lambda *values: np.stack([np.asarray(v, dtype=object) for v in values], axis=axis)

    def pack_values(*values):
        first = np.shape(values[0])
        check_output(device, (len(values), *first), getattr(values[0], "dtype", np.float32))
        return xp.stack(values, axis=axis)

    return pack_values


def _pack_grad(op, grad):
    return unstack(grad, num=len(op.inputs), axis=op._attrs["axis"])


registry.register("Pack", _infer_pack, _pack_kernel, grad=_pack_grad)


def holds_tensor(value):
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        return True
    return isinstance(value, (list, tuple)) and any(holds_tensor(v) for v in value)


def _convert_like(value, dtype, name=None):
    """Python values next to tensors take their dtype; tensors keep theirs (the op
    then reports a mismatch with TensorFlow's TypeError)."""
    if holds_tensor(value):
        return convert_to_tensor(value, name=name)
    return convert_to_tensor(value, dtype=dtype, name=name)


def stack(values, axis=0, name="stack"):
    """Stack rank-R tensors into one rank-(R+1) tensor along ``axis``.

    As in TensorFlow: along axis 0 the list is converted as a whole (a list without tensors
    becomes one constant; one with tensors is packed by `_autopack`, its Python numbers
    constants named by their index: ``stack/1``); along another axis the first value is
    converted once for its shape, then each value as ``Pack``'s ``values_<i>`` input, Python
    numbers taking the dtype of the first tensor.

        >>> import teachflow as tf
        >>> tf.stack([tf.zeros([3]), tf.ones([3])], axis=1).shape
        TensorShape([Dimension(3), Dimension(2)])
    """
    if axis == 0:
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass  # tensors of different dtypes: Pack reports them
    if not values:
        raise ValueError("stack requires at least one value")
    first = convert_to_tensor(values[0], name=name)
    if first.shape.ndims is not None:
        rank = first.shape.ndims + 1
        if not -rank <= axis < rank:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    dtype = next((v.dtype.base_dtype for v in values if isinstance(v, Tensor)), None)
    with name_scope(name, "stack", values) as scope:
        tensors = [_convert_like(v, dtype, name=f"values_{i}") for i, v in enumerate(values)]
        attrs = {"axis": axis, "N": len(tensors), "T": tensors[0].dtype.base_dtype}
        return tensors[0].graph.create_op("Pack", tensors, attrs, name=scope).outputs[0]


def _autopack(value, dtype=None, name=None):
    """``convert_to_tensor([t1, 2.0, [t3, t4]])``: one ``Pack`` of the elements, as
    TensorFlow's autopacking names it: inside the pack's scope a nested list is packed under
    its index (``packed/0``) and a Python value is a constant named by its index
    (``packed/1``); every element takes the dtype of the first tensor found."""
    dtype = dtype or _first_dtype(value)
    with name_scope(name or "packed") as scope:
        parts = []
        for i, v in enumerate(value):
            if isinstance(v, (list, tuple)):
                if holds_tensor(v):
                    parts.append(_autopack(v, dtype, str(i)))
                    continue
                with name_scope(str(i)):  # TF enters it for a list without tensors too,
                    pass  # so that list's constant is then named "<i>_1"
            parts.append(v if holds_tensor(v) else None)
        tensors = []
        for i, (v, part) in enumerate(zip(value, parts)):
            if part is None:
                part = constant_op.constant(v, dtype=dtype, name=str(i))
            elif not isinstance(part, Tensor):
                part = convert_to_tensor(part, dtype=dtype)
            if dtype is not None and part.dtype.base_dtype != dtype:
                raise TypeError(
                    f"Cannot convert a list containing a tensor of dtype "
                    f"{part.dtype.base_dtype.name} to {dtype.name} (Tensor is: {part!r})"
                )
            tensors.append(part)
        attrs = {"axis": 0, "N": len(tensors), "T": tensors[0].dtype.base_dtype}
        return tensors[0].graph.create_op("Pack", tensors, attrs, name=scope).outputs[0]


def _first_dtype(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            dt = _first_dtype(v)
            if dt is not None:
                return dt
        elif isinstance(v, Tensor):
            return v.dtype.base_dtype
    return None


def _infer_unpack(op):
    x = op.inputs[0]
    num, axis = op._attrs["num"], op._attrs["axis"]
    dt = x.dtype.base_dtype
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))] * num
    dims = x.shape.as_list()
    rank = len(dims)
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    axis = axis + rank if axis < 0 else axis
    if dims[axis] is not None and dims[axis] != num:
        raise ValueError(f"Dimension must be {num} but is {dims[axis]}")
    del dims[axis]
    return [(dt, TensorShape(dims))] * num


def _unpack_kernel(op, device):
    num, axis = op._attrs["num"], op._attrs["axis"]
    xp = device.xp

    def unpack(x):
        x = xp.asarray(x) if not hasattr(x, "ndim") else x
        a = axis + x.ndim if axis < 0 else axis
        if not 0 <= a < x.ndim or x.shape[a] != num:
            raise invalid(f"Input shape axis {a} must equal {num}, got shape {shape_text(x.shape)}")
        pieces = tuple(as_output(p) for p in (xp.moveaxis(x, a, 0) if a else x))
        # One output is one value, not a 1-tuple (the executor unpacks several only).
        return pieces[0] if num == 1 else pieces

    return unpack


def zeros_for_missing(op, grads):
    """Outputs nobody differentiated get zero gradients, as TF's gradient code fills in."""
    return [filling.zeros_like(op.outputs[i]) if g is None else g for i, g in enumerate(grads)]


def _unpack_grad(op, *grads):
    return [stack(zeros_for_missing(op, grads), axis=op._attrs["axis"])]


registry.register("Unpack", _infer_unpack, _unpack_kernel, grad=_unpack_grad)


def unstack(value, num=None, axis=0, name="unstack"):
    """The rank-(R-1) slices of ``value`` along ``axis``, as a list of tensors.

    >>> import teachflow as tf
    >>> [t.shape for t in tf.unstack(tf.zeros([2, 3]), axis=1)]
    [TensorShape([Dimension(2)]), TensorShape([Dimension(2)]), TensorShape([Dimension(2)])]
    """
    with name_scope(name, "unstack", [value]) as scope:
        value = convert_to_tensor(value)
        shape = value.shape
        if shape.ndims is not None:
            rank = shape.ndims
            if not -rank <= axis < rank:
                raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
        if num is None:
            num = dimension_value(shape[axis]) if shape.ndims is not None else None
            if num is None:
                raise ValueError(f"Cannot infer argument `num` from shape {shape}")
        attrs = {"num": num, "axis": axis, "T": value.dtype.base_dtype}
        return value.graph.create_op("Unpack", [value], attrs, name=scope).outputs


# -- concat -------------------------------------------------------------------------------------
def _infer_concat(op):
    values = op.inputs[:-1]
    check_index_dtype(op, len(op.inputs) - 1, "Tidx")
    check_rank(op.inputs[-1].shape, 0)
    base = values[0].dtype.base_dtype
    if any(t.dtype.base_dtype is not base for t in values):
        raise TypeError(
            "Tensors in list passed to 'values' of 'ConcatV2' Op have types "
            f"[{', '.join(x.dtype.base_dtype.name for x in values)}] that don't all match."
        )
    axis_value = constant_value(op.inputs[-1])
    ranks = {t.shape.ndims for t in values if t.shape.ndims is not None}
    if 0 in ranks:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    if axis_value is None:
        if not ranks:
            return [(base, TensorShape(None))]
        first = next(t.shape for t in values if t.shape.ndims is not None)
        for t in values:
            check_rank(t.shape, first.ndims)
        return [(base, TensorShape([None] * first.ndims))]
    axis = int(axis_value)
    known = [t.shape for t in values if t.shape.ndims is not None]
    if not known:
        return [(base, TensorShape(None))]
    rank = known[0].ndims
    min_rank = axis + 1 if axis >= 0 else -axis
    if rank < min_rank:
        raise ValueError(f"Shape must be at least rank {min_rank} but is rank {rank}")
    axis = axis + rank if axis < 0 else axis
    total = 0
    rest = TensorShape(None)
    for t in values:
        if t.shape.ndims is None:
            total = None
            continue
        check_rank(t.shape, rank)
        dims = t.shape.as_list()
        total = None if total is None or dims[axis] is None else total + dims[axis]
        rest = merge_shapes(rest, TensorShape(dims[:axis] + dims[axis + 1 :]))
    out = rest.as_list()
    out.insert(axis, total)
    return [(base, TensorShape(out))]


def _concat_kernel(op, device):
    xp = device.xp
    is_string = op.inputs[0].dtype.base_dtype is dtypes.string

    def concat_values(*args):
        values, axis = args[:-1], int(args[-1])
        arrays = [np.asarray(v, dtype=object) if is_string else xp.asarray(v) for v in values]
        rank = arrays[0].ndim
        if not -rank <= axis < rank:
            raise invalid(
                "ConcatOp : Expected concatenating dimensions in the range "
                f"[{-rank}, {rank}), but got {axis}"
            )
        a = axis + rank if axis < 0 else axis
        first = arrays[0].shape
        for i, v in enumerate(arrays[1:], 1):
            if v.ndim != rank:
                raise invalid(
                    "ConcatOp : Ranks of all input tensors should match: shape[0] = "
                    f"{shape_text(first)} vs. shape[{i}] = {shape_text(v.shape)}"
                )
            for j in range(rank):
                if j != a and v.shape[j] != first[j]:
                    raise invalid(
                        f"ConcatOp : Dimension {j} in both shapes must be equal: shape[0] = "
                        f"{shape_text(first)} vs. shape[{i}] = {shape_text(v.shape)}"
                    )
        out = list(first)
        out[a] = sum(v.shape[a] for v in arrays)
        check_output(device, out, arrays[0].dtype)
        return xp.concatenate(arrays, axis=a)

    return concat_values


def _concat_grad(op, grad):
    # Split the gradient into pieces as wide as each input was along the axis.
    values, axis = op.inputs[:-1], op.inputs[-1]
    sizes = [
        dimension_value(t.shape[int(constant_value(axis))]) if _static_axis(t, axis) else None
        for t in values
    ]
    if any(s is None for s in sizes):
        from teachflow.ops import gathering  # gathering builds on concat: imported when needed

        sizes = stack([gathering.gather(shape_ops.shape(t), _wrap_axis(axis, t)) for t in values])
    return split(grad, sizes, axis=axis, num=len(values)) + [None]


def _static_axis(t, axis):
    value = constant_value(axis)
    return value is not None and t.shape.ndims is not None


def _wrap_axis(axis, t):
    value = constant_value(axis)
    if value is not None and t.shape.ndims is not None:
        return int(value) % t.shape.ndims
    from teachflow.ops import math_ops

    return math_ops.make_op("FloorMod", [axis, shape_ops.rank(t)], "FloorMod")


registry.register("ConcatV2", _infer_concat, _concat_kernel, grad=_concat_grad)


def concat(values, axis, name="concat"):
    """``values`` joined along the existing dimension ``axis``.

    >>> import teachflow as tf
    >>> tf.concat([tf.zeros([2, 3]), tf.zeros([4, 3])], 0).shape
    TensorShape([Dimension(6), Dimension(3)])
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        # TF returns the one value through an Identity (after checking the axis).
        with name_scope(name):
            axis_t = convert_to_tensor(axis, dtype=dtypes.int32, name="concat_dim")
            if axis_t.shape.ndims not in (None, 0):
                raise ValueError(f"Shape {axis_t.shape} must have rank 0")
            return identity_ops.identity(values[0], name=name)
    # The dtype comes from a tensor among the values; a nested list that holds one is left to
    # its own conversion inside the scope (values_i), so it is packed once, as in TF.
    dtype = next(
        (
            convert_to_tensor(v).dtype.base_dtype
            for v in values
            if holds_tensor(v) and not isinstance(v, (list, tuple))
        ),
        None,
    )
    with name_scope(name, "concat", values) as scope:
        tensors = [_convert_like(v, dtype, f"values_{i}") for i, v in enumerate(values)]
        axis_t = convert_to_tensor(axis, name="axis")
        attrs = {"N": len(tensors), "T": tensors[0].dtype.base_dtype}
        return (
            tensors[0].graph.create_op("ConcatV2", tensors + [axis_t], attrs, name=scope).outputs[0]
        )


# -- split --------------------------------------------------------------------------------------
def _axis_of(op, axis_t, rank):
    value = constant_value(axis_t)
    if value is None or rank is None:
        return None
    axis = int(value)
    if not -rank <= axis < rank:
        raise ValueError(
            f"Dimension size, given by scalar input {axis} must be in range [{-rank}, {rank})"
        )
    return axis + rank if axis < 0 else axis


def _infer_split(op):
    axis_t, x = op.inputs
    num = op._attrs["num_split"]
    dt = x.dtype.base_dtype
    check_rank(axis_t.shape, 0)
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))] * num
    axis = _axis_of(op, axis_t, x.shape.ndims)
    if axis is None:
        return [(dt, TensorShape([None] * x.shape.ndims))] * num
    dims = x.shape.as_list()
    if dims[axis] is not None:
        if dims[axis] % num:
            raise ValueError(
                f"Dimension size must be evenly divisible by {num} but is {dims[axis]}"
            )
        dims[axis] //= num
    return [(dt, TensorShape(dims))] * num


def _split_kernel(op, device):
    num = op._attrs["num_split"]
    xp = device.xp

    def split_value(axis, x):
        x = xp.asarray(x)
        axis = int(axis)
        rank = x.ndim
        if not -rank <= axis < rank:
            raise invalid(
                f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {axis}"
            )
        a = axis + rank if axis < 0 else axis
        if x.shape[a] % num:
            raise invalid(
                "Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {a} (size = {x.shape[a]}) and num_split {num}"
            )
        pieces = tuple(xp.split(x, num, axis=a))
        return pieces[0] if num == 1 else pieces

    return split_value


def _split_grad(op, *grads):
    return [None, concat(zeros_for_missing(op, grads), op.inputs[0])]


registry.register("Split", _infer_split, _split_kernel, grad=_split_grad)


def _infer_split_v(op):
    x, sizes_t, axis_t = op.inputs
    num = op._attrs["num_split"]
    dt = x.dtype.base_dtype
    check_index_dtype(op, 1, "Tlen")
    check_rank(axis_t.shape, 0)
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))] * num
    axis = _axis_of(op, axis_t, x.shape.ndims)
    sizes = constant_value(sizes_t)
    if axis is None:
        return [(dt, TensorShape([None] * x.shape.ndims))] * num
    dims = x.shape.as_list()
    if sizes is None:
        return [(dt, TensorShape(dims[:axis] + [None] + dims[axis + 1 :]))] * num
    sizes = int_list(sizes)
    if sizes.count(-1) > 1:
        raise ValueError("size_splits can only have one -1")
    total = dims[axis]
    if total is not None:
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes:
            sizes[sizes.index(-1)] = total - known
        elif known != total:
            raise ValueError(
                f"can't split axis of size {total} into pieces of size {shape_text(sizes)}"
            )
    for i, s in enumerate(sizes):
        if s < -1 or (s == -1 and total is not None):
            raise ValueError(f"Split size at index {i} must be >= 0. Got: {s}")
    return [
        (dt, TensorShape(dims[:axis] + [None if s == -1 else s] + dims[axis + 1 :])) for s in sizes
    ]


def _split_v_kernel(op, device):
    num = op._attrs["num_split"]
    xp = device.xp

    def split_v_value(x, size_splits, axis):
        x = xp.asarray(x)
        sizes = int_list(size_splits)
        axis = int(axis)
        rank = x.ndim
        if not -rank <= axis < rank:
            raise invalid(
                f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {axis}"
            )
        a = axis + rank if axis < 0 else axis
        if len(sizes) != num:
            raise invalid(f"Number of split sizes {len(sizes)} must equal num_split {num}")
        total = x.shape[a]
        if sizes.count(-1) > 1:
            raise invalid("There can only be one -1 in the input.")
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes:
            if known > total:
                raise invalid(_determined_message(known))
            sizes[sizes.index(-1)] = total - known
        elif known != total:
            raise invalid(_determined_message(known))
        if any(s < 0 for s in sizes):
            raise invalid(f"Split size at index {[s < 0 for s in sizes].index(True)} must be >= 0.")
        cuts = np.cumsum(sizes)[:-1].tolist()
        pieces = tuple(xp.split(x, cuts, axis=a))
        return pieces[0] if num == 1 else pieces

    return split_v_value


def _determined_message(known):
    return (
        "Determined shape must either match input shape along split_dim exactly if fully "
        "specified, or be less than the size of the input along split_dim if not fully "
        f"specified.  Got: {known}"
    )


def _split_v_grad(op, *grads):
    return [concat(zeros_for_missing(op, grads), op.inputs[2]), None, None]


registry.register("SplitV", _infer_split_v, _split_v_kernel, grad=_split_v_grad)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """``value`` cut along ``axis`` into equal pieces (an int) or pieces of given sizes.

        >>> import teachflow as tf
        >>> [t.shape for t in tf.split(tf.zeros([4, 6]), 3, axis=1)]
        [TensorShape([Dimension(4), Dimension(2)]), TensorShape([Dimension(4), Dimension(2)]), TensorShape([Dimension(4), Dimension(2)])]

    One size may be -1 (the rest of the dimension).
    """
    if isinstance(num_or_size_splits, (int, np.integer)) and not isinstance(
        num_or_size_splits, bool
    ):
        num_split = int(num_or_size_splits)
        args = [(axis, "split_dim", dtypes.int32), (value, "value", None)]
        return apply_op("Split", name, args, {"num_split": num_split}).outputs
    # TF converts the sizes before entering the op's name scope ("Const", not "split/...").
    size_splits = convert_to_tensor(num_or_size_splits)
    if num is None:
        shape = size_splits.shape
        if shape.ndims == 1 and dimension_value(shape[0]) is not None:
            num = dimension_value(shape[0])
        else:
            raise ValueError(f"Cannot infer argument `num` from shape {size_splits}")
    args = [(value, "value", None), (size_splits, "size_splits", INDEX), (axis, "split_dim", INDEX)]
    return apply_op("SplitV", name, args, {"num_split": int(num)}).outputs
