"""The update ops optimizers run: ``ApplyGradientDescent``, ``ApplyMomentum``, ``ApplyAdam``...

Each one is a single kernel that reads a variable (and its slots, such as Momentum's
accumulator) through their *refs*, computes the new values and stores them: one op per
variable per training step, exactly as TensorFlow's ``training_ops``. The update rules
are the ones TF's kernels implement, written once against ``xp`` (numpy or cupy).

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> from teachflow.train import training_ops
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> step = training_ops.apply_gradient_descent(w, 0.5, tf.constant([2.0, 2.0]))
    >>> with tf.Session() as sess:
    ...     sess.run(w.initializer)
    ...     sess.run(step.op)
    ...     print(sess.run(w))
    [0. 1.]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.train import update_rules as rules

# -- the ops, as a table --------------------------------------------------------------


@dataclass(frozen=True)
class TrainingOp:
    """One update op: its inputs by name, which are refs, which must be scalars, which
    must have the variable's shape, and the update rule."""

    type: str
    inputs: tuple
    refs: tuple
    scalars: tuple
    like_var: tuple
    update: Callable
    flags: tuple = ()  # boolean attributes passed to the update rule (use_nesterov)
    int64_scalars: tuple = ()  # scalars of their own dtype, int64 (AdagradDA's global_step)
    # The rule of the SparseApplyX op when TF's sparse kernel rounds differently.
    rows_update: Callable | None = None
    # The rule written into the refs' buffers (numpy); returns False when it does not apply.
    in_place: Callable | None = None


TRAINING_OPS = {
    op.type: op
    for op in (
        TrainingOp(
            "ApplyGradientDescent",
            ("var", "alpha", "delta"),
            refs=("var",),
            scalars=("alpha",),
            like_var=("delta",),
            update=rules.gradient_descent,
            in_place=rules.gradient_descent_in_place,
        ),
        TrainingOp(
            "ApplyMomentum",
            ("var", "accum", "lr", "grad", "momentum"),
            refs=("var", "accum"),
            scalars=("lr", "momentum"),
            like_var=("accum", "grad"),
            update=rules.momentum,
            flags=("use_nesterov",),
        ),
        TrainingOp(
            "ApplyAdam",
            (
                "var",
                "m",
                "v",
                "beta1_power",
                "beta2_power",
                "lr",
                "beta1",
                "beta2",
                "epsilon",
                "grad",
            ),
            refs=("var", "m", "v"),
            scalars=("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"),
            like_var=("m", "v", "grad"),
            update=rules.adam,
            flags=("use_nesterov",),
            in_place=rules.adam_in_place,
        ),
        TrainingOp(
            "ApplyRMSProp",
            ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"),
            refs=("var", "ms", "mom"),
            scalars=("lr", "rho", "momentum", "epsilon"),
            like_var=("ms", "mom", "grad"),
            update=rules.rms_prop,
        ),
        TrainingOp(
            "ApplyCenteredRMSProp",
            ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"),
            refs=("var", "mg", "ms", "mom"),
            scalars=("lr", "rho", "momentum", "epsilon"),
            like_var=("mg", "ms", "mom", "grad"),
            update=rules.centered_rms_prop,
        ),
        TrainingOp(
            "ApplyAdagrad",
            ("var", "accum", "lr", "grad"),
            refs=("var", "accum"),
            scalars=("lr",),
            like_var=("accum", "grad"),
            update=rules.adagrad,
            flags=("update_slots",),
        ),
        TrainingOp(
            "ApplyAdadelta",
            ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"),
            refs=("var", "accum", "accum_update"),
            scalars=("lr", "rho", "epsilon"),
            like_var=("accum", "accum_update", "grad"),
            update=rules.adadelta,
        ),
        TrainingOp(
            "ApplyProximalGradientDescent",
            ("var", "alpha", "l1", "l2", "delta"),
            refs=("var",),
            scalars=("alpha", "l1", "l2"),
            like_var=("delta",),
            update=rules.proximal_gradient_descent,
        ),
        TrainingOp(
            "ApplyProximalAdagrad",
            ("var", "accum", "lr", "l1", "l2", "grad"),
            refs=("var", "accum"),
            scalars=("lr", "l1", "l2"),
            like_var=("accum", "grad"),
            update=rules.proximal_adagrad,
        ),
        TrainingOp(
            "ApplyAdagradDA",
            (
                "var",
                "gradient_accumulator",
                "gradient_squared_accumulator",
                "grad",
                "lr",
                "l1",
                "l2",
                "global_step",
            ),
            refs=("var", "gradient_accumulator", "gradient_squared_accumulator"),
            scalars=("lr", "l1", "l2", "global_step"),
            like_var=("gradient_accumulator", "gradient_squared_accumulator", "grad"),
            update=rules.adagrad_da,
            int64_scalars=("global_step",),
            rows_update=rules.adagrad_da_rows,
        ),  # fmt: skip
        TrainingOp(
            "ApplyFtrl",
            ("var", "accum", "linear", "grad", "lr", "l1", "l2", "lr_power"),
            refs=("var", "accum", "linear"),
            scalars=("lr", "l1", "l2", "lr_power"),
            like_var=("accum", "linear", "grad"),
            update=rules.ftrl,
            flags=("multiply_linear_by_lr",),
        ),
        TrainingOp(
            "ApplyFtrlV2",
            ("var", "accum", "linear", "grad", "lr", "l1", "l2", "l2_shrinkage", "lr_power"),
            refs=("var", "accum", "linear"),
            scalars=("lr", "l1", "l2", "l2_shrinkage", "lr_power"),
            like_var=("accum", "linear", "grad"),
            update=rules.ftrl_v2,
            flags=("multiply_linear_by_lr",),
        ),
    )
}


