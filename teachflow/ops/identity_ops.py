"""``tf.identity`` (the same value under a new name, on the device it is placed on) and
``tf.stop_gradient`` (the same value, but no gradient flows back through it).

    >>> import teachflow as tf
    >>> tf.identity(tf.constant(1.0), name="same").op.type
    'Identity'
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import unary


def identity_kernel(op, device):
    return lambda x: x


registry.register("Identity", unary, identity_kernel, grad=lambda op, grad: [grad])
registry.register("StopGradient", unary, identity_kernel, not_differentiable=True)


# GuaranteeConst promises the runtime its input will not change between runs (an Identity
# here); as in TF it has no gradient.
registry.register("GuaranteeConst", unary, identity_kernel)


def guarantee_const(input, name=None):  # noqa: A002
    """``input`` unchanged, marked constant for the runtime (op ``GuaranteeConst``)."""
    t = convert_to_tensor(input)
    return t.graph.create_op(
        "GuaranteeConst", [t], {"T": t.dtype.base_dtype}, name=name or "GuaranteeConst"
    ).outputs[0]


def identity(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op(
        "Identity", [t], {"T": t.dtype.base_dtype}, name=name or "Identity"
    ).outputs[0]


def stop_gradient(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op("StopGradient", [t], {}, name=name or "StopGradient").outputs[0]


def _infer_identity_n(op):
    return [(t.dtype.base_dtype, t.shape) for t in op.inputs]


def _identity_n_kernel(op, device):
    return lambda *xs: xs


# TF's _IdentityNGrad: each output's gradient is its input's.
registry.register(
    "IdentityN", _infer_identity_n, _identity_n_kernel, grad=lambda op, *grads: list(grads)
)


def identity_n(input, name=None):  # noqa: A002
    """Several tensors passed on unchanged by one ``IdentityN`` op (its outputs, a list).

    >>> import teachflow as tf
    >>> a, b = tf.identity_n([tf.constant(1.0), tf.constant([2, 3])])
    >>> a.op.type, a.op is b.op
    ('IdentityN', True)
    """
    tensors = [convert_to_tensor(t) for t in input]
    attrs = {"T": [t.dtype.base_dtype for t in tensors]}
    return list(
        tensors[0].graph.create_op("IdentityN", tensors, attrs, name=name or "IdentityN").outputs
    )
