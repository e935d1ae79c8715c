"""Slicing: ``slice``, ``strided_slice`` and Python indexing ``x[1:, ..., None, -1]``.

``x[spec]`` becomes one ``StridedSlice`` op: each item of the spec adds an entry to the
``begin``/``end``/``strides`` vectors, and five bit masks say how to read entry ``i``:

* ``begin_mask``/``end_mask``: the start/stop was left out (``x[:3]``, ``x[2:]``);
* ``ellipsis_mask``: ``...`` stands for as many full dimensions as are not named;
* ``new_axis_mask``: ``None`` (``tf.newaxis``) inserts a dimension of size 1;
* ``shrink_axis_mask``: an integer index removes its dimension.

Its gradient, ``StridedSliceGrad``, scatters the incoming gradient back into zeros of
the input's shape.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 5, 6])
    >>> x[:, 1:3].shape, x[..., -1].shape, x[None, 0].shape
    (TensorShape([Dimension(None), Dimension(2), Dimension(6)]), TensorShape([Dimension(None), Dimension(5)]), TensorShape([Dimension(1), Dimension(5), Dimension(6)]))
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import constant_op, filling, reshaping, shape_ops
from teachflow.ops.allocation import check_output
from teachflow.ops.joining import concat, holds_tensor, stack
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
)
from teachflow.ops.static_value import constant_value, constant_value_as_shape

__all__ = ["slice", "strided_slice"]

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


# -- Slice --------------------------------------------------------------------------------------
def _infer_slice(op):
    x, begin_t, size_t = op.inputs
    check_index_dtype(op, 1, "Index")
    check_rank(begin_t.shape, 1)
    check_rank(size_t.shape, 1)
    dt = x.dtype.base_dtype
    n = dimension_value(begin_t.shape[0]) if begin_t.shape.ndims == 1 else None
    n = n if n is not None else (size_t.shape[0] if size_t.shape.ndims == 1 else None)
    rank = x.shape.ndims if x.shape.ndims is not None else n
    if rank is None:
        return [(dt, TensorShape(None))]
    for t in (begin_t, size_t):
        if t.shape.ndims == 1 and dimension_value(t.shape[0]) not in (None, rank):
            raise ValueError(f"Shape must be rank {dimension_value(t.shape[0])} but is rank {rank}")
    in_dims = x.shape.as_list() if x.shape.ndims is not None else [None] * rank
    begin = constant_value_as_shape(begin_t)
    begin = begin.as_list() if begin.ndims == rank else [None] * rank
    sizes = constant_value(size_t)
    if sizes is None:
        partial = constant_value_as_shape(size_t)
        raw = partial.as_list() if partial.ndims == rank else [None] * rank
        return [(dt, TensorShape(raw))]
    out = []
    for d, b, s in zip(in_dims, begin, int_list(sizes)):
        if s < -1:
            raise ValueError(f"Invalid value in tensor used for shape: {s}")
        if s == -1:
            out.append(None if d is None or b is None else d - b)
        else:
            out.append(s)
    return [(dt, TensorShape(out))]


def _slice_kernel(op, device):
    xp = device.xp

    def slice_value(x, begin, size):
        x = xp.asarray(x)
        starts, sizes = int_list(begin), int_list(size)
        rank = x.ndim
        if len(starts) != rank or len(sizes) != rank:
            raise invalid(
                f"Expected begin and size arguments to be 1-D tensors of size {rank}, but got "
                f"shapes [{len(starts)}] and [{len(sizes)}] instead."
            )
        index = []
        for i, (b, s, d) in enumerate(zip(starts, sizes, x.shape)):
            if s == -1:
                s = d - b
            if not 0 <= b <= d:
                raise invalid(f"Expected begin[{i}] in [0, {d}], but got {b}")
            if not 0 <= s <= d - b:
                raise invalid(f"Expected size[{i}] in [0, {d - b}], but got {s}")
            index.append(np.s_[b : b + s])
        return as_output(x[tuple(index)])

    return slice_value


def _slice_grad(op, grad):
    # Pad the gradient with zeros back to the input's shape: [begin, rest] per dimension.
    from teachflow.ops import math_ops, padding

    x, begin = op.inputs[0], op.inputs[1]
    rank_and_one = stack([shape_ops.rank(x), 1])
    before = reshaping.reshape(begin, rank_and_one)
    after_sizes = math_ops.subtract(
        math_ops.subtract(
            shape_ops.shape(x, out_type=begin.dtype),
            shape_ops.shape(op.outputs[0], out_type=begin.dtype),
        ),
        begin,
    )
    after = reshaping.reshape(after_sizes, rank_and_one)
    return [padding.pad(grad, concat([before, after], 1)), None, None]


registry.register("Slice", _infer_slice, _slice_kernel, grad=_slice_grad)


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The block of ``input_`` starting at ``begin`` with extent ``size`` (-1: the rest).

    >>> import teachflow as tf
    >>> tf.slice(tf.zeros([4, 5, 6]), [1, 0, 2], [-1, 2, 3]).shape
    TensorShape([Dimension(3), Dimension(2), Dimension(3)])
    """
    args = [(input_, "input", None), (begin, "begin", INDEX), (size, "size", INDEX)]
    return apply_op("Slice", name, args).outputs[0]


