"""How the array, math and nn op families build their ops, TensorFlow's way.

`apply_op` builds one op the way TensorFlow's generated wrappers do (a name scope, Python
arguments converted to constants named after the argument); the checks raise TensorFlow's
own errors and words (``Shape must be rank 1 but is rank 2``); the kernel helpers read the
small integer inputs (shapes, axes) on the host, as TensorFlow keeps them in HostMemory.

    >>> import teachflow as tf
    >>> op = apply_op("Reshape", None, [(tf.ones([2, 3]), "tensor", None), ([3, 2], "shape", INDEX)])
    >>> op.name, [t.op.name for t in op.inputs]
    ('Reshape', ['ones', 'Reshape/shape'])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

# TensorFlow's own short names for dtypes in messages ("float", "double").
TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def type_name(dtype) -> str:
    return TF_TYPE_NAMES.get(dtype.base_dtype.name, dtype.base_dtype.name)


def _shape_text(shape: TensorShape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


INDEX_DTYPES = (dtypes.int32, dtypes.int64)
INDEX = "index"  # apply_op's dtype for shape/axis/index arguments


def apply_op(op_type, name, args, attrs=None):
    """Build one op the way TensorFlow's generated wrappers do.

    ``args`` is ``[(value, arg_name, dtype_or_None_or_INDEX), ...]``. The op gets a name scope
    (``name`` or the op type), Python inputs become constants named after their argument
    inside it (``Reshape/shape``), and the op takes the scope's own name (``Reshape``).
    """
    with name_scope(name, op_type, [a[0] for a in args]) as scope:
        inputs = [_convert_arg(value, arg, dtype) for value, arg, dtype in args]
        graph = inputs[0].graph if inputs else get_default_graph()
        return graph.create_op(op_type, inputs, attrs or {}, name=scope)


def _convert_arg(value, arg, dtype):
    # INDEX: an integer input whose Python value defaults to int32 (``[]`` included), as
    # the op definitions' ``Tshape=int32``-style defaults make TensorFlow do.
    if dtype is INDEX:
        if isinstance(value, (list, tuple)) and not value:
            # TF's op_def_library converts a [] on its own first (float32), rejects that
            # for the int type attr and converts again: the dead Const stays in the graph.
            convert_to_tensor(np.zeros([0], np.float32), name=arg)
            value = np.zeros([0], np.int32)
        return convert_to_tensor(value, name=arg, preferred_dtype=dtypes.int32)
    return convert_to_tensor(value, dtype=dtype, name=arg)


def check_index_dtype(op, index, param, allowed=INDEX_DTYPES):
    """TF's TypeError for an integer input (shape, axis, multiples) of another dtype."""
    dt = op.inputs[index].dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(
            f"Value passed to parameter '{param}' has DataType {dt.name} not in list of "
            f"allowed values: {names}"
        )
    return dt


def check_rank(shape, rank):
    """``Shape must be rank 1 but is rank 2``, TensorFlow's words for a wrong rank."""
    if shape.ndims is not None and shape.ndims != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {shape.ndims}")


def shape_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def as_output(value):
    """A 0-d result as a numpy scalar (or ``bytes``), as the session hands values out."""
    # (Indexing an object array with integers already gives the bytes element itself.)
    return value[()] if getattr(value, "ndim", None) == 0 else value


def to_host(value):
    """A kernel input as a numpy value: shapes and indices are read on the host (TF keeps
    them in HostMemory); a cupy array is copied back from the GPU."""
    if hasattr(value, "__cuda_array_interface__"):
        return value.get()
    return value


def int_list(value):
    """A small integer input (a shape, multiples, perm) as a list of Python ints."""
    return [int(v) for v in np.reshape(np.asarray(to_host(value)), [-1])]


def invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _register_no_gradient(*op_types):
    for op_type in op_types:
        registry.NotDifferentiable(op_type)
