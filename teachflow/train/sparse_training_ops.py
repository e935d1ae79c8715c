"""The row updates of sparse gradients: ``SparseApplyMomentum``, ``SparseApplyAdagrad``...

When a variable's gradient is an `IndexedSlices` (an embedding lookup's), an optimizer
updates only the rows it names. Each ``SparseApplyX`` op takes the inputs of ``ApplyX``
with ``indices`` right after ``grad`` (whose first dimension is then one row per index),
and applies ``ApplyX``'s very rule (`training_ops`) to those rows of the variable and of
its slots; the other rows keep their values, slots included. So Momentum's velocity of a
row that was not looked up neither decays nor moves the row, unlike a dense update with a
zero gradient.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> from teachflow.train import sparse_training_ops
    >>> w = tf.Variable([[1.0], [2.0], [3.0]], name="w")
    >>> acc = tf.Variable([[1.0], [1.0], [1.0]], name="acc")
    >>> step = sparse_training_ops.sparse_apply_momentum(
    ...     w, acc, 0.5, tf.constant([[2.0]]), tf.constant([1]), 0.5)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run(step.op)
    ...     print(sess.run(w).ravel(), sess.run(acc).ravel())
    [1.   0.75 3.  ] [1.  2.5 1. ]

Duplicate indices are applied one after another, as TF's CPU kernels do (the optimizers
sum them first, see `Optimizer._apply_sparse_duplicate_indices`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.op_builder import to_host
from teachflow.train import training_ops

__all__ = ["SPARSE_TRAINING_OPS", "SparseTrainingOp"]


@dataclass(frozen=True)
class SparseTrainingOp:
    """``SparseApplyX``: ``ApplyX``'s spec (``dense``) and its own input names."""

    type: str
    dense: training_ops.TrainingOp
    inputs: tuple

    @property
    def indices_position(self) -> int:
        return self.inputs.index("indices")


def _sparse_spec(dense):
    names = ["grad" if n == "delta" else n for n in dense.inputs]
    names.insert(names.index("grad") + 1, "indices")
    return SparseTrainingOp("Sparse" + dense.type, dense, tuple(names))


# SparseApplyGradientDescent does not exist: GradientDescent updates rows with ScatterSub.
SPARSE_TRAINING_OPS = {
    spec.type: spec
    for spec in (
        _sparse_spec(dense)
        for name, dense in training_ops.TRAINING_OPS.items()
        if name not in ("ApplyGradientDescent", "ApplyAdam")
    )
}


def _infer(op):
    spec = SPARSE_TRAINING_OPS[op.type]
    by_name = dict(zip(spec.inputs, op.inputs))
    var = by_name["var"]
    for name in spec.dense.refs:
        if not by_name[name].dtype.is_ref_dtype:
            raise TypeError(
                f"'{op.type}' Op requires that input '{name}' be a mutable tensor "
                "(e.g.: a tf.Variable)"
            )
    shape = var.shape
    for name in spec.dense.refs[1:]:
        shape = training_ops._merge(shape, by_name[name].shape)
    indices = by_name["indices"].shape
    if indices.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {indices.ndims}")
    for name in spec.dense.scalars:
        if by_name[name].shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {by_name[name].shape.ndims}")
    return [(var.dtype, shape)]


def _check(values, grad, indices):
    var = values[0]
    if np.ndim(var) < 1:
        raise errors.InvalidArgumentError(None, None, "var must be at least 1 dimensional")
    if np.ndim(indices) != 1:
        raise errors.InvalidArgumentError(None, None, "indices must be one-dimensional")
    if np.shape(grad)[1:] != np.shape(var)[1:]:
        raise errors.InvalidArgumentError(
            None,
            None,
            "var and grad must match in dimension 1 and beyond: "
            f"{training_ops._text(np.shape(var))} {training_ops._text(np.shape(grad))}",
        )
    if np.shape(grad)[0] != len(indices):
        raise errors.InvalidArgumentError(
            None, None, "grad must be the same size as indices in the first dimension."
        )
    bad = np.flatnonzero((indices < 0) | (indices >= np.shape(var)[0]))
    if len(bad):
        i = int(bad[0])
        raise errors.InvalidArgumentError(
            None, None, f"Index {int(indices[i])} at offset {i} in indices is out of range"
        )


def _kernel(op, device):
    spec = SPARSE_TRAINING_OPS[op.type]
    dense = spec.dense
    xp = device.xp
    flags = {f: bool(op._attrs.get(f, f == "update_slots")) for f in dense.flags}
    locking = bool(op._attrs.get("use_locking", False))
    n_refs = len(dense.refs)
    at_indices = spec.indices_position - n_refs
    at_grad = spec.inputs.index("grad") - n_refs

    def apply_rows(*args):
        refs = args[:n_refs]
        inputs = list(args[n_refs:])
        indices = np.asarray(to_host(inputs.pop(at_indices)))
        with training_ops._locked(refs) if locking else contextlib.nullcontext():
            values = [xp.array(r.read(), copy=True) for r in refs]
            grad = inputs[at_grad]
            _check(values, grad, indices)
            # Unique rows update together; a repeated row sees the update before it.
            batches = [slice(None)] if len(np.unique(indices)) == len(indices) else indices.size
            if isinstance(batches, int):
                batches = [slice(i, i + 1) for i in range(batches)]
            for rows in batches:
                picked = indices[rows]
                row_inputs = list(inputs)
                row_inputs[at_grad] = grad[rows]
                rule = dense.rows_update or dense.update
                new = rule(xp, *[v[picked] for v in values], *row_inputs, **flags)
                for v, n in zip(values, new):
                    v[picked] = n
            for ref, v in zip(refs, values):
                ref.write(v)
        return refs[0]

    return apply_rows