# -- StridedSlice -----------------------------------------------------------------------------
class _Spec:
    """The slice spec with its ellipsis expanded: one entry per output step.

    Each entry is ``(kind, i, dim)``: kind ``full`` (from an ellipsis), ``new``,
    ``shrink`` or ``slice``; ``i`` the entry of begin/end/strides; ``dim`` the input
    dimension it reads (None for ``new``).
    """

    def __init__(self, n, masks, rank):
        ellipsis, new_axis, shrink = masks[2], masks[3], masks[4]
        named = sum(1 for i in range(n) if not (ellipsis >> i) & 1 and not (new_axis >> i) & 1)
        entries, dim, seen = [], 0, False
        for i in range(n):
            if (ellipsis >> i) & 1:
                if seen:
                    raise ValueError("Multiple ellipses in slice spec not allowed")
                seen = True
                for _ in range(max(rank - named, 0)):
                    entries.append(("full", None, dim))
                    dim += 1
            elif (new_axis >> i) & 1:
                entries.append(("new", i, None))
            else:
                if dim >= rank:
                    raise ValueError(
                        f"Index out of range using input dim {dim}; input has only {rank} dims"
                    )
                entries.append(("shrink" if (shrink >> i) & 1 else "slice", i, dim))
                dim += 1
        while dim < rank:  # an implicit ellipsis at the end
            entries.append(("full", None, dim))
            dim += 1
        self.entries = entries


def _masks(op):
    return tuple(op._attrs[m] for m in _MASKS)


def _python_slice(i, begin, end, stride, masks):
    """Entry ``i`` as a Python slice: numpy clamps out-of-range bounds exactly as TF does."""
    b = None if (masks[0] >> i) & 1 else begin[i]
    e = None if (masks[1] >> i) & 1 else end[i]
    return builtins.slice(b, e, stride)


def _infer_strided_slice(op):
    x = op.inputs[0]
    for i in (1, 2, 3):
        check_index_dtype(op, i, "Index")
        check_rank(op.inputs[i].shape, 1)
    dt = x.dtype.base_dtype
    n = next(
        (
            dimension_value(t.shape[0])
            for t in op.inputs[1:]
            if t.shape.ndims == 1 and dimension_value(t.shape[0]) is not None
        ),
        None,
    )
    if x.shape.ndims is None or n is None:
        return [(dt, TensorShape(None))]
    masks = _masks(op)
    spec = _Spec(n, masks, x.shape.ndims)
    begin, end, strides = (constant_value(t) for t in op.inputs[1:])
    if strides is None:
        return [(dt, TensorShape(None))]
    strides = int_list(strides)
    begin = None if begin is None else int_list(begin)
    end = None if end is None else int_list(end)
    out = []
    for kind, i, dim in spec.entries:
        d = None if dim is None else dimension_value(x.shape[dim])
        if kind == "full":
            out.append(d)
        elif kind == "new":
            out.append(1)
        elif kind == "shrink":
            if d is not None and begin is not None:
                _check_shrink(begin[i], d, dim, ValueError)
        else:
            if strides[i] == 0:
                raise ValueError(f"strides[{i}] must be non-zero")
            # An unknown begin (end) matters only where the begin (end) mask is not set.
            b = begin if begin is not None else ([0] * n if (masks[0] >> i) & 1 else None)
            e = end if end is not None else ([0] * n if (masks[1] >> i) & 1 else None)
            if d is None or b is None or e is None:
                out.append(None)
            else:
                out.append(len(range(d)[_python_slice(i, b, e, strides[i], masks)]))
    return [(dt, TensorShape(out))]


