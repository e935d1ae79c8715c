"""Building elementwise math ops: operands, dtype families, and broadcasting gradients.

TensorFlow never promotes dtypes. ``tf.add(x, y)`` converts ``y`` to ``x``'s dtype when
``y`` is a Python value and raises TypeError when ``y`` is a tensor of another dtype; each
op type also accepts only a family of dtypes (``tf.exp`` of an int32 tensor is a
TypeError). A binary op broadcasts its inputs, so its gradient must be summed back over
the broadcast axes (`reduce_to_shape`), with the help of ``BroadcastGradientArgs``.

    >>> import teachflow as tf
    >>> from teachflow.ops.elementwise import binary
    >>> binary("Maximum", tf.constant([1.0, 5.0]), 2.0, None).op.inputs[1].name
    'Maximum/y:0'
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import broadcast_all, check_same_dtype
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.allocation import check_output

# -- dtype families (the ``T in [...]`` lists of TensorFlow's op definitions) ------------
FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
SIGNED_INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
INTEGERS = SIGNED_INTS + (dtypes.uint8,)
SIGNED = FLOATS + SIGNED_INTS
NUMERIC = FLOATS + INTEGERS
EVERY = NUMERIC + (dtypes.bool_, dtypes.string)
INDEX = (dtypes.int32, dtypes.int64)
COMPLEX = (dtypes.complex64, dtypes.complex128)


def check_allowed(t, allowed, param="x"):
    """TypeError unless ``t``'s dtype is one an op's definition lists."""
    dt = t.dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(
            f"Value passed to parameter '{param}' has DataType {dt.name} not in list of "
            f"allowed values: {names}"
        )
    return dt


def check_bool(op, t, param):
    if t.dtype.base_dtype is not dtypes.bool_:
        raise TypeError(
            f"Input '{param}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that does "
            "not match expected type of bool."
        )


# -- shape/dtype inference for elementwise ops -------------------------------------------
def unary_of(allowed, out=None):
    """One input of a dtype in ``allowed``; the output has its shape (dtype ``out``)."""

    def infer(op):
        dt = check_allowed(op.inputs[0], allowed)
        return [(out or dt, op.inputs[0].shape)]

    return infer


def broadcast_of(allowed, out=None):
    """Inputs of one dtype in ``allowed``, broadcast together (dtype ``out``)."""

    def infer(op):
        dt = check_same_dtype(op)
        check_allowed(op.inputs[0], allowed)
        return [(out or dt, broadcast_all(op))]

    return infer


def kernel_of(fn):
    """A kernel factory for an op whose compute function reads no attributes."""
    return lambda op, device: fn


def sized_broadcast(make):
    """A binary kernel factory whose kernel first checks what broadcasting will allocate.

    Two small inputs can broadcast to a huge output ([100000, 1] + [1, 100000]: 40 GB of
    float32 from 800 KB), so the output is checked against the device
    (`teachflow.ops.allocation`) before it is computed. Where the static shapes already
    show an output that fits, the kernel is the plain one; at run time, equal shapes and a
    bias-like suffix (``[n, 10] + [10]``) cannot grow and skip the check."""

    def make_checked(op, device):
        fn = make(op, device)
        out = op.outputs[0]
        n = out.shape.num_elements()
        capacity = getattr(getattr(device, "allocator", None), "capacity", None)
        np_type = out.dtype.as_numpy_dtype
        if capacity is None or np_type is object:
            return fn
        if n is not None and n * np.dtype(np_type).itemsize <= capacity:
            return fn

        def broadcast_checked(x, y):
            sx, sy = np.shape(x), np.shape(y)
            if sx != sy and sx and sy:
                short, long_ = (sx, sy) if len(sx) <= len(sy) else (sy, sx)
                if long_[len(long_) - len(short) :] != short:
                    try:
                        dims = np.broadcast_shapes(sx, sy)
                    except ValueError:
                        dims = None  # the kernel reports incompatible shapes
                    if dims is not None:
                        check_output(device, dims, np_type)
            return fn(x, y)

        return broadcast_checked

    return make_checked


def xp_kernel(name):
    """A kernel factory calling the device's array function ``name`` (``xp.exp``...)."""

    def make(op, device):
        return getattr(device.xp, name)

    return make


def integer_division(fn):
    """Wrap an integer division kernel: TensorFlow refuses to divide integers by zero."""

    def make(op, device):
        if op.inputs[0].dtype.base_dtype.is_floating:
            return fn
        xp = device.xp

        def divide(x, y):
            # An empty result divides nothing (TensorFlow's kernels return before checking):
            # the gradient of a reduction over a scalar takes ``axes % rank`` with rank 0.
            # (``not y.all()``: some divisor is 0, without building ``y == 0`` first.)
            if not y.all() and xp.size(x) and xp.size(y):
                raise errors.InvalidArgumentError(None, None, "Integer division by zero")
            return fn(x, y)

        return divide

    return make


