"""``tf.cross``: the cross product of 3-vectors, pairwise along the last axis (the
Cookbook's first chapter lists it among the matrix operations).

The gradient follows from ``a x b = -(b x a)``: for ``y = a x b`` and an incoming ``g``,
``dL/da = b x g`` and ``dL/db = g x a``, TensorFlow's ``_CrossGrad``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])).tolist())
    [0.0, 0.0, 1.0]
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops.elementwise import NUMERIC, check_allowed

__all__ = ["cross"]

# Cross's OpDef: the real and integer types (bfloat16 aside), unsigned ones included.
CROSS_DTYPES = NUMERIC + (dtypes.uint16, dtypes.uint32, dtypes.uint64)


def _infer_cross(op):
    a, b = op.inputs
    for t in (a, b):
        if t.shape.ndims == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
    if a.shape.ndims is not None and b.shape.ndims is not None and a.shape.ndims != b.shape.ndims:
        raise ValueError(f"Shapes must be equal rank, but are {a.shape.ndims} and {b.shape.ndims}")
    shape = a.shape.merge_with(b.shape)
    if (
        shape.ndims is not None
        and dimension_value(shape[-1]) is not None
        and dimension_value(shape[-1]) != 3
    ):
        raise ValueError(f"Dimension must be 3 but is {dimension_value(shape[-1])}")
    return [(a.dtype.base_dtype, shape)]


def _cross_kernel(op, device):
    xp = device.xp

    def cross(a, b):
        # The shapes were only partly known when the graph was built (placeholders).
        if a.shape != b.shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Both inputs must be of same shape: {list(a.shape)} vs. {list(b.shape)}",
            )
        if a.shape[-1] != 3:
            raise errors.FailedPreconditionError(
                None, None, "Cross-products are only defined for 3-element vectors."
            )
        return xp.cross(a, b)

    return cross


def _cross_grad(op, grad):
    a, b = op.inputs
    return [cross(b, grad), cross(grad, a)]


registry.register("Cross", _infer_cross, _cross_kernel, grad=_cross_grad)


def cross(a, b, name=None):
    """The cross product of ``a`` and ``b``: tensors of one shape whose last dimension is
    3. ValueError when the shapes say otherwise at graph time; at run time a fed shape that
    differs is InvalidArgumentError, a last dimension other than 3 FailedPreconditionError.
    """
    with name_scope(name, "Cross", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype=a.dtype.base_dtype, name="b")
        dt = check_allowed(a, CROSS_DTYPES, "a")
        return a.graph.create_op("Cross", [a, b], {"T": dt}, name=scope).outputs[0]