def _check_shrink(index, d, dim, error):
    forward = index + d if index < 0 else index
    if not 0 <= forward < d:
        message = f"slice index {forward} of dimension {dim} out of bounds."
        raise error(message) if error is ValueError else invalid(message)
    return forward


def _numpy_index(op, begin, end, strides, shape):
    """The numpy index tuple equivalent to this StridedSlice on an input of ``shape``."""
    masks = _masks(op)
    try:
        spec = _Spec(len(begin), masks, len(shape))
    except ValueError as e:
        raise invalid(str(e)) from None
    index = []
    for kind, i, dim in spec.entries:
        if kind == "full":
            index.append(builtins.slice(None))
        elif kind == "new":
            index.append(None)
        elif kind == "shrink":
            # With the dimension unknown, numpy's own bounds check (IndexError) decides.
            d = shape[dim]
            index.append(begin[i] if d is None else _check_shrink(begin[i], d, dim, invalid))
        else:
            if strides[i] == 0:
                raise invalid(f"strides[{i}] must be non-zero")
            index.append(_python_slice(i, begin, end, strides[i], masks))
    return tuple(index)


def _strided_slice_kernel(op, device):
    xp = device.xp
    is_string = op.inputs[0].dtype.base_dtype is dtypes.string
    fixed = _fixed_index(op)

    def strided_slice_value(x, begin, end, strides):
        x = np.asarray(x, dtype=object) if is_string else xp.asarray(x)
        if fixed is not None:
            try:
                return as_output(x[fixed])
            except IndexError:
                pass  # out of bounds: the general path below raises TF's error
        index = _numpy_index(op, int_list(begin), int_list(end), int_list(strides), x.shape)
        return as_output(x[index])

    return strided_slice_value


def _fixed_index(op):
    """The numpy index, worked out once, when the spec is constant and the rank known
    (the usual ``x[1:, 0]``): each step then only indexes."""
    rank = op.inputs[0].shape.ndims
    values = [constant_value(t) for t in op.inputs[1:]]
    if rank is None or any(v is None for v in values):
        return None
    begin, end, strides = (int_list(v) for v in values)
    return _numpy_index(op, begin, end, strides, [None] * rank)


def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    attrs = {m: op._attrs[m] for m in _MASKS}
    shape = shape_ops.shape(x, out_type=begin.dtype.base_dtype)
    # TF passes on what is known while building as fresh Consts (StridedSliceGrad/shape,
    # /begin, /end, /strides), the op's own inputs only when they are not known.
    args = []
    for arg, t in (("shape", shape), ("begin", begin), ("end", end), ("strides", strides)):
        value = constant_value(t)
        args.append((t if value is None else value, arg, None))
    out = apply_op("StridedSliceGrad", None, [*args, (grad, "dy", None)], attrs)
    return [out.outputs[0], None, None, None]


registry.register(
    "StridedSlice", _infer_strided_slice, _strided_slice_kernel, grad=_strided_slice_grad
)


def _infer_strided_slice_grad(op):
    return [(op.inputs[4].dtype.base_dtype, constant_value_as_shape(op.inputs[0]))]


def _strided_slice_grad_kernel(op, device):
    xp = device.xp
    np_type = op.outputs[0].dtype.as_numpy_dtype

    def scatter_back(shape, begin, end, strides, dy):
        dims = int_list(shape)
        check_output(device, dims, np_type)
        result = xp.zeros(dims, dtype=np_type)
        index = _numpy_index(op, int_list(begin), int_list(end), int_list(strides), dims)
        result[index] = dy
        return as_output(result)

    return scatter_back


def _strided_slice_grad_grad(op, grad):
    _, begin, end, strides, _ = op.inputs
    attrs = {m: op._attrs[m] for m in _MASKS}
    sliced = strided_slice(grad, begin, end, strides, **attrs)
    return [None, None, None, None, sliced]


registry.register(
    "StridedSliceGrad",
    _infer_strided_slice_grad,
    _strided_slice_grad_kernel,
    grad=_strided_slice_grad_grad,
)


