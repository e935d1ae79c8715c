"""Activation functions: relu, relu6, elu, selu, softplus, softsign, leaky_relu, softmax.

Each activation is one op with its own kernel, and its gradient is a *second* op
(``Relu`` → ``ReluGrad``) that TensorFlow fuses for speed: ``ReluGrad(dy, y)`` passes
``dy`` where the output was positive. The gradient ops have gradients too, so second
derivatives work. Softmax and log-softmax work on the last axis; another axis is
transposed there and back.

    >>> import teachflow as tf
    >>> y = tf.nn.relu([-1.0, 2.0])
    >>> y.op.type, y.op.inputs[0].op.name
    ('Relu', 'Relu/features')
    >>> with tf.Session() as sess:
    ...     print(sess.run(y))
    [0. 2.]

Like all of ``tf.nn`` these are reached through `teachflow.nn`, not the top level.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import unary
from teachflow.framework.scopes import name_scope
from teachflow.ops import eigen_math
from teachflow.ops.nn_ops import FLOATS, REALS, apply_op, as_value
from teachflow.ops.random_ops import check_dtype

__all__: list = []

# SELU's constants (Klambauer et al. 2017): they make unit-variance activations a fixed point.
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


# -- building activation ops ------------------------------------------------------------
def _typed_unary(allowed, param):
    def infer(op):
        check_dtype(op.inputs[0].dtype, allowed, param)
        return unary(op)

    return infer


def _typed_binary(allowed, param):
    """Gradient ops ``XGrad(dy, x)``: two inputs of one dtype and shape."""

    def infer(op):
        dy, x = op.inputs
        check_dtype(x.dtype, allowed, param)
        if dy.dtype.base_dtype is not x.dtype.base_dtype:
            raise TypeError(
                f"Input 'features' of '{op.type}' Op has type {x.dtype.base_dtype.name} that does "
                f"not match type {dy.dtype.base_dtype.name} of argument 'gradients'."
            )
        return [(x.dtype.base_dtype, dy.shape.merge_with(x.shape))]

    return infer


def _elementwise(fn):
    """Kernel factory for an attribute-free elementwise op ``fn(xp, *inputs)``."""

    def make(op, device):
        xp = device.xp

        def compute(*xs):
            return as_value(fn(xp, *xs))

        return compute

    return make


def _zeros_like(x):
    from teachflow.ops import array_ops

    return array_ops.zeros_like(x)


def _grad_op(op_type, dy, x, attrs=None):
    return dy.graph.create_op(op_type, [dy, x], dict(attrs or {}), name=op_type).outputs[0]


# -- activation ops and their gradient ops --------------------------------------------------
# TF's functors multiply by the mask cast to T (relu_op_functor.h): a negative gradient where
# x <= 0 gives -0.0, an infinite one NaN, bit for bit as TensorFlow. (It is also 12x faster than
# numpy.where, which branches per element on a mask as random as a ReLU's.)
def _relu_grad_kernel(xp, dy, x):
    return dy * (x > 0).astype(dy.dtype)


def _relu6_grad_kernel(xp, dy, x):
    return dy * ((x > 0) & (x < 6)).astype(dy.dtype)


def _elu_grad_kernel(xp, dy, y):
    # Written in terms of the *output* y: for x < 0, d/dx (e^x - 1) = e^x = y + 1.
    return xp.where(y > 0, dy, dy * (y + 1))


def _selu_grad_kernel(xp, dy, y):
    return xp.where(y > 0, dy * SELU_SCALE, dy * (y + SELU_SCALE * SELU_ALPHA))


def _softplus_grad_kernel(xp, dy, x):
    return dy / (1 + xp.exp(-x))


def _softsign_grad_kernel(xp, dy, x):
    return dy / xp.square(1 + xp.abs(x))


def _leaky_relu_kernel(op, device):
    alpha = op._attrs["alpha"]
    xp = device.xp

    def leaky_relu(x):
        return as_value(xp.where(x > 0, x, x * x.dtype.type(alpha)))

    return leaky_relu


def _leaky_relu_grad_kernel(op, device):
    alpha = op._attrs["alpha"]
    xp = device.xp

    def leaky_relu_grad(dy, x):
        return as_value(xp.where(x > 0, dy, dy * dy.dtype.type(alpha)))

    return leaky_relu_grad


def _relu_grad(op, grad):
    return [_grad_op("ReluGrad", grad, op.outputs[0])]


def _relu6_grad(op, grad):
    return [_grad_op("Relu6Grad", grad, op.outputs[0])]


def _elu_grad(op, grad):
    return [_grad_op("EluGrad", grad, op.outputs[0])]


def _selu_grad(op, grad):
    return [_grad_op("SeluGrad", grad, op.outputs[0])]


def _softplus_grad(op, grad):
    # TF 2.21 builds grad * sigmoid(x), not its SoftplusGrad op (kept for older graphs).
    from teachflow.ops.unary_ops import sigmoid

    return [grad * sigmoid(op.inputs[0])]


def _softsign_grad(op, grad):
    return [_grad_op("SoftsignGrad", grad, op.inputs[0])]


def _leaky_relu_grad(op, grad):
    return [_grad_op("LeakyReluGrad", grad, op.inputs[0], {"alpha": op._attrs["alpha"]})]


def _piecewise_linear_grad_grad(op, grad):
    """ReluGrad(dy, x) is linear in dy with slope 0/1 (or alpha) fixed by x."""
    x = op.inputs[1]
    return [
        _grad_op(op.type, grad, x, {k: v for k, v in op._attrs.items() if k == "alpha"}),
        _zeros_like(x),
    ]


def _exp_branch_grad_grad(op, grad):
    """EluGrad/SeluGrad(dy, y): d/dy of the negative branch ``dy * (y + c)`` is ``dy``."""
    from teachflow.ops import math_ops

    dy, y = op.inputs
    negative = y < 0.0
    return [_grad_op(op.type, grad, y), math_ops.where(negative, grad * dy, _zeros_like(y))]


def _softplus_grad_grad(op, grad):
    from teachflow.ops import math_ops

    dy, x = op.inputs
    ddy = _grad_op("SoftplusGrad", grad, x)
    # d/dx [dy * sigmoid(x)] = dy * sigmoid(x) * (1 - sigmoid(x)) = dy / (e^-x + 2 + e^x)
    d2x = grad * dy / (math_ops.exp(-x) + 2.0 + math_ops.exp(x))
    return [ddy, d2x]


_ACTIVATIONS = (
    # op type, forward kernel, allowed dtypes, gradient, gradient op kernel, its gradient
    (
        "Relu",
        lambda xp, x: xp.maximum(x, x.dtype.type(0)),
        REALS,
        _relu_grad,
        _relu_grad_kernel,
        _piecewise_linear_grad_grad,
    ),
    (
        "Relu6",
        lambda xp, x: xp.clip(x, x.dtype.type(0), x.dtype.type(6)),
        REALS,
        _relu6_grad,
        _relu6_grad_kernel,
        _piecewise_linear_grad_grad,
    ),
    (
        "Elu",
        lambda xp, x: xp.where(x > 0, x, xp.expm1(x)),
        FLOATS,
        _elu_grad,
        _elu_grad_kernel,
        _exp_branch_grad_grad,
    ),
    (
        "Selu",
        lambda xp, x: xp.where(x > 0, SELU_SCALE * x, (SELU_SCALE * SELU_ALPHA) * xp.expm1(x)),
        FLOATS,
        _selu_grad,
        _selu_grad_kernel,
        _exp_branch_grad_grad,
    ),
    # logaddexp(0, x) = log(1 + e^x) without overflow for large x.
    (
        "Softplus",
        lambda xp, x: xp.logaddexp(x.dtype.type(0), x),
        FLOATS,
        _softplus_grad,
        _softplus_grad_kernel,
        _softplus_grad_grad,
    ),
    (
        "Softsign",
        lambda xp, x: x / (1 + xp.abs(x)),
        FLOATS,
        _softsign_grad,
        _softsign_grad_kernel,
        None,
    ),
)

for _type, _fwd, _allowed, _grad, _bwd, _grad_grad in _ACTIVATIONS:
    registry.register(_type, _typed_unary(_allowed, "features"), _elementwise(_fwd), grad=_grad)
    registry.register(
        _type + "Grad", _typed_binary(_allowed, "features"), _elementwise(_bwd), grad=_grad_grad
    )

registry.register(
    "LeakyRelu", _typed_unary(FLOATS, "features"), _leaky_relu_kernel, grad=_leaky_relu_grad
)
registry.register(
    "LeakyReluGrad",
    _typed_binary(FLOATS, "features"),
    _leaky_relu_grad_kernel,
    grad=_piecewise_linear_grad_grad,
)


def relu(features, name=None):
    """``max(features, 0)`` elementwise.

    >>> import teachflow as tf
    >>> tf.nn.relu([-2, 3]).dtype
    tf.int32
    """
    return apply_op("Relu", name, [("features", features, None)]).outputs[0]


def relu6(features, name=None):
    """``min(max(features, 0), 6)``: a ReLU that saturates (friendly to low precision).

    >>> import teachflow as tf
    >>> tf.nn.relu6([7.0]).op.type
    'Relu6'
    """
    return apply_op("Relu6", name, [("features", features, None)]).outputs[0]


def elu(features, name=None):
    """``features`` if positive, else ``exp(features) - 1``.

    >>> import teachflow as tf
    >>> tf.nn.elu([-1.0]).op.type
    'Elu'
    """
    return apply_op("Elu", name, [("features", features, None)]).outputs[0]


def selu(features, name=None):
    """Scaled ELU: ``scale * (x if x > 0 else alpha * (exp(x) - 1))``.

    >>> import teachflow as tf
    >>> tf.nn.selu([-1.0]).op.type
    'Selu'
    """
    return apply_op("Selu", name, [("features", features, None)]).outputs[0]


def softplus(features, name=None):
    """``log(exp(features) + 1)``, computed without overflow.

    >>> import teachflow as tf
    >>> tf.nn.softplus([0.0]).op.type
    'Softplus'
    """
    return apply_op("Softplus", name, [("features", features, None)]).outputs[0]


def softsign(features, name=None):
    """``features / (abs(features) + 1)``.

    >>> import teachflow as tf
    >>> tf.nn.softsign([1.0]).op.type
    'Softsign'
    """
    return apply_op("Softsign", name, [("features", features, None)]).outputs[0]


def leaky_relu(features, alpha=0.2, name=None):
    """``features`` if positive, else ``alpha * features``; integers are cast to float32
    first, as TensorFlow does.

        >>> import teachflow as tf
        >>> tf.nn.leaky_relu([-1.0], alpha=0.1).op.get_attr("alpha")
        0.1
    """
    from teachflow.ops import math_ops

    with name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = math_ops.cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return apply_op(
            "LeakyRelu", scope, [("features", features, None)], {"alpha": float(alpha)}
        ).outputs[0]


# -- softmax -----------------------------------------------------------------------------------
def _infer_softmax(op):
    logits = op.inputs[0]
    check_dtype(logits.dtype, FLOATS, "logits")
    if logits.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    return unary(op)


# Eigen's float exp and log on the CPU (numpy's differ in the last bit), for arrays of up to
# `EIGEN_MATH_MOST` values: what a notebook prints (a few rows of probabilities) shows TF's
# digits. Written in numpy, Eigen's polynomial is ~25 passes: 23x numpy's own exp on a
# 512x1000 softmax (11.5 against 0.5 ms), so bigger arrays take numpy's, one ulp from TF's
# at most. The sums are numpy's, in another order than Eigen's reductions, either way.
EIGEN_MATH_MOST = 1 << 14


def _eigen(xp, x) -> bool:
    return xp is np and x.dtype == np.float32 and x.size <= EIGEN_MATH_MOST


def _exp(xp, x):
    return eigen_math.exp(x) if _eigen(xp, x) else xp.exp(x)


def _log(xp, x):
    return eigen_math.plog(x) if _eigen(xp, x) else xp.log(x)


def _softmax_values(xp, x):
    e = _exp(xp, x - x.max(axis=-1, keepdims=True))
    # Eigen's SoftmaxEigenImpl multiplies by the sum's inverse (one rounding more than /).
    return e * (1 / e.sum(axis=-1, keepdims=True))


def _log_softmax_values(xp, x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - _log(xp, _exp(xp, shifted).sum(axis=-1, keepdims=True))


def _softmax_grad(op, grad):
    # dL/dx = (g - sum(g * s)) * s along the last axis: the Jacobian of softmax applied to g.
    from teachflow.ops import math_ops

    s = op.outputs[0]
    return [(grad - math_ops.reduce_sum(grad * s, -1, keepdims=True)) * s]


def _log_softmax_grad(op, grad):
    from teachflow.ops import math_ops

    s = math_ops.exp(op.outputs[0])
    return [grad - math_ops.reduce_sum(grad, -1, keepdims=True) * s]


registry.register("Softmax", _infer_softmax, _elementwise(_softmax_values), grad=_softmax_grad)
registry.register(
    "LogSoftmax", _infer_softmax, _elementwise(_log_softmax_values), grad=_log_softmax_grad
)


def _swap_axis(x, dim_index, last_index, name=None):
    """TF's ``_swap_axis``: a transpose whose permutation is built in the graph."""
    from teachflow.ops import array_ops

    perm = array_ops.concat(
        [
            array_ops.range(dim_index),
            [last_index],
            array_ops.range(dim_index + 1, last_index),
            [dim_index],
        ],
        0,
    )
    return array_ops.transpose(x, perm, name=name)