def _infer(op):
    """TF's shape function: scalars are rank 0, the rest merge with the variable's shape."""
    spec = TRAINING_OPS[op.type]
    by_name = dict(zip(spec.inputs, op.inputs))
    var = by_name["var"]
    for name in spec.refs:
        if not by_name[name].dtype.is_ref_dtype:
            raise TypeError(
                f"'{op.type}' Op requires that input '{name}' be a mutable tensor "
                "(e.g.: a tf.Variable)"
            )
    base = var.dtype.base_dtype
    for name, t in by_name.items():
        want = dtypes.int64 if name in spec.int64_scalars else base
        if t.dtype.base_dtype is not want:
            raise TypeError(
                f"Input '{name}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that "
                f"does not match type {want.name} of argument 'var'."
            )
    shape = var.shape
    for name in spec.inputs:
        t = by_name[name]
        if name in spec.scalars:
            if t.shape.ndims not in (None, 0):
                raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
        elif name in spec.like_var:
            shape = _merge(shape, t.shape)
    return [(var.dtype, shape)]


def _merge(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.ndims is None or b.ndims is None:
        return a if b.ndims is None else b
    if a.ndims != b.ndims:
        raise ValueError(f"Shapes must be equal rank, but are {a.ndims} and {b.ndims}")
    for i, (x, y) in enumerate(zip(a.as_list(), b.as_list())):
        if x is not None and y is not None and x != y:
            raise ValueError(
                f"Dimension {i} in both shapes must be equal, but are {x} and {y}. "
                f"Shapes are {_text(a.as_list())} and {_text(b.as_list())}."
            )
    return a.merge_with(b)


def _text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _kernel(op, device):
    spec = TRAINING_OPS[op.type]
    xp = device.xp
    update = spec.update
    in_place = spec.in_place
    flags = {f: bool(op._attrs.get(f, f == "update_slots")) for f in spec.flags}
    locking = bool(op._attrs.get("use_locking", False))
    n_refs = len(spec.refs)
    checks = [
        (i, name, name in spec.scalars)
        for i, name in enumerate(spec.inputs)
        if i > 0 and (name in spec.scalars or name in spec.like_var)
    ]

    def apply_update(*args):
        refs = args[:n_refs]
        with _locked(refs) if locking else contextlib.nullcontext():
            values = [r.read() for r in refs] + list(args[n_refs:])
            var_shape = np.shape(values[0])
            for i, name, scalar in checks:
                shape = np.shape(values[i])
                if scalar and shape != ():
                    raise errors.InvalidArgumentError(
                        None, None, f"{name} is not a scalar: {_text(shape)}"
                    )
                if not scalar and shape != var_shape:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"var and {name} do not have the same shape"
                        f"{_text(var_shape)} {_text(shape)}",
                    )
            # Written into each variable's own buffer, as TF1's Apply* kernels update in
            # place: a read of the variable under control_dependencies([train_op]) sees
            # the new value (the buffer is the variable's: nothing else shares it).
            if in_place is not None and xp is np:
                buffers = [r.writable() for r in refs]
                if all(b is not None and b.dtype in rules.IN_PLACE_DTYPES for b in buffers):
                    if in_place(*buffers, *values[n_refs:], **flags) is not False:
                        return refs[0]
            for ref, new in zip(refs, update(xp, *values, **flags)):
                ref.write(new)
        return refs[0]

    return apply_update


@contextlib.contextmanager
def _locked(refs):
    # TF locks every ref's mutex, in a fixed order so that two ops cannot deadlock.
    locks = sorted({id(r.lock): r.lock for r in refs}.items())
    for _, lock in locks:
        lock.acquire()
    try:
        yield
    finally:
        for _, lock in reversed(locks):
            lock.release()


for _spec in TRAINING_OPS.values():
    registry.register(
        _spec.type,
        _infer,
        _kernel,
        stateful=True,
        ref_inputs=tuple(range(len(_spec.refs))),
        not_differentiable=True,
    )


