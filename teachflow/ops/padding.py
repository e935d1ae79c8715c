"""Borders and mirrors: ``pad`` (constant, reflect, symmetric) and ``reverse``.

``paddings`` is an ``[rank, 2]`` integer tensor: row ``i`` says how many values to add
before and after dimension ``i``. ``REFLECT`` mirrors without repeating the edge
(``[1, 2, 3]`` padded by 2 -> ``3 2 | 1 2 3 | 2 1``), ``SYMMETRIC`` repeats it
(``2 1 | 1 2 3 | 3 2``). The gradient of a constant pad slices the middle back out; the
gradient of a mirror pad folds the mirrored borders back onto the values they copied
(``MirrorPadGrad``).

    >>> import teachflow as tf
    >>> tf.pad(tf.zeros([2, 3]), [[1, 1], [2, 2]], "REFLECT").shape
    TensorShape([Dimension(4), Dimension(7)])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.operation import Tensor
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import reshaping, shape_ops
from teachflow.ops.allocation import check_output
from teachflow.ops.joining import stack
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
    shape_text,
    to_host,
)
from teachflow.ops.static_value import constant_value

__all__ = ["pad", "reverse", "reverse_v2"]

_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


# -- Pad, PadV2, MirrorPad ------------------------------------------------------------------------
def _infer_pad(op):
    x, paddings = op.inputs[0], op.inputs[1]
    check_index_dtype(op, 1, "Tpaddings")
    check_rank(paddings.shape, 2)
    dt = x.dtype.base_dtype
    if op.type == "PadV2":
        check_rank(op.inputs[2].shape, 0)
    rank = x.shape.ndims
    rows = dimension_value(paddings.shape[0]) if paddings.shape.ndims == 2 else None
    if paddings.shape.ndims == 2 and dimension_value(paddings.shape[1]) not in (None, 2):
        raise ValueError(
            f"Dimension 1 in both shapes must be equal, but are {paddings.shape[1]} and 2"
        )
    if rank is None:
        rank = rows
    elif rows is not None and rows != rank:
        raise ValueError(f"Shape must be rank {rows} but is rank {rank}")
    if rank is None:
        return [(dt, TensorShape(None))]
    value = constant_value(paddings)
    if value is None:
        return [(dt, TensorShape([None] * rank))]
    value = np.reshape(value, [rank, 2])
    if np.any(value < 0):
        raise ValueError("Paddings must be non-negative")
    dims = x.shape.as_list() if x.shape.ndims is not None else [None] * rank
    out = [None if d is None else d + int(b) + int(a) for d, (b, a) in zip(dims, value)]
    return [(dt, TensorShape(out))]


def _pad_widths(x, paddings):
    paddings = to_host(paddings)
    widths = np.asarray(paddings).reshape(-1, 2) if np.size(paddings) else np.zeros((0, 2), int)
    if np.ndim(paddings) != 2 or widths.shape[0] != x.ndim:
        raise invalid(
            "The first dimension of paddings must be the rank of inputs"
            f"{shape_text(np.shape(paddings))} {shape_text(x.shape)}"
        )
    for b, a in widths:
        if b < 0 or a < 0:
            raise invalid(f"Paddings must be non-negative: {b} {a}")
    return [(int(b), int(a)) for b, a in widths]


def _pad_kernel(op, device):
    xp = device.xp

    def pad_value(x, paddings, constant_values=0):
        x = xp.asarray(x)
        widths = _pad_widths(x, paddings)
        check_output(device, [d + b + a for d, (b, a) in zip(x.shape, widths)], x.dtype)
        if isinstance(constant_values, np.ndarray):
            constant_values = constant_values[()]
        return as_output(xp.pad(x, widths, mode="constant", constant_values=constant_values))

    return pad_value


def _pad_grad(op, grad):
    # The input is the block of the output that starts at the "before" paddings.
    x, paddings = op.inputs[0], op.inputs[1]
    from teachflow.ops import slicing

    before = slicing.slice(paddings, [0, 0], stack([shape_ops.rank(x), 1]))
    begin = reshaping.reshape(before, [-1])
    sizes = shape_ops.shape(x, out_type=begin.dtype.base_dtype)
    return [slicing.slice(grad, begin, sizes)] + [None] * (len(op.inputs) - 1)


registry.register("Pad", _infer_pad, _pad_kernel, grad=_pad_grad)
registry.register("PadV2", _infer_pad, _pad_kernel, grad=_pad_grad)


def _mirror_pad_kernel(op, device):
    mode = op._attrs["mode"]
    xp = device.xp
    np_mode = "reflect" if mode == "REFLECT" else "symmetric"
    offset = 1 if mode == "REFLECT" else 0

    def mirror_pad_value(x, paddings):
        x = xp.asarray(x)
        widths = _pad_widths(x, paddings)
        for (b, a), d in zip(widths, x.shape):
            if max(b, a) > d - offset:
                word = "less than" if offset else "no greater than"
                verb = "not less than" if offset else "greater than"
                raise invalid(f"paddings must be {word} the dimension size: {b}, {a} {verb} {d}")
        check_output(device, [d + b + a for d, (b, a) in zip(x.shape, widths)], x.dtype)
        return as_output(xp.pad(x, widths, mode=np_mode))

    return mirror_pad_value


def _mirror_pad_grad(op, grad):
    attrs = {"mode": op._attrs["mode"]}
    out = grad.graph.create_op("MirrorPadGrad", [grad, op.inputs[1]], attrs, name="MirrorPadGrad")
    return [out.outputs[0], None]


registry.register("MirrorPad", _infer_pad, _mirror_pad_kernel, grad=_mirror_pad_grad)


def _infer_mirror_pad_grad(op):
    grad, paddings = op.inputs
    value = constant_value(paddings)
    dt = grad.dtype.base_dtype
    if grad.shape.ndims is None:
        return [(dt, TensorShape(None))]
    if value is None:
        return [(dt, TensorShape([None] * grad.shape.ndims))]
    value = np.reshape(value, [-1, 2])
    dims = [
        None if d is None else d - int(b) - int(a) for d, (b, a) in zip(grad.shape.as_list(), value)
    ]
    return [(dt, TensorShape(dims))]


def _mirror_pad_grad_kernel(op, device):
    xp = device.xp
    offset = 1 if op._attrs["mode"] == "REFLECT" else 0

    def fold_borders(grad, paddings):
        result = np.asarray(to_host(grad))
        for axis, (b, a) in enumerate(np.reshape(paddings, [-1, 2]).tolist()):
            d = result.shape[axis] - b - a
            middle = np.take(result, np.arange(b, b + d), axis=axis).copy()
            # Output position b-1-k mirrors input k+offset; b+d+k mirrors d-1-offset-k.
            targets = np.concatenate([b - 1 - np.arange(b) + offset, d - 1 - offset - np.arange(a)])
            sources = np.concatenate([np.arange(b), b + d + np.arange(a)]).astype(int)
            moved = np.moveaxis(middle, axis, 0)
            np.add.at(
                moved,
                targets.astype(int),
                np.moveaxis(np.take(result, sources, axis=axis), axis, 0),
            )
            result = np.moveaxis(moved, 0, axis)
        result = np.ascontiguousarray(result)
        return as_output(result if xp is np else xp.asarray(result))

    return fold_borders


def _mirror_pad_grad_grad(op, grad):
    return [mirror_pad(grad, op.inputs[1], op._attrs["mode"]), None]


registry.register(
    "MirrorPadGrad", _infer_mirror_pad_grad, _mirror_pad_grad_kernel, grad=_mirror_pad_grad_grad
)


def mirror_pad(tensor, paddings, mode, name=None):
    args = [(tensor, "input", None), (paddings, "paddings", INDEX)]
    return apply_op("MirrorPad", name, args, {"mode": mode}).outputs[0]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """``tensor`` with values added around each dimension (see the module docstring).

        >>> import teachflow as tf
        >>> tf.pad(tf.ones([2, 3]), [[1, 0], [0, 2]]).shape
        TensorShape([Dimension(3), Dimension(5)])

    A non-zero ``constant_values`` builds ``PadV2``; ``REFLECT``/``SYMMETRIC`` build
    ``MirrorPad``.
    """
    mode = mode.upper()
    if mode == "CONSTANT":
        zero = not isinstance(constant_values, Tensor) and np.ndim(constant_values) == 0
        if zero and constant_values == 0:
            args = [(tensor, "input", None), (paddings, "paddings", INDEX)]
            return apply_op("Pad", name, args).outputs[0]
        from teachflow.framework.conversion import convert_to_tensor

        t = convert_to_tensor(tensor, name="input")
        args = [(t, "input", None), (paddings, "paddings", INDEX)]
        args.append((constant_values, "constant_values", t.dtype.base_dtype))
        return apply_op("PadV2", name, args).outputs[0]
    if mode in _MODES:
        return mirror_pad(tensor, paddings, mode, name=name)
    raise ValueError(
        'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or '
        f'"SYMMETRIC". Received `mode` = {mode}'
    )


# -- ReverseV2 ----------------------------------------------------------------------------------
def _infer_reverse(op):
    x, axis_t = op.inputs
    check_index_dtype(op, 1, "Tidx")
    check_rank(axis_t.shape, 1)
    value = constant_value(axis_t)
    rank = x.shape.ndims
    if value is not None and rank is not None:
        seen = set()
        for i, a in enumerate(int_list(value)):
            if not -rank <= a < rank:
                raise ValueError(f"'axis'[{i}] = {a} is out of valid range [0, {rank - 1}")
            a = a + rank if a < 0 else a
            if a in seen:
                raise ValueError(f"axis {a} specified more than once.")
            seen.add(a)
    return [(x.dtype.base_dtype, x.shape)]


def _reverse_kernel(op, device):
    xp = device.xp

    def reverse_value(x, axis):
        x = xp.asarray(x)
        rank = x.ndim
        axes = []
        for i, a in enumerate(int_list(axis)):
            if not -rank <= a < rank:
                raise invalid(f"'axis'[{i}] = {a} is out of valid range [0, {rank - 1}")
            a = a + rank if a < 0 else a
            if a in axes:
                raise invalid(f"axis {a} specified more than once.")
            axes.append(a)
        return as_output(xp.flip(x, axis=tuple(axes)) if axes else x)

    return reverse_value


registry.register(
    "ReverseV2",
    _infer_reverse,
    _reverse_kernel,
    grad=lambda op, grad: [reverse(grad, op.inputs[1]), None],
)


def reverse(tensor, axis, name=None):
    """``tensor`` with the order of elements reversed along each dimension in ``axis``.

    >>> import teachflow as tf
    >>> tf.reverse(tf.zeros([2, 3]), [-1]).op.type
    'ReverseV2'
    """
    args = [(tensor, "tensor", None), (axis, "axis", INDEX)]
    return apply_op("ReverseV2", name, args).outputs[0]


reverse_v2 = reverse
