"""``tf.constant`` and the conversion of Python / numpy values to ``Const`` ops.

Python floats become float32, ints int32 (int64 when they do not fit), bools bool and
str/bytes string, as in TensorFlow; numpy arrays keep their dtype.

    >>> import teachflow as tf
    >>> tf.constant([[1, 2], [3, 4]]).shape, tf.constant(0.5, shape=[2]).dtype
    (TensorShape([Dimension(2), Dimension(2)]), tf.float32)
"""

from __future__ import annotations

import numbers
import weakref

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import register_tensor_conversion_function
from teachflow.framework.graph import get_default_graph
from teachflow.framework.shapes import Dimension, TensorShape

__all__ = ["constant"]


def _infer_const(op):
    v = op._attrs["value"]
    return [(op._attrs["dtype"], TensorShape(v.shape))]


def _const_kernel(op, device):
    value = op._attrs["value"]
    _check_value_matches_dtype(op, device)
    # A constant's tensor is allocated once, when its kernel is built, and lives as long
    # as the kernel: persistent memory on its device, as in TensorFlow.
    allocator = getattr(device, "allocator", None)
    nbytes = value.nbytes if allocator is not None and value.dtype != object else 0
    if value.ndim == 0 and value.dtype != object:
        value = value[()]  # a numpy scalar: fast arithmetic, immutable
    elif device.xp is not np and value.dtype != object:
        value = device.xp.asarray(value)

    def const():
        return value

    if nbytes:
        allocator.set_persistent(0, nbytes)
        # ... and freed with the kernel: a server keeps its devices while the graphs of
        # closed sessions come and go.
        weakref.finalize(const, allocator.set_persistent, nbytes, 0)
    return const


registry.register("Const", _infer_const, _const_kernel)


def _check_value_matches_dtype(op, device):
    """A ``Const`` that arrived as a NodeDef (an imported GraphDef, a graph received over
    the wire) may say ``dtype: float`` and carry an int32 value; its consumers were built
    for the dtype, so TensorFlow's kernel refuses it, and so does this one."""
    declared = op._attrs["dtype"].base_dtype
    try:
        actual = dtypes.as_dtype(op._attrs["value"].dtype)
    except (TypeError, KeyError, ValueError):
        return  # a value dtype numpy has no TensorFlow name for is checked by its codec
    if actual != declared:
        from teachflow.framework import errors
        from teachflow.ops.array_ops import TF_TYPE_NAMES

        name = lambda d: TF_TYPE_NAMES.get(d.name, d.name)  # noqa: E731 - a naming table
        raise errors.InvalidArgumentError(
            op.node_def,
            op,
            f"Type mismatch between value ({name(actual)}) and dtype ({name(declared)})\n"
            f"\t [[{{{{node {op.name}}}}} on {device.name}]]",
        )