def strided_slice(
    input_,
    begin,
    end,
    strides=None,
    begin_mask=0,
    end_mask=0,
    ellipsis_mask=0,
    new_axis_mask=0,
    shrink_axis_mask=0,
    var=None,
    name=None,
):
    """The strided slice ``input_[begin:end:strides]`` with TF's five masks (see above).

    >>> import teachflow as tf
    >>> tf.strided_slice(tf.zeros([4, 6]), [0, 1], [4, 6], [2, 2]).shape
    TensorShape([Dimension(2), Dimension(3)])
    """
    if strides is None:
        strides = filling.ones_like(begin)
    attrs = {
        "begin_mask": int(begin_mask),
        "end_mask": int(end_mask),
        "ellipsis_mask": int(ellipsis_mask),
        "new_axis_mask": int(new_axis_mask),
        "shrink_axis_mask": int(shrink_axis_mask),
    }
    args = [
        (input_, "input", None),
        (begin, "begin", INDEX),
        (end, "end", INDEX),
        (strides, "strides", INDEX),
    ]
    return apply_op("StridedSlice", name, args, attrs).outputs[0]


# -- x[...] -------------------------------------------------------------------------------------
_SLICE_TYPE_ERROR = (
    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
    "tf.int32/tf.int64 tensors are valid indices"
)


def _check_index(idx):
    if isinstance(idx, (numbers.Integral, np.integer)):
        return
    if isinstance(idx, Tensor) and idx.dtype.base_dtype in (dtypes.int32, dtypes.int64):
        if idx.shape.ndims in (None, 0):
            return
    raise TypeError(f"{_SLICE_TYPE_ERROR}, got {idx!r}")


def _slice_helper(tensor, slice_spec):
    """TF's ``Tensor.__getitem__``: turn a Python index into one StridedSlice."""
    from teachflow.ops import math_ops

    if not isinstance(slice_spec, tuple):
        slice_spec = (slice_spec,)
    # A 0-d numpy integer array indexes as its int, as in TF (whose check lets it through).
    slice_spec = tuple(
        s.item() if isinstance(s, np.ndarray) and s.ndim == 0 and s.dtype.kind in "iu" else s
        for s in slice_spec
    )
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for index, s in enumerate(slice_spec):
        bit = 1 << index
        if isinstance(s, builtins.slice):
            # A slice with a tensor bound gets its defaults as constants of that dtype
            # (TF makes them in the order start, stop, step, outside the slice's scope).
            dtype = _slice_dtype(s)
            bounds = ((s.start, begin, "begin_mask", 0), (s.stop, end, "end_mask", 0))
            for value, out, mask, default in (*bounds, (s.step, strides, None, 1)):
                if value is None:
                    out.append(default if dtype is None else constant_op.constant(default, dtype))
                    if mask:
                        masks[mask] |= bit
                else:
                    _check_index(value)
                    out.append(value)
        elif s is Ellipsis or s is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask" if s is Ellipsis else "new_axis_mask"] |= bit
        else:
            _check_index(s)
            begin.append(s)
            end.append(s + 1)
            wide = isinstance(s, Tensor) and s.dtype.base_dtype in (dtypes.int16, dtypes.int64)
            strides.append(constant_op.constant(1, s.dtype.base_dtype) if wide else 1)
            masks["shrink_axis_mask"] |= bit
    with name_scope(None, "strided_slice", [tensor]) as scope:
        if begin:
            packed = [
                _pack_index(v, n)
                for v, n in ((begin, "stack"), (end, "stack_1"), (strides, "stack_2"))
            ]
            if any(p.dtype.base_dtype is dtypes.int64 for p in packed):
                packed = [
                    p if p.dtype.base_dtype is dtypes.int64 else math_ops.cast(p, dtypes.int64)
                    for p in packed
                ]
        else:
            empty = constant_op.constant(np.zeros([0], np.int32))
            packed = [empty, empty, empty]
        return strided_slice(tensor, *packed, name=scope, **masks)


def _slice_dtype(s):
    """The dtype TF gives a slice's default bounds: its widest tensor bound's, else None."""
    found = [v.dtype.base_dtype for v in (s.start, s.stop, s.step) if isinstance(v, Tensor)]
    for dtype in (dtypes.int64, dtypes.int32, dtypes.int16):
        if dtype in found:
            return dtype
    return None


def _pack_index(values, name):
    if holds_tensor(values):
        return stack(values, name=name)
    return constant_op.constant([int(v) for v in values], dtype=dtypes.int32, name=name)


def _getitem(tensor, slice_spec):
    return _slice_helper(tensor, slice_spec)


Tensor._override_operator("__getitem__", _getitem)
