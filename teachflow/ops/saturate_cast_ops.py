"""``tf.saturate_cast``: a cast that clamps values into the target dtype's range first (300.0
to uint8 gives 255, not 300 mod 256), and TF1's ``to_complex64`` / ``to_complex128``.

The clamp is one ``ClipByValue`` op named ``clamp`` with TensorFlow's bounds: the target's
min and max written in the source dtype, nudged towards 0 where that rounds them outside
the target's range (float32 cannot hold int32's max, 2^31 - 1, so the bound is 2^31 - 128).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.saturate_cast([-1.0, 300.0, 5.5], tf.uint8)).tolist())
    [0, 255, 5]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.arithmetic_ops import cast
from teachflow.ops.elementwise import kernel_of

__all__ = ["saturate_cast", "to_complex64", "to_complex128"]


def _infer_clip(op):
    dt = op.inputs[0].dtype.base_dtype
    for t in op.inputs[1:]:
        if t.dtype.base_dtype is not dt:
            raise TypeError(
                f"Input '{t.name}' of 'ClipByValue' Op has type {t.dtype.base_dtype.name} that "
                f"does not match type {dt.name} of argument 't'."
            )
    return [(dt, op.inputs[0].shape)]


def _clip(t, lo, hi):
    return np.minimum(np.maximum(t, lo), hi).astype(t.dtype)


def _clip_grad(op, grad):
    """TensorFlow's: the gradient passes where ``t`` was inside the bounds, and goes to the
    bound that clipped it elsewhere (summed back to the bound's shape)."""
    from teachflow.ops import array_ops
    from teachflow.ops.comparison_ops import greater, less, logical_or, where
    from teachflow.ops.filling import zeros
    from teachflow.ops.reduction_ops import reduce_sum

    x, y, z = op.inputs
    sx, sy, sz = array_ops.shape(x), array_ops.shape(y), array_ops.shape(z)
    zero = zeros(array_ops.shape(grad), grad.dtype)
    xymask, xzmask = less(x, y), greater(x, z)
    ry = _broadcast_args(sx, sy)
    rz = _broadcast_args(sx, sz)
    xgrad = where(logical_or(xymask, xzmask), zero, grad)
    ygrad = where(xymask, grad, zero)
    zgrad = where(xzmask, grad, zero)
    gy = array_ops.reshape(reduce_sum(ygrad, ry), sy)
    gz = array_ops.reshape(reduce_sum(zgrad, rz), sz)
    return [xgrad, gy, gz]


def _broadcast_args(sx, sy):
    op = sx.graph.create_op(
        "BroadcastGradientArgs", [sx, sy], {"T": dtypes.int32}, name="BroadcastGradientArgs"
    )
    return op.outputs[1]


registry.register("ClipByValue", _infer_clip, kernel_of(_clip), grad=_clip_grad)


def _limits(in_dtype, out_dtype):
    """TensorFlow's clamp bounds: the target's range in the source dtype, nudged to 0 where
    writing them in the source dtype rounds them outside that range."""
    np_in = in_dtype.as_numpy_dtype
    promoted = np.promote_types(np_in, out_dtype.as_numpy_dtype)
    low = np_in(np.maximum(in_dtype.min, out_dtype.min))
    if np.array([low, out_dtype.min], promoted)[0] < np.array([low, out_dtype.min], promoted)[1]:
        low = np.nextafter(low, np_in(0), dtype=np_in)
    high = np_in(np.minimum(float(in_dtype.max), float(out_dtype.max)))
    if np.array([high, out_dtype.max], promoted)[0] > np.array([high, out_dtype.max], promoted)[1]:
        high = np.nextafter(high, np_in(0), dtype=np_in)
    return low, high


def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype``, clamped into its range first (complex values lose their
    imaginary part when ``dtype`` is real; complex to complex is a plain cast here, where
    TensorFlow also clamps complex128 parts to complex64's range)."""
    with name_scope(name, "saturate_cast", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype).base_dtype
        in_dtype = value.dtype.base_dtype
        if in_dtype.is_complex:
            if dtype.is_complex:
                return cast(value, dtype, name=scope)
            from teachflow.ops.complex_ops import real

            value = real(value)
            in_dtype = in_dtype.real_dtype
        out_real = dtype.real_dtype if dtype.is_complex else dtype
        low, high = _limits(in_dtype, out_real)
        attrs = {"T": in_dtype}
        value = value.graph.create_op(
            "ClipByValue",
            [
                value,
                convert_to_tensor(low, dtype=in_dtype),
                convert_to_tensor(high, dtype=in_dtype),
            ],
            attrs,
            name="clamp",
        ).outputs[0]
        return cast(value, dtype, name=scope)


def to_complex64(x, name="ToComplex64"):
    """TF1's ``cast(x, tf.complex64)``."""
    return cast(x, dtypes.complex64, name=name)


def to_complex128(x, name="ToComplex128"):
    """TF1's ``cast(x, tf.complex128)``."""
    return cast(x, dtypes.complex128, name=name)