def _infer_dtype(value):
    """TensorFlow's dtype for a Python value (nested lists included)."""
    if isinstance(value, np.ndarray):
        return dtypes.as_dtype(value.dtype)
    if isinstance(value, np.generic):
        return dtypes.as_dtype(value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool_
    if isinstance(value, (str, bytes)):
        return dtypes.string
    if isinstance(value, numbers.Integral):
        return dtypes.int32 if -(2**31) <= value < 2**31 else dtypes.int64
    if isinstance(value, numbers.Real):
        return dtypes.float32
    if isinstance(value, numbers.Complex):
        return dtypes.complex128  # as TF: Python's complex is double precision
    if isinstance(value, (list, tuple)):
        kinds = {_infer_dtype(v) for v in _leaves(value)}
        if not kinds:
            return dtypes.float32
        if dtypes.string in kinds:
            return dtypes.string
        if dtypes.complex128 in kinds:
            return dtypes.complex128
        floats = [k for k in kinds if k.is_floating]
        if floats:
            return floats[0] if len(kinds) == 1 else dtypes.float32
        if dtypes.int64 in kinds:
            return dtypes.int64
        return dtypes.bool_ if kinds == {dtypes.bool_} else next(iter(kinds - {dtypes.bool_}))
    raise TypeError(f"Failed to convert object of type {type(value)} to Tensor.")


def _leaves(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def _to_numpy(value, dtype):
    """``value`` as a numpy array of ``dtype``; TF's TypeErrors for lossy conversions."""
    if dtype is dtypes.string:
        arr = np.array(value, dtype=object)
        flat = arr.reshape(-1)
        for i, x in enumerate(flat):
            if isinstance(x, str):
                flat[i] = x.encode()
            elif not isinstance(x, bytes):
                raise TypeError(f"Expected string, got {x!r} of type '{type(x).__name__}' instead.")
        return arr
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if isinstance(value, np.ndarray):
        # np.array drops subclasses: a constant of an np.matrix is a plain ndarray in TF,
        # whose values index and convert as arrays do.
        return np.array(value, dtype=np_dtype)
    arr = np.array(value)
    if arr.dtype == object or arr.dtype.kind in "SU":
        raise TypeError(
            f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead."
        )
    if arr.dtype.kind == "c" and not dtype.is_complex and arr.size:  # no silent real part
        raise TypeError(
            f"Expected {dtype.name}, got {_first(value)!r} of type "
            f"'{type(_first(value)).__name__}' instead."
        )
    if dtype.is_integer or dtype.is_bool:
        if arr.dtype.kind == "f" and arr.size:  # np.array([]) is float64: not a loss
            raise TypeError(
                f"Expected {dtype.name}, got {_first(value)!r} of type "
                f"'{type(_first(value)).__name__}' instead."
            )
        # An integer out of the dtype's range wraps around, as in TensorFlow (300 as uint8
        # is 44, -1 is 255): astype below casts modulo 2**bits.
    if dtype.is_bool and arr.dtype.kind != "b" and arr.size:  # [] holds no wrong element
        raise TypeError(
            f"Expected bool, got {_first(value)!r} of type '{type(_first(value)).__name__}' "
            "instead."
        )
    return arr.astype(np_dtype)


def value_as_array(value, dtype):
    """``value`` as the numpy array a constant of ``dtype`` would hold, with TF's TypeErrors
    for lossy conversions (``2.7`` is no int32)."""
    return _to_numpy(value, dtypes.as_dtype(dtype).base_dtype)


def _first(value):
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, np.ndarray) and value.size:
        return value.reshape(-1)[0].item()
    return value


def _make_value(value, dtype=None, shape=None, verify_shape=False):
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else _infer_dtype(value)
    arr = _to_numpy(value, dtype)
    if shape is not None:
        shape = TensorShape(shape)
        if not shape.is_fully_defined():
            raise TypeError(f"Shape {shape} must be fully defined for a constant.")
        dims = tuple(shape.as_list())
        n = shape.num_elements()
        if arr.shape == dims:
            pass
        elif verify_shape:
            raise TypeError(f"Expected Tensor's shape: {dims}, got {arr.shape}.")
        elif arr.size == 1:
            arr = np.full(dims, arr.reshape(-1)[0], dtype=arr.dtype)
        elif arr.size == n:
            arr = arr.reshape(dims)
        elif arr.size > n:
            raise TypeError(
                f"Too many elements provided. Needed at most {n}, but received {arr.size}"
            )
        else:
            raise ValueError(
                f"Expected {n} elements for a constant of shape {list(dims)}, got {arr.size}"
            )
    arr.flags.writeable = False
    return dtype, arr


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor holding ``value`` (broadcast to ``shape`` when it is a scalar)."""
    dtype, arr = _make_value(value, dtype, shape, verify_shape)
    op = get_default_graph().create_op(
        "Const", [], {"value": arr, "dtype": dtype}, name=name or "Const"
    )
    return op.outputs[0]


def _constant_conversion(value, dtype=None, name=None, as_ref=False):
    return constant(value, dtype=dtype, name=name or "Const")


register_tensor_conversion_function(
    (numbers.Number, np.ndarray, np.generic, str, bytes), _constant_conversion, priority=100
)


def _list_conversion(value, dtype=None, name=None, as_ref=False):
    from teachflow.framework.operation import Tensor

    def holds_tensor(v):
        if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
            return True
        return isinstance(v, (list, tuple)) and any(holds_tensor(x) for x in v)

    if holds_tensor(value):
        from teachflow.ops import array_ops

        return array_ops._autopack(value, dtype=dtype, name=name or "packed")
    return constant(value, dtype=dtype, name=name or "Const")


register_tensor_conversion_function((list, tuple), _list_conversion, priority=110)


def _shape_conversion(value, dtype=None, name=None, as_ref=False):
    # TF's _tensor_shape_tensor_conversion_function: a fully known shape is an int32 (int64
    # when a dimension needs it) constant named shape_as_tensor.
    if isinstance(value, TensorShape):
        if not value.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {value} to a Tensor.")
        dims = value.as_list()
        if dtype is not None and dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"Cannot convert a TensorShape to dtype: {dtype}")
    elif value.value is None:  # TF's words
        raise ValueError(f"Cannot convert unknown Dimension {value} to a Tensor.")
    else:  # a known Dimension (a number beside a float tensor too)
        dims = int(value)
    if dtype is None:
        big = max(np.abs(np.reshape(dims, -1)), default=0) >= 2**31
        dtype = dtypes.int64 if big else dtypes.int32
    return constant(dims, dtype=dtype, name=name or "shape_as_tensor")


register_tensor_conversion_function((TensorShape, Dimension), _shape_conversion, priority=90)
