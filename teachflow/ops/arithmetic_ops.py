"""Arithmetic: + - * /, the other divisions, powers, maxima, casts and sums of lists.

Division comes in TensorFlow's several flavours: ``RealDiv`` (floats), ``FloorDiv`` and
``FloorMod`` (Python's ``//`` and ``%``: rounding towards minus infinity), ``TruncateDiv``
and ``TruncateMod`` (C's ``/`` and ``%``), and ``tf.div``, TF1's Python-2 division that
is real for floats and floored for integers. Integers divided by zero are an error, not
a silent zero. Each op's gradient sums back over the axes its inputs were broadcast on.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run([tf.floordiv(-7, 2), tf.truncatediv(-7, 2), tf.div(7.0, 2.0)]))
    [np.int32(-4), np.int32(-3), np.float32(3.5)]
"""

from __future__ import annotations

import operator

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops import comparison_ops
from teachflow.ops.broadcast_gradients import reduce_gradient_args
from teachflow.ops.elementwise import (
    COMPLEX,
    FLOATS,
    NUMERIC,
    SIGNED,
    binary,
    broadcast_of,
    convert_like,
    integer_division,
    kernel_of,
    make_op,
    reduce_to_shape,
    sized_broadcast,
    unary_of,
    unary_op,
    xp_kernel,
)
from teachflow.ops.identity_ops import identity

__all__ = [
    "add",
    "subtract",
    "multiply",
    "negative",
    "add_n",
    "cast",
    "divide",
    "truediv",
    "div",
    "realdiv",
    "floordiv",
    "floor_div",
    "floormod",
    "mod",
    "truncatediv",
    "truncatemod",
    "pow",
    "maximum",
    "minimum",
    "squared_difference",
    "scalar_mul",
    "clip_by_value",
    "to_float",
    "to_double",
    "to_int32",
    "to_int64",
]


# -- kernels -----------------------------------------------------------------------------
def _truncate_div(x, y):
    # C semantics: round the quotient towards zero (floor division rounds down).
    q = x // y
    return q + ((q < 0) & (q * y != x))


def _div_kernel(op, device):
    """TF1's ``Div``: real division for floats, truncating division for integers."""
    if op.inputs[0].dtype.base_dtype.is_floating:
        return operator.truediv
    return integer_division(_truncate_div)(op, device)


def _truncate_div_kernel(op, device):
    if op.inputs[0].dtype.base_dtype.is_floating:
        xp = device.xp
        return lambda x, y: xp.trunc(x / y)
    return integer_division(_truncate_div)(op, device)


def _by_name(name):
    """An integer-division-checked kernel calling ``xp.<name>``."""

    def make(op, device):
        return integer_division(getattr(device.xp, name))(op, device)

    return make


def _squared_difference(x, y):
    d = x - y
    return d * d


# -- gradients ---------------------------------------------------------------------------
# TF 2.21's gradients sum a broadcast input's share back with reduce_gradient_args (Shape,
# Shape_1, Sum, Reshape under the op's ``_grad`` scope), and skip that when nothing was
# broadcast; their arithmetic is written with Python operators (``mul``, ``sub/y``...).
def _add_grad(op, grad):
    x, y = op.inputs
    if _same_full_shape(x, y, grad):
        return [grad, grad]
    return reduce_gradient_args(x, y, grad, grad)


def _sub_grad(op, grad):
    x, y = op.inputs
    if _same_full_shape(x, y, grad):
        return [grad, -grad]
    return reduce_gradient_args(x, y, grad, -grad)


def _mul_grad(op, grad):
    x, y = op.inputs
    if grad.dtype.base_dtype.is_complex:
        # TF's gradient for complex inputs multiplies by the conjugate of the other factor.
        from teachflow.ops.complex_ops import conj

        return reduce_gradient_args(x, y, multiply(grad, conj(y)), multiply(conj(x), grad))
    if _same_full_shape(x, y, grad) and grad.dtype.base_dtype in (dtypes.int32, dtypes.float32):
        # TF's shortcut when nothing was broadcast: grad * y and grad * x (in that order).
        return [multiply(grad, y), multiply(grad, x)]
    return reduce_gradient_args(x, y, multiply(grad, y), multiply(x, grad))


