"""``PreventGradient``: an identity whose gradient is refused, with a reason.

An op whose gradient TensorFlow computes in a fused kernel (``CTCLoss`` returns its
gradient as a second output) passes that output through ``PreventGradient``, so asking
for a second derivative raises LookupError instead of silently giving a wrong one.

    >>> import teachflow as tf
    >>> from teachflow.ops.prevent_gradient_ops import prevent_gradient
    >>> x = tf.constant(2.0)
    >>> y = prevent_gradient(x, message="fused")
    >>> try:
    ...     tf.gradients(y, x)
    ... except LookupError as e:
    ...     print(e)
    Gradient explicitly disabled. Reason: fused
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["prevent_gradient"]


def _infer(op):
    x = op.inputs[0]
    return [(x.dtype.base_dtype, x.shape)]


def _kernel(op, device):
    return lambda x: x


def _refuse(op, grad):
    message = op._attrs.get("message", "")
    message = message.decode() if isinstance(message, bytes) else message
    raise LookupError(f"Gradient explicitly disabled. Reason: {message}")


registry.register("PreventGradient", _infer, _kernel, grad=_refuse)


def prevent_gradient(input, message="", name=None):  # noqa: A002 - TensorFlow's name
    """``input`` unchanged; `tf.gradients` through it raises LookupError with ``message``."""
    with name_scope(name, "PreventGradient", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"T": x.dtype.base_dtype, "message": message}
        return x.graph.create_op("PreventGradient", [x], attrs, name=scope).outputs[0]