# -- building ops ------------------------------------------------------------------------
def make_op(op_type, inputs, name, attrs=None):
    """Create one op in the inputs' graph and return its single output."""
    graph = inputs[0].graph if inputs else get_default_graph()
    return graph.create_op(op_type, inputs, attrs or {}, name=name).outputs[0]


def binary(op_type, x, y, name, default_name=None, arg_names=("x", "y")):
    """``tf.add(x, y)``-style call: ``y`` converted to ``x``'s dtype (TypeError if not)."""
    with name_scope(name, default_name or op_type, [x, y]) as scope:
        x = convert_to_tensor(x, name=arg_names[0])
        y = convert_like(y, x.dtype, op_type, arg_names)
        return make_op(op_type, [x, y], scope, {"T": x.dtype.base_dtype})


def convert_like(y, dtype, op_type, arg_names=("x", "y")):
    """The second input of an op whose inputs share one dtype attribute ``T``."""
    if isinstance(y, Tensor) or hasattr(y, "_as_graph_element"):
        y = convert_to_tensor(y)
        if y.dtype.base_dtype is not dtype.base_dtype:
            raise TypeError(
                f"Input '{arg_names[1]}' of '{op_type}' Op has type {y.dtype.base_dtype.name} "
                f"that does not match type {dtype.base_dtype.name} of argument "
                f"'{arg_names[0]}'."
            )
        return y
    return convert_to_tensor(y, dtype=dtype.base_dtype, name=arg_names[1])


def unary_op(op_type, x, name):
    """``tf.exp(x)``-style call: one input, the op named ``name`` or its type."""
    with name_scope(name, op_type, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return make_op(op_type, [x], scope, {"T": x.dtype.base_dtype})


def scalar_like(value, t):
    """A Python number as a constant of ``t``'s dtype (gradients' ``2 * x`` and such)."""
    return convert_to_tensor(value, dtype=t.dtype.base_dtype)


# -- un-broadcasting gradients -----------------------------------------------------------
def broadcast_gradient_args(sx, sy):
    """The axes each of two broadcast operands was expanded along (TF's ``BCast``)."""
    sx, sy = list(sx), list(sy)
    if sx == sy:
        return [], []
    n = max(len(sx), len(sy))
    px = [1] * (n - len(sx)) + sx
    py = [1] * (n - len(sy)) + sy
    rx, ry = [], []
    for i, (a, b) in enumerate(zip(px, py)):
        if a != b and a != 1 and b != 1:
            raise errors.InvalidArgumentError(
                None, None, f"Incompatible shapes: {_brackets(sx)} vs. {_brackets(sy)}"
            )
        # A dimension of 1 on both sides is reduced on both: summing it changes nothing.
        if a == 1:
            rx.append(i)
        if b == 1:
            ry.append(i)
    return rx, ry


def _brackets(dims):
    return "[" + ",".join(str(d) for d in dims) + "]"


def _broadcast_gradient_args_kernel(op, device):
    def bcast(sx, sy):
        rx, ry = broadcast_gradient_args(np.asarray(sx).tolist(), np.asarray(sy).tolist())
        return np.array(rx, np.int32), np.array(ry, np.int32)

    return bcast


registry.register(
    "BroadcastGradientArgs",
    lambda op: [(dtypes.int32, TensorShape([None]))] * 2,
    _broadcast_gradient_args_kernel,
    not_differentiable=True,
)


def reduce_to_shape(grad, x):
    """Sum ``grad`` over the axes along which ``x`` was broadcast (TF's unbroadcast).

    When both static shapes are known the axes are constants; otherwise the
    ``BroadcastGradientArgs`` op computes them from the runtime shapes.
    """
    from teachflow.ops import array_ops

    gshape, xshape = grad.shape, x.shape
    if gshape.is_fully_defined() and xshape.is_fully_defined():
        if gshape == xshape:
            return grad
        axes, _ = broadcast_gradient_args(xshape.as_list(), gshape.as_list())
        summed = make_op("Sum", [grad, _int32_const(axes, grad)], "Sum", _sum_attrs(grad))
        if summed.shape == xshape:
            return summed
        return array_ops.reshape(summed, np.array(xshape.as_list(), np.int32), name="Reshape")
    sx = array_ops.shape(x, name="Shape")
    sg = array_ops.shape(grad, name="Shape_1")
    rx = grad.graph.create_op(
        "BroadcastGradientArgs", [sx, sg], {"T": dtypes.int32}, name="BroadcastGradientArgs"
    ).outputs[0]
    summed = make_op("Sum", [grad, rx], "Sum", _sum_attrs(grad))
    return array_ops.reshape(summed, sx, name="Reshape")


def _sum_attrs(t):
    return {"keep_dims": False, "T": t.dtype.base_dtype, "Tidx": dtypes.int32}


def _int32_const(values, like):
    with like.graph.as_default():
        return convert_to_tensor(np.array(values, np.int32), name="Const")