# -- building the ops ------------------------------------------------------------------
def _apply(op_type, args, attrs, name):
    spec = TRAINING_OPS[op_type]
    values = list(args)
    with name_scope(name, op_type, values) as scope:
        inputs = []
        dtype = None
        for arg_name, value in zip(spec.inputs, values):
            if arg_name in spec.refs:
                t = convert_to_tensor(value, as_ref=True)
                if dtype is None:
                    dtype = t.dtype.base_dtype
            else:
                t = _convert(value, dtypes.int64 if arg_name in spec.int64_scalars else dtype,
                             arg_name)  # fmt: skip
            inputs.append(t)
        attrs = {"T": inputs[0].dtype.base_dtype, **attrs}
        return inputs[0].graph.create_op(op_type, inputs, attrs, name=scope).outputs[0]


def _convert(value, dtype, name):
    """Python numbers take the variable's dtype; tensors keep theirs (checked in infer)."""
    if hasattr(value, "dtype") and not isinstance(value, (np.ndarray, np.generic)):
        return convert_to_tensor(value, name=name)
    return convert_to_tensor(value, dtype=dtype, name=name)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """``var -= alpha * delta``; returns ``var``'s ref."""
    return _apply("ApplyGradientDescent", [var, alpha, delta], {"use_locking": use_locking}, name)


def apply_momentum(
    var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False, name=None
):
    """``accum = accum * momentum + grad; var -= lr * accum`` (Nesterov: see TF docs)."""
    attrs = {"use_locking": use_locking, "use_nesterov": use_nesterov}
    return _apply("ApplyMomentum", [var, accum, lr, grad, momentum], attrs, name)


def apply_adam(
    var,
    m,
    v,
    beta1_power,
    beta2_power,
    lr,
    beta1,
    beta2,
    epsilon,
    grad,
    use_locking=False,
    use_nesterov=False,
    name=None,
):
    """One Adam step with bias correction ``lr * sqrt(1 - beta2^t) / (1 - beta1^t)``."""
    args = [var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad]
    return _apply(
        "ApplyAdam", args, {"use_locking": use_locking, "use_nesterov": use_nesterov}, name
    )


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None):
    args = [var, ms, mom, lr, rho, momentum, epsilon, grad]
    return _apply("ApplyRMSProp", args, {"use_locking": use_locking}, name)


def apply_centered_rms_prop(
    var, mg, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None
):
    args = [var, mg, ms, mom, lr, rho, momentum, epsilon, grad]
    return _apply("ApplyCenteredRMSProp", args, {"use_locking": use_locking}, name)


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None):
    attrs = {"use_locking": use_locking, "update_slots": update_slots}
    return _apply("ApplyAdagrad", [var, accum, lr, grad], attrs, name)


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False, name=None):
    """Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""
    args = [var, accum, accum_update, lr, rho, epsilon, grad]
    return _apply("ApplyAdadelta", args, {"use_locking": use_locking}, name)


def apply_proximal_gradient_descent(var, alpha, l1, l2, delta, use_locking=False, name=None):
    """A gradient step, then the L1/L2 proximal operator (FOBOS)."""
    args = [var, alpha, l1, l2, delta]
    return _apply("ApplyProximalGradientDescent", args, {"use_locking": use_locking}, name)


def apply_proximal_adagrad(var, accum, lr, l1, l2, grad, use_locking=False, name=None):
    """An Adagrad step, then the L1/L2 proximal operator at Adagrad's per-coordinate rate."""
    args = [var, accum, lr, l1, l2, grad]
    return _apply("ApplyProximalAdagrad", args, {"use_locking": use_locking}, name)


def apply_ftrl(
    var,
    accum,
    linear,
    grad,
    lr,
    l1,
    l2,
    lr_power,
    use_locking=False,
    multiply_linear_by_lr=False,
    name=None,
):
    """FTRL-Proximal (McMahan et al.): ``var`` is solved from ``linear`` and ``accum``."""
    attrs = {"use_locking": use_locking, "multiply_linear_by_lr": multiply_linear_by_lr}
    return _apply("ApplyFtrl", [var, accum, linear, grad, lr, l1, l2, lr_power], attrs, name)


def apply_ftrl_v2(
    var,
    accum,
    linear,
    grad,
    lr,
    l1,
    l2,
    l2_shrinkage,
    lr_power,
    use_locking=False,
    multiply_linear_by_lr=False,
    name=None,
):
    """FTRL with an L2 shrinkage of ``var`` added to the gradient that enters ``linear``."""
    attrs = {"use_locking": use_locking, "multiply_linear_by_lr": multiply_linear_by_lr}
    args = [var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power]
    return _apply("ApplyFtrlV2", args, attrs, name)


def apply_adagrad_da(var, gradient_accumulator, gradient_squared_accumulator, grad, lr, l1, l2,
                     global_step, use_locking=False, name=None):  # fmt: skip
    """AdagradDA's step (see `update_rules.adagrad_da`); ``global_step`` an int64 scalar."""
    args = [var, gradient_accumulator, gradient_squared_accumulator, grad, lr, l1, l2,
            global_step]  # fmt: skip
    return _apply("ApplyAdagradDA", args, {"use_locking": use_locking}, name)
