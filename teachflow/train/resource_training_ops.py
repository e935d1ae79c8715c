"""The update ops of resource variables: ``ResourceApplyGradientDescent``, ``...Momentum``...

A TF 2 ``tf.compat.v1`` optimizer updates a resource variable with the ``ResourceApply*``
twin of each ``Apply*`` op (``ResourceSparseApply*`` of each ``SparseApply*``, for an
IndexedSlices gradient): the same inputs and update rule, but the variable and its slots
arrive as resource *handles* instead of refs, and the op has no output. teachflow reuses
the rules and the kernel of `training_ops` (a handle is the same state record a ref
points at), so the two families cannot drift apart.

    >>> import teachflow as tf
    >>> from teachflow.ops import resource_variable_ops as rv
    >>> from teachflow.train import resource_training_ops as rto
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     h = rv.var_handle_op(tf.float32, [2], shared_name="w", name="w")
    ...     init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]))
    ...     step = rto.resource_apply_gradient_descent(h, 0.5, tf.constant([2.0, 2.0]))
    ...     read = rv.read_variable_op(h, tf.float32)
    >>> with tf.Session(graph=g) as sess:
    ...     sess.run(init)
    ...     sess.run(step)
    ...     print(sess.run(read))
    [0. 1.]
"""

from __future__ import annotations

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.ops import resource_variable_ops  # noqa: F401 - the handles these ops update
from teachflow.train import sparse_training_ops, training_ops

__all__ = ["resource_apply_gradient_descent", "RESOURCE_TRAINING_OPS"]

# ResourceApplyX -> the TrainingOp spec of ApplyX.
RESOURCE_TRAINING_OPS = {"Resource" + t: spec for t, spec in training_ops.TRAINING_OPS.items()}
# ResourceSparseApplyX -> the SparseTrainingOp spec of SparseApplyX.
RESOURCE_SPARSE_TRAINING_OPS = {
    "Resource" + t: spec for t, spec in sparse_training_ops.SPARSE_TRAINING_OPS.items()
}


def _infer(op):
    spec = RESOURCE_TRAINING_OPS.get(op.type) or RESOURCE_SPARSE_TRAINING_OPS[op.type]
    refs = spec.refs if op.type in RESOURCE_TRAINING_OPS else spec.dense.refs
    for name, t in zip(spec.inputs, op.inputs):
        if name in refs and t.dtype is not dtypes.resource:
            raise TypeError(
                f"Input '{name}' of '{op.type}' Op has type {t.dtype.name} that does not "
                "match expected type of resource."
            )
    return []


class _AsRefOp:
    """``op`` seen as its ref twin (``ApplyX``) by the shared kernel factory."""

    def __init__(self, op, ref_type):
        self.type = ref_type
        self._attrs = op._attrs
        self.inputs = op.inputs


def _kernel(op, device):
    # The ref kernel reads ``.read()`` and stores ``.value`` on each state record; a
    # handle is that record, so the kernel is the very same one.
    return training_ops._kernel(_AsRefOp(op, RESOURCE_TRAINING_OPS[op.type].type), device)


def _sparse_kernel(op, device):
    ref_twin = RESOURCE_SPARSE_TRAINING_OPS[op.type].type
    return sparse_training_ops._kernel(_AsRefOp(op, ref_twin), device)


for _type in RESOURCE_TRAINING_OPS:
    registry.register(_type, _infer, _kernel, stateful=True, not_differentiable=True)
for _type in RESOURCE_SPARSE_TRAINING_OPS:
    registry.register(_type, _infer, _sparse_kernel, stateful=True, not_differentiable=True)


def resource_apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """``var -= alpha * delta`` on a resource variable (``tf.raw_ops``' spelling)."""
    delta = convert_to_tensor(delta)
    alpha = convert_to_tensor(alpha, dtype=delta.dtype.base_dtype)
    attrs = {"T": delta.dtype.base_dtype, "use_locking": use_locking}
    return get_default_graph().create_op(
        "ResourceApplyGradientDescent",
        [var, alpha, delta],
        attrs,
        name or "ResourceApplyGradientDescent",
    )