def _softmax_on_axis(op_type, logits, axis, name):
    """TF's Softmax works on the last axis; another axis is swapped there and back, with
    the permutation computed in the graph from ``Rank`` as TF's ``_wrap_2d_function`` does
    (``Rank``, ``Sub``, ``range``, ``concat``, ``transpose``)."""
    from teachflow.ops import array_ops, math_ops

    logits = convert_to_tensor(logits)
    shape = logits.shape
    rank = shape.ndims
    if axis is None:
        axis = -1
    if axis != -1 and rank is None:
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")
    if axis == -1 or axis == rank - 1:
        return apply_op(op_type, name, [("logits", logits, None)]).outputs[0]
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the number of "
            f"dimensions in the input. Received: dim={axis}",
        )
    ndims = array_ops.rank(logits)
    if axis < 0:
        axis = axis + ndims  # a tensor from here on, as in TF: add, mod, Pack
    input_rank = array_ops.rank(logits)
    dim_axis = axis % rank
    moved = _swap_axis(logits, dim_axis, math_ops.subtract(input_rank, 1))
    out = apply_op(op_type, None, [("logits", moved, None)]).outputs[0]
    out = _swap_axis(out, dim_axis, math_ops.subtract(input_rank, 1), name=name)
    out.set_shape(shape)
    return out


def softmax(logits, axis=None, name=None, dim=None):
    """``exp(logits) / sum(exp(logits), axis)``, along the last axis by default.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.softmax([0.0, 0.0])))
    [0.5 0.5]
    """
    return _softmax_on_axis("Softmax", logits, axis if axis is not None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """``logits - log(sum(exp(logits), axis))``: log-probabilities, computed stably.

    >>> import teachflow as tf
    >>> tf.nn.log_softmax([[1.0, 2.0]]).op.type
    'LogSoftmax'
    """
    return _softmax_on_axis("LogSoftmax", logits, axis if axis is not None else dim, name)
