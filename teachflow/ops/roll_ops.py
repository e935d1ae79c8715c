"""``tf.roll``: shift elements along axes, those pushed off one end coming back at the
other (numpy's ``roll``); its gradient rolls back.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.roll([[1, 2, 3], [4, 5, 6]], shift=1, axis=1)).tolist())
    [[3, 1, 2], [6, 4, 5]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.array_ops import int_list, invalid

__all__ = ["roll"]


def _infer_roll(op):
    x = op.inputs[0]
    return [(x.dtype.base_dtype, x.shape)]


def _roll_kernel(op, device):
    xp = device.xp

    def roll(x, shift, axis):
        shifts, axes = int_list(shift), int_list(axis)
        if len(shifts) != len(axes):
            raise invalid(
                f"shift and axis must have the same size, got {len(shifts)} and {len(axes)}"
            )
        for a in axes:
            if not -x.ndim <= a < x.ndim:
                raise invalid(f"axis {a} is out of range for a tensor of rank {x.ndim}")
        return xp.roll(x, shifts, axes) if axes else x

    return roll


def _roll_grad(op, grad):
    from teachflow.ops.arithmetic_ops import negative

    return [roll(grad, negative(op.inputs[1]), op.inputs[2]), None, None]


registry.register("Roll", _infer_roll, _roll_kernel, grad=_roll_grad)


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's argument name
    """``input`` with its elements shifted ``shift`` places along ``axis`` (scalars, or
    lists of the same length), wrapping around."""
    # TF's generated wrapper converts shift and axis inside the op's scope (Roll/shift).
    with name_scope(name, "Roll", [input, shift, axis]) as scope:
        x = convert_to_tensor(input, name="input")
        shift_t = convert_to_tensor(shift, name="shift", preferred_dtype=np.int32)
        axis_t = convert_to_tensor(axis, name="axis", preferred_dtype=np.int32)
        attrs = {
            "T": x.dtype.base_dtype,
            "Tshift": shift_t.dtype.base_dtype,
            "Taxis": axis_t.dtype.base_dtype,
        }
        return x.graph.create_op("Roll", [x, shift_t, axis_t], attrs, name=scope).outputs[0]