def _same_full_shape(*tensors) -> bool:
    if not all(isinstance(t, Tensor) for t in tensors):
        return False  # TF's shortcut takes dense gradients only, not IndexedSlices
    shapes = [t.shape for t in tensors]
    return all(s.is_fully_defined() for s in shapes) and all(s == shapes[0] for s in shapes)


def _div_grad(op, grad):
    # d(x/y)/dx = 1/y and d(x/y)/dy = -x/y^2, written as TensorFlow writes them.
    x, y = op.inputs
    if x.dtype.base_dtype.is_complex:
        # TF's complex gradient divides by the conjugates.
        from teachflow.ops.complex_ops import conj

        x, y = conj(x), conj(y)
    elif not x.dtype.base_dtype.is_floating:
        return [None, None]
    gx = realdiv(grad, y)
    gy = grad * realdiv(realdiv(-x, y), y)
    return reduce_gradient_args(op.inputs[0], op.inputs[1], gx, gy)


def _floor_mod_grad(op, grad):
    # x mod y = x - floor(x / y) * y, and the floor is piecewise constant.
    x, y = op.inputs
    gy = multiply(grad, negative(floordiv(x, y)))
    return [reduce_to_shape(grad, x), reduce_to_shape(gy, y)]


def _pow_grad(op, grad):
    x, y = op.inputs
    if not x.dtype.base_dtype.is_floating:
        return [None, None]
    from teachflow.ops import array_ops

    gx = grad * y * pow(x, y - 1)
    # log(x) only where x > 0: the gradient for y at x <= 0 is taken to be 0, as in TF.
    mask = x > 0
    safe_x = comparison_ops.where(mask, x, array_ops.ones_like(x))
    log_x = comparison_ops.where(mask, unary_op("Log", safe_x, None), array_ops.zeros_like(x))
    gy = grad * op.outputs[0] * log_x
    return reduce_gradient_args(x, y, gx, gy)


def _maximum_minimum_grad(selector):
    """The gradient flows to ``x`` where ``selector(x, y)`` held, to ``y`` elsewhere."""

    def grad_fn(op, grad):
        from teachflow.ops import array_ops

        x, y = op.inputs
        zeros = array_ops.zeros_like(grad)
        x_mask = selector(x, y)
        x_chosen = comparison_ops.where_v2(x_mask, grad, zeros)
        y_chosen = comparison_ops.where_v2(x_mask, zeros, grad)
        return reduce_gradient_args(x, y, x_chosen, y_chosen)

    return grad_fn


def _squared_difference_grad(op, grad):
    x, y = op.inputs
    with control_dependencies([grad]):
        # TF's scalar_mul(2.0, grad): a ``scalar`` constant times grad in a ``Mul``.
        two = convert_to_tensor(2.0, dtype=grad.dtype.base_dtype, name="scalar")
        gx = multiply(two, grad) * (x - y)
    if _same_full_shape(x, y, grad):
        return [gx, -gx]
    return reduce_gradient_args(x, y, gx, -gx)


def _no_gradient(op, grad):
    return [None] * len(op.inputs)


