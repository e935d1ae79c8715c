"""Math ops, and the Python operators on Tensors.

The op families live in their own modules (`arithmetic_ops`, `unary_ops`,
`comparison_ops`, `reduction_ops`, `scan_ops`, `matmul_ops`); this one gathers their public
functions, TensorFlow's ``math_ops``, and attaches the operators to `Tensor`.

``x + y`` builds an ``AddV2`` op named ``add`` (a Python number on either side becomes a
``Const`` of the tensor's dtype, ``add/y``). TensorFlow does not promote dtypes: adding an
int32 tensor to a float32 tensor is an error (ValueError for an operator, TypeError for
``tf.add``). ``==`` and ``!=`` compare tensors by identity, as in TF1: use ``tf.equal``.

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> (x + 1.0).name, (2.0 * x).op.type, (x ** 2.0).name, (x < 1.5).op.type
    ('add:0', 'Mul', 'pow:0', 'Less')
"""

from __future__ import annotations

import numpy as np

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import (
    arg_ops,
    arithmetic_ops,
    comparison_ops,
    matmul_ops,
    reduction_ops,
    scan_ops,
    unary_ops,
)
from teachflow.ops.arg_ops import *  # noqa: F403
from teachflow.ops.arithmetic_ops import *  # noqa: F403
from teachflow.ops.comparison_ops import *  # noqa: F403
from teachflow.ops.elementwise import binary, make_op, reduce_to_shape, unary_op  # noqa: F401
from teachflow.ops.matmul_ops import *  # noqa: F403
from teachflow.ops.reduction_ops import *  # noqa: F403
from teachflow.ops.reduction_ops import reduced_shape  # noqa: F401
from teachflow.ops.scan_ops import *  # noqa: F403
from teachflow.ops.unary_ops import *  # noqa: F403

__all__ = [
    *arithmetic_ops.__all__,
    *unary_ops.__all__,
    *comparison_ops.__all__,
    *reduction_ops.__all__,
    *arg_ops.__all__,
    *scan_ops.__all__,
    *matmul_ops.__all__,
]


# -- Python operators --------------------------------------------------------------------
def _binary_operator(func, op_name):
    def method(x, y):
        if not _convertible(y):
            return NotImplemented
        with name_scope(None, op_name, [x, y]) as scope:
            y = _operator_operand(y, x.dtype, "y")
            return func(x, y, name=scope)

    def reverse(y, x):
        if not _convertible(x):
            return NotImplemented
        with name_scope(None, op_name, [x, y]) as scope:
            # TF's reflected operators convert the other operand to the tensor's dtype
            # outright: ``1.5 + int_tensor`` is "Expected int32, got 1.5 ...".
            if not isinstance(x, Tensor):
                x = convert_to_tensor(x, dtype=y.dtype.base_dtype, name="x")
            return func(x, y, name=scope)

    return method, reverse


def _convertible(v):
    from teachflow.ops.indexed_slices import IndexedSlices

    # An IndexedSlices (a sparse gradient) is made dense, as TF's ``grad * y`` does.
    # A str or bytes too: ``tf.constant("a") + "b"`` is an Add of strings, as in TF.
    kinds = (int, float, bool, complex, str, bytes, list, tuple, np.ndarray, np.generic)
    return isinstance(v, (*kinds, Tensor, IndexedSlices)) or hasattr(v, "_as_graph_element")


def _operator_operand(v, dtype, name):
    """The other operand of ``x OP v``: a Python value takes ``x``'s dtype when it can
    (``int_tensor + 1.5`` stays a float constant); the op then refuses mixed dtypes with
    TensorFlow's TypeError, as tf.compat.v1 does."""
    return convert_to_tensor(v, preferred_dtype=dtype.base_dtype, name=name)


def override_binary_operator(name, func, op_name):
    """Attach ``__name__`` and ``__rname__`` to Tensor, building ``func`` in scope ``op_name``."""
    method, reverse = _binary_operator(func, op_name)
    Tensor._override_operator(f"__{name}__", method)
    Tensor._override_operator(f"__r{name}__", reverse)


def _comparison_operator(func):
    # TF1 attaches the raw comparison ops: ``x < y`` is named "Less", with no scope.
    def method(x, y):
        if not _convertible(y):
            return NotImplemented
        return func(x, y)

    return method


def _xor(x, y, name=None):
    return logical_xor(x, y, name=name)  # noqa: F405


for _name, _func in (
    ("add", add),  # noqa: F405
    ("sub", subtract),  # noqa: F405
    ("mul", multiply),  # noqa: F405
    ("truediv", truediv),  # noqa: F405
    ("floordiv", floordiv),  # noqa: F405
    ("mod", floormod),  # noqa: F405
    ("pow", pow),  # noqa: F405
    ("matmul", matmul),  # noqa: F405
    ("and", logical_and),  # noqa: F405
    ("or", logical_or),  # noqa: F405
    ("xor", _xor),
):
    override_binary_operator(_name, _func, _name)

for _name, _func in (
    ("lt", less),  # noqa: F405
    ("le", less_equal),  # noqa: F405
    ("gt", greater),  # noqa: F405
    ("ge", greater_equal),  # noqa: F405
):
    Tensor._override_operator(f"__{_name}__", _comparison_operator(_func))

Tensor._override_operator("__neg__", lambda x: negative(x))  # noqa: F405
Tensor._override_operator("__abs__", lambda x: unary_ops.abs(x))
Tensor._override_operator("__invert__", lambda x: logical_not(x))  # noqa: F405