for _spec in SPARSE_TRAINING_OPS.values():
    registry.register(
        _spec.type,
        _infer,
        _kernel,
        stateful=True,
        ref_inputs=tuple(range(len(_spec.dense.refs))),
        not_differentiable=True,
    )


# -- building the ops ------------------------------------------------------------------
def _apply(op_type, args, attrs, name):
    spec = SPARSE_TRAINING_OPS[op_type]
    with name_scope(name, op_type, list(args)) as scope:
        inputs = []
        dtype = None
        for arg_name, value in zip(spec.inputs, args):
            if arg_name in spec.dense.refs:
                t = convert_to_tensor(value, as_ref=True)
                dtype = dtype or t.dtype.base_dtype
            elif arg_name == "indices":
                t = convert_to_tensor(value, name=arg_name)
            else:
                int64 = arg_name in spec.dense.int64_scalars  # AdagradDA's global_step
                t = training_ops._convert(value, dtypes.int64 if int64 else dtype, arg_name)
            inputs.append(t)
        attrs = {
            "T": inputs[0].dtype.base_dtype,
            "Tindices": inputs[spec.indices_position].dtype.base_dtype,
            **attrs,
        }
        return inputs[0].graph.create_op(op_type, inputs, attrs, name=scope).outputs[0]


def _locking(use_locking):
    return {"use_locking": use_locking}


def sparse_apply_momentum(
    var, accum, lr, grad, indices, momentum, use_locking=False, use_nesterov=False, name=None
):
    attrs = {"use_locking": use_locking, "use_nesterov": use_nesterov}
    args = [var, accum, lr, grad, indices, momentum]
    return _apply("SparseApplyMomentum", args, attrs, name)


def sparse_apply_adagrad(
    var, accum, lr, grad, indices, use_locking=False, update_slots=True, name=None
):
    attrs = {"use_locking": use_locking, "update_slots": update_slots}
    return _apply("SparseApplyAdagrad", [var, accum, lr, grad, indices], attrs, name)


def sparse_apply_rms_prop(
    var, ms, mom, lr, rho, momentum, epsilon, grad, indices, use_locking=False, name=None
):
    args = [var, ms, mom, lr, rho, momentum, epsilon, grad, indices]
    return _apply("SparseApplyRMSProp", args, _locking(use_locking), name)


def sparse_apply_centered_rms_prop(
    var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices, use_locking=False, name=None
):
    args = [var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices]
    return _apply("SparseApplyCenteredRMSProp", args, _locking(use_locking), name)


def sparse_apply_adadelta(
    var, accum, accum_update, lr, rho, epsilon, grad, indices, use_locking=False, name=None
):
    args = [var, accum, accum_update, lr, rho, epsilon, grad, indices]
    return _apply("SparseApplyAdadelta", args, _locking(use_locking), name)


def sparse_apply_proximal_gradient_descent(
    var, alpha, l1, l2, grad, indices, use_locking=False, name=None
):
    args = [var, alpha, l1, l2, grad, indices]
    return _apply("SparseApplyProximalGradientDescent", args, _locking(use_locking), name)


def sparse_apply_proximal_adagrad(
    var, accum, lr, l1, l2, grad, indices, use_locking=False, name=None
):
    args = [var, accum, lr, l1, l2, grad, indices]
    return _apply("SparseApplyProximalAdagrad", args, _locking(use_locking), name)


def sparse_apply_ftrl(
    var,
    accum,
    linear,
    grad,
    indices,
    lr,
    l1,
    l2,
    lr_power,
    use_locking=False,
    multiply_linear_by_lr=False,
    name=None,
):
    attrs = {"use_locking": use_locking, "multiply_linear_by_lr": multiply_linear_by_lr}
    args = [var, accum, linear, grad, indices, lr, l1, l2, lr_power]
    return _apply("SparseApplyFtrl", args, attrs, name)


def sparse_apply_ftrl_v2(
    var,
    accum,
    linear,
    grad,
    indices,
    lr,
    l1,
    l2,
    l2_shrinkage,
    lr_power,
    use_locking=False,
    multiply_linear_by_lr=False,
    name=None,
):
    attrs = {"use_locking": use_locking, "multiply_linear_by_lr": multiply_linear_by_lr}
    args = [var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage, lr_power]
    return _apply("SparseApplyFtrlV2", args, attrs, name)


def sparse_apply_adagrad_da(var, gradient_accumulator, gradient_squared_accumulator, grad, indices,
                            lr, l1, l2, global_step, use_locking=False, name=None):  # fmt: skip
    args = [var, gradient_accumulator, gradient_squared_accumulator, grad, indices, lr, l1, l2,
            global_step]  # fmt: skip
    return _apply("SparseApplyAdagradDA", args, _locking(use_locking), name)