# -- the op table ------------------------------------------------------------------------
_BINARY = (
    # op type, dtypes it accepts, kernel factory, gradient
    ("AddV2", NUMERIC + COMPLEX, kernel_of(operator.add), _add_grad),
    ("Add", NUMERIC + (dtypes.string,), kernel_of(operator.add), _add_grad),
    ("Sub", NUMERIC + COMPLEX, kernel_of(operator.sub), _sub_grad),
    ("Mul", NUMERIC + COMPLEX, kernel_of(operator.mul), _mul_grad),
    ("RealDiv", FLOATS + COMPLEX, kernel_of(operator.truediv), _div_grad),
    ("Div", NUMERIC, _div_kernel, _div_grad),
    ("FloorDiv", NUMERIC, _by_name("floor_divide"), _no_gradient),
    ("FloorMod", NUMERIC, _by_name("mod"), _floor_mod_grad),
    ("TruncateDiv", NUMERIC, _truncate_div_kernel, None),
    ("TruncateMod", NUMERIC, _by_name("fmod"), None),
    ("Pow", SIGNED, xp_kernel("power"), _pow_grad),
    ("Maximum", NUMERIC, xp_kernel("maximum"), _maximum_minimum_grad(comparison_ops.greater_equal)),
    ("Minimum", NUMERIC, xp_kernel("minimum"), _maximum_minimum_grad(comparison_ops.less_equal)),
    ("SquaredDifference", SIGNED, kernel_of(_squared_difference), _squared_difference_grad),
)
for _type, _allowed, _kernel, _grad in _BINARY:
    registry.register(
        _type,
        broadcast_of(_allowed),
        sized_broadcast(_kernel),
        grad=_grad,
        not_differentiable=_grad is None,
    )

registry.register(
    "Neg", unary_of(SIGNED + COMPLEX), kernel_of(operator.neg), grad=lambda op, g: [negative(g)]
)


def _infer_add_n(op):
    base = op.inputs[0].dtype.base_dtype
    shape = op.inputs[0].shape
    for t in op.inputs:
        if t.dtype.base_dtype is not base:
            raise TypeError(
                "Tensors in list passed to 'inputs' of 'AddN' Op have types "
                f"[{', '.join(x.dtype.base_dtype.name for x in op.inputs)}] that don't all match."
            )
        if not shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes must be equal rank, but are {shape} and {t.shape}")
        shape = shape.merge_with(t.shape)
    return [(base, shape)]


def _add_n_kernel(op, device):
    def add_n_values(*values):
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total

    return add_n_values


registry.register(
    "AddN", _infer_add_n, _add_n_kernel, grad=lambda op, grad: [grad] * len(op.inputs)
)


def _infer_cast(op):
    return [(op._attrs["DstT"], op.inputs[0].shape)]


def _cast_kernel(op, device):
    dst = op._attrs["DstT"]
    src = op._attrs.get("SrcT", dst)
    np_type = dst.as_numpy_dtype
    if (src is dtypes.string) != (dst is dtypes.string):
        # TF has no string <-> number casts (tf.strings.to_number / as_string do that).
        unsupported = (
            f"Cast {dtypes.type_string(src)} to {dtypes.type_string(dst)} is not supported"
        )

        def cast_value(x):
            raise errors.UnimplementedError(None, None, unsupported)

        return cast_value

    def cast_value(x):
        return x.astype(np_type) if hasattr(x, "astype") else np_type(x)

    return cast_value


def _cast_grad(op, grad):
    src = op.inputs[0].dtype.base_dtype
    if src.is_floating and op._attrs["DstT"].is_floating:
        return [cast(grad, src)]
    return [None]


registry.register("Cast", _infer_cast, _cast_kernel, grad=_cast_grad)


