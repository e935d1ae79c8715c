"""Math ops: elementwise arithmetic, and the Python operators on Tensors.

``x + y`` builds an ``AddV2`` op named ``add`` (a Python number on either side becomes a
``Const`` of the tensor's dtype, ``add/y``). TensorFlow does not promote dtypes: adding an
int32 tensor to a float32 tensor is an error.

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> (x + 1.0).name, (2.0 * x).op.type
    ('add:0', 'Mul')
"""

from __future__ import annotations

import operator

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import broadcast, unary
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope

__all__ = ["add", "subtract", "multiply", "negative", "add_n", "cast", "divide", "truediv"]


# -- building ops ------------------------------------------------------------------------
def make_op(op_type, inputs, name, attrs=None):
    """Create one op in the inputs' graph and return its single output."""
    graph = inputs[0].graph if inputs else get_default_graph()
    return graph.create_op(op_type, inputs, attrs or {}, name=name).outputs[0]


def binary(op_type, x, y, name, default_name=None):
    """``tf.add(x, y)``-style call: ``y`` converted to ``x``'s dtype (TypeError if not)."""
    with name_scope(name, default_name or op_type, [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = _convert_like(y, x.dtype, op_type, "y")
        return make_op(op_type, [x, y], scope, {"T": x.dtype.base_dtype})


def _convert_like(y, dtype, op_type, arg):
    if isinstance(y, Tensor) or hasattr(y, "_as_graph_element"):
        y = convert_to_tensor(y)
        if y.dtype.base_dtype is not dtype.base_dtype:
            raise TypeError(
                f"Input '{arg}' of '{op_type}' Op has type {y.dtype.base_dtype.name} that does "
                f"not match type {dtype.base_dtype.name} of argument 'x'."
            )
        return y
    return convert_to_tensor(y, dtype=dtype.base_dtype, name=arg)


def unary_op(op_type, x, name):
    x = convert_to_tensor(x, name="x")
    return make_op(op_type, [x], name or op_type, {"T": x.dtype.base_dtype})


# -- gradient helpers used by binary ops -------------------------------------------------
def reduce_to_shape(grad, x):
    """Sum ``grad`` over the axes along which ``x`` was broadcast (TF's unbroadcast)."""
    if grad.shape.is_fully_defined() and x.shape.is_fully_defined():
        if grad.shape == x.shape:
            return grad
    g = grad.graph
    sx = make_op("Shape", [x], "Shape", {"out_type": dtypes.int32})
    sg = make_op("Shape", [grad], "Shape_1", {"out_type": dtypes.int32})
    rx = g.create_op("BroadcastGradientArgs", [sx, sg], {}, name="BroadcastGradientArgs").outputs[0]
    summed = make_op("Sum", [grad, rx], "Sum", {"keep_dims": False})
    return make_op("Reshape", [summed, sx], "Reshape")


def _add_grad(op, grad):
    x, y = op.inputs
    return [reduce_to_shape(grad, x), reduce_to_shape(grad, y)]


def _sub_grad(op, grad):
    x, y = op.inputs
    return [reduce_to_shape(grad, x), reduce_to_shape(negative(grad), y)]


def _mul_grad(op, grad):
    x, y = op.inputs
    return [reduce_to_shape(multiply(grad, y), x), reduce_to_shape(multiply(x, grad), y)]


def _realdiv_grad(op, grad):
    x, y = op.inputs
    gx = binary("RealDiv", grad, y, None, "RealDiv")
    gy = multiply(grad, binary("RealDiv", binary("RealDiv", negative(x), y, None), y, None))
    return [reduce_to_shape(gx, x), reduce_to_shape(gy, y)]


def _kernel(fn):
    """A kernel factory for an op whose compute function needs no attributes."""
    return lambda op, device: fn


registry.register("AddV2", broadcast, _kernel(operator.add), grad=_add_grad)
registry.register("Add", broadcast, _kernel(operator.add), grad=_add_grad)
registry.register("Sub", broadcast, _kernel(operator.sub), grad=_sub_grad)
registry.register("Mul", broadcast, _kernel(operator.mul), grad=_mul_grad)
registry.register("RealDiv", broadcast, _kernel(operator.truediv), grad=_realdiv_grad)
registry.register("Neg", unary, _kernel(operator.neg), grad=lambda op, g: [negative(g)])


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
    np_type = dst.as_numpy_dtype
    if dst is dtypes.string:
        raise TypeError("Cast to string is not supported")

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
    return binary("AddV2", x, y, name, "Add")


def subtract(x, y, name=None):
    return binary("Sub", x, y, name, "Sub")


def multiply(x, y, name=None):
    return binary("Mul", x, y, name, "Mul")


def negative(x, name=None):
    return unary_op("Neg", x, name or "Neg")


def cast(x, dtype, name=None):
    """``x`` converted elementwise to ``dtype`` (truncating floats toward zero)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    x = convert_to_tensor(x)
    if x.dtype.base_dtype is dtype:
        return x
    with name_scope(name, "Cast", [x]) as scope:
        return make_op("Cast", [x], scope, {"SrcT": x.dtype.base_dtype, "DstT": dtype})


def truediv(x, y, name=None):
    """Python-3 division: integers are converted to floats first, as in TF."""
    with name_scope(name, "truediv", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = _convert_like(y, x.dtype, "RealDiv", "y")
        dt = x.dtype.base_dtype
        if dt.is_integer:
            target = dtypes.float64 if dt in (dtypes.int32, dtypes.int64) else dtypes.float32
            x, y = cast(x, target), cast(y, target)
        return make_op("RealDiv", [x, y], scope)


def divide(x, y, name=None):
    return truediv(x, y, name=name or "truediv")


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one dtype and shape."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    tensors = [convert_to_tensor(t) for t in inputs]
    if len(tensors) == 1 and name is None:
        return tensors[0]
    return make_op("AddN", tensors, name or "AddN", {"N": len(tensors)})


# -- Python operators --------------------------------------------------------------------
def _binary_operator(func, op_name):
    def method(x, y):
        if not isinstance(y, Tensor) and not _convertible(y):
            return NotImplemented
        with name_scope(None, op_name, [x, y]) as scope:
            y = _operator_operand(y, x.dtype, "y")
            return func(x, y, name=scope)

    def reverse(y, x):
        if not _convertible(x):
            return NotImplemented
        with name_scope(None, op_name, [x, y]) as scope:
            x = _operator_operand(x, y.dtype, "x")
            return func(x, y, name=scope)

    return method, reverse


def _convertible(v):
    return isinstance(v, (int, float, bool, complex, list, tuple, np.ndarray, np.generic, Tensor)) or hasattr(
        v, "_as_graph_element"
    )


def _operator_operand(v, dtype, name):
    """The other operand of ``x OP v`` must have ``x``'s dtype (ValueError otherwise)."""
    return convert_to_tensor(v, dtype=dtype.base_dtype, name=name)


def override_binary_operator(name, func, op_name):
    method, reverse = _binary_operator(func, op_name)
    Tensor._override_operator(f"__{name}__", method)
    Tensor._override_operator(f"__r{name}__", reverse)


override_binary_operator("add", add, "add")
override_binary_operator("sub", subtract, "sub")
override_binary_operator("mul", multiply, "mul")
override_binary_operator("truediv", truediv, "truediv")
Tensor._override_operator("__neg__", lambda x: negative(x))