# -- the public functions ----------------------------------------------------------------
def add(x, y, name=None):
    """``x + y`` elementwise, with broadcasting; strings are concatenated."""
    with name_scope(name, "Add", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        # AddV2 is the arithmetic op; only the older Add also joins strings.
        op_type = "Add" if x.dtype.base_dtype is dtypes.string else "AddV2"
        y = convert_like(y, x.dtype, op_type)
        return make_op(op_type, [x, y], scope, {"T": x.dtype.base_dtype})


def subtract(x, y, name=None):
    return binary("Sub", x, y, name, "Sub")


def multiply(x, y, name=None):
    return binary("Mul", x, y, name, "Mul")


def negative(x, name=None):
    return unary_op("Neg", x, name or "Neg")


def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a 0-d ``scalar`` (ValueError for any other shape)."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
    if scalar.shape.ndims != 0:
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return binary("Mul", scalar, x, name, "Mul")


def cast(x, dtype, name=None):
    """``x`` converted elementwise to ``dtype`` (truncating floats toward zero)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if isinstance(x, Tensor) and x.dtype.base_dtype is dtype:
        return x
    with name_scope(name, "Cast", [x]) as scope:
        # A Python number is made inside the scope, so ``cast(0.0, tf.float32)`` is the
        # constant ``Cast/x`` as in TF, and no Cast op when the dtype already matches.
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype is dtype:
            return x
        return make_op("Cast", [x], scope, {"SrcT": x.dtype.base_dtype, "DstT": dtype})


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


def truediv(x, y, name=None):
    """Python-3 division: integers are converted to floats first, as in TF."""
    with name_scope(name, "truediv", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_like(y, x.dtype, "RealDiv")
        dt = x.dtype.base_dtype
        if dt.is_integer:
            target = dtypes.float64 if dt in (dtypes.int32, dtypes.int64) else dtypes.float32
            x, y = cast(x, target), cast(y, target)
        return make_op("RealDiv", [x, y], scope, {"T": x.dtype.base_dtype})


def divide(x, y, name=None):
    """``x / y`` (true division: integers give floats)."""
    return truediv(x, y, name=name or "truediv")


def div(x, y, name=None):
    """TF1's Python-2 division: real for floats, floored (``//``) for integers."""
    with name_scope(name, "div", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_like(y, x.dtype, "RealDiv")
        op_type = "RealDiv" if x.dtype.base_dtype.is_floating else "FloorDiv"
        return make_op(op_type, [x, y], scope, {"T": x.dtype.base_dtype})


def realdiv(x, y, name=None):
    return binary("RealDiv", x, y, name)


def floordiv(x, y, name=None):
    """``x // y``: the quotient rounded towards minus infinity (floats too)."""
    return binary("FloorDiv", x, y, name, "floordiv")


def floor_div(x, y, name=None):
    return binary("FloorDiv", x, y, name)


def floormod(x, y, name=None):
    """``x % y`` with the sign of ``y``, as Python's ``%``."""
    return binary("FloorMod", x, y, name)


mod = floormod


def truncatediv(x, y, name=None):
    """C-style division: the quotient rounded towards zero."""
    return binary("TruncateDiv", x, y, name)


def truncatemod(x, y, name=None):
    """C-style remainder, with the sign of ``x``."""
    return binary("TruncateMod", x, y, name)


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's name
    """``x ** y`` elementwise (integers to negative powers are an error)."""
    return binary("Pow", x, y, name)


def maximum(x, y, name=None):
    return binary("Maximum", x, y, name)


def minimum(x, y, name=None):
    return binary("Minimum", x, y, name)


def squared_difference(x, y, name=None):
    """``(x - y) * (x - y)`` in one op."""
    return binary("SquaredDifference", x, y, name)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """``t`` with values below ``clip_value_min`` / above ``clip_value_max`` replaced.

    The bounds may be scalars or tensors broadcastable to ``t``, but they must not make
    the result larger than ``t`` (ValueError), as in TensorFlow.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.clip_by_value([1.0, 5.0, 9.0], 2.0, 6.0)).tolist())
        [2.0, 5.0, 6.0]
    """
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = convert_to_tensor(t, name="t")
        t_min = minimum(values, clip_value_max)
        values.shape.assert_is_compatible_with(t_min.shape)
        t_max = maximum(t_min, clip_value_min, name=scope)
        values.shape.assert_is_compatible_with(t_max.shape)
        return t_max


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one dtype and shape."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError(
            "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same "
            "dtype and shape."
        )
    tensors = [convert_to_tensor(t) for t in inputs]
    if len(tensors) == 1:  # TF: the one input itself, under ``name`` through an Identity
        return tensors[0] if name is None else identity(tensors[0], name=name)
    return make_op(
        "AddN", tensors, name or "AddN", {"N": len(tensors), "T": tensors[0].dtype.base_dtype}
    )
