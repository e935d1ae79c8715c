"""Data types, with TensorFlow 1.x's names, numpy mapping and `_ref` variants.

    >>> import teachflow as tf
    >>> tf.float32, tf.as_dtype("int64"), tf.float32.as_numpy_dtype
    (tf.float32, tf.int64, <class 'numpy.float32'>)

In TF1 graph mode a variable's output is a *reference* (``float32_ref``): ops that
assign to a variable take that reference, every other consumer reads its value.
"""

from __future__ import annotations

import numpy as np


class DType:
    """One element type. Instances are interned: compare with ``==`` or ``is``."""

    __slots__ = ("name", "as_numpy_dtype", "_base", "_ref", "size", "enum")

    def __init__(self, name, numpy_type, enum, base=None):
        self.name = name
        self.as_numpy_dtype = numpy_type
        self.enum = enum
        self._base = base
        self._ref = None
        self.size = 0 if numpy_type is object else np.dtype(numpy_type).itemsize

    @property
    def as_datatype_enum(self) -> int:
        """The ``DataType`` enum value of TensorFlow's protos (``DT_FLOAT`` is 1)."""
        return self.enum

    @property
    def base_dtype(self) -> DType:
        return self._base if self._base is not None else self

    @property
    def is_ref_dtype(self) -> bool:
        return self._base is not None

    @property
    def _as_ref(self) -> DType:
        return self if self._base is not None else self._ref

    @property
    def real_dtype(self) -> DType:
        return _REAL_OF_COMPLEX.get(self.base_dtype, self.base_dtype)

    @property
    def is_floating(self) -> bool:
        return self.base_dtype in _FLOATS

    @property
    def is_integer(self) -> bool:
        return self.base_dtype in _INTEGERS

    @property
    def is_unsigned(self) -> bool:
        return self.base_dtype in _UNSIGNED

    @property
    def is_bool(self) -> bool:
        return self.base_dtype is bool_

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def is_complex(self) -> bool:
        return self.base_dtype in _REAL_OF_COMPLEX

    @property
    def min(self):
        b = self.base_dtype
        if b in _FLOATS:
            return float(np.finfo(b.as_numpy_dtype).min)
        if b in _INTEGERS:
            return int(np.iinfo(b.as_numpy_dtype).min)
        raise TypeError(f"Cannot find minimum value of {self}.")

    @property
    def max(self):
        b = self.base_dtype
        if b in _FLOATS:
            return float(np.finfo(b.as_numpy_dtype).max)
        if b in _INTEGERS:
            return int(np.iinfo(b.as_numpy_dtype).max)
        raise TypeError(f"Cannot find maximum value of {self}.")

    def is_compatible_with(self, other) -> bool:
        other = as_dtype(other)
        return self.base_dtype is other.base_dtype

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return as_dtype, (self.name,)


def _make(name, numpy_type, enum):
    base = DType(name, numpy_type, enum)
    ref = DType(name + "_ref", numpy_type, enum + 100, base=base)
    base._ref = ref
    return base


# Enum values are TensorFlow's DataType proto numbers, so graphs can travel as protobufs.
float32 = _make("float32", np.float32, 1)
float64 = _make("float64", np.float64, 2)
int32 = _make("int32", np.int32, 3)
uint8 = _make("uint8", np.uint8, 4)
int16 = _make("int16", np.int16, 5)
int8 = _make("int8", np.int8, 6)
string = _make("string", object, 7)
int64 = _make("int64", np.int64, 9)
bool_ = _make("bool", np.bool_, 10)
complex64 = _make("complex64", np.complex64, 8)
uint16 = _make("uint16", np.uint16, 17)
complex128 = _make("complex128", np.complex128, 18)
float16 = _make("float16", np.float16, 19)
uint32 = _make("uint32", np.uint32, 22)
uint64 = _make("uint64", np.uint64, 23)
half = float16
double = float64
# A handle to state held by a device's resource manager (a resource variable, TF 2's
# default): the value a ``VarHandleOp`` outputs and ``ReadVariableOp`` reads through.
resource = _make("resource", object, 20)
# A tensor that holds an object (tf.data's datasets): what a dataset op outputs, and what a
# FunctionDef names as DT_VARIANT.
variant = _make("variant", object, 21)

_FLOATS = frozenset([float16, float32, float64])
_UNSIGNED = frozenset([uint8, uint16, uint32, uint64])
_INTEGERS = frozenset([int8, int16, int32, int64]) | _UNSIGNED
_REAL_OF_COMPLEX = {complex64: float32, complex128: float64}
ALL_DTYPES = (
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
    bool_,
    string,
    complex64,
    complex128,
)

float32_ref = float32._ref
float64_ref = float64._ref
int32_ref = int32._ref
int64_ref = int64._ref

_BY_NAME = {}
for _d in ALL_DTYPES:
    _BY_NAME[_d.name] = _d
    _BY_NAME[_d._ref.name] = _d._ref
# TensorFlow's other spellings: "float" is what TF1 tutorials write (``tf.placeholder("float")``).
for _alias, _d in (("float", float32), ("double", float64), ("half", float16)):
    _BY_NAME[_alias] = _d
    _BY_NAME[_alias + "_ref"] = _d._ref
_BY_ENUM = {d.enum: d for d in ALL_DTYPES} | {d._ref.enum: d._ref for d in ALL_DTYPES}
# Resource handles and variants are no element types (not in ALL_DTYPES), but a GraphDef
# names them.
for _d in (resource, variant):
    _BY_NAME[_d.name] = _d
    _BY_ENUM[_d.enum] = _d
_BY_NUMPY = {np.dtype(d.as_numpy_dtype): d for d in ALL_DTYPES if d is not string}
# TF maps only float, bool and object; int, bytes and str are teachflow's leniency, kept
# because existing programs pass them.
_PY_TYPES = {float: float32, int: int32, bool: bool_, bytes: string, str: string, object: string}


# TensorFlow's DataTypeString, which its error messages use, where it differs from the name.
_TYPE_STRINGS = {"float32": "float", "float64": "double", "float16": "half"}


def type_string(dtype) -> str:
    """How TensorFlow's messages spell a dtype: ``float``, ``double``, ``int32``, ``float_ref``.

    >>> type_string(float32), type_string(float64._as_ref), type_string(int32)
    ('float', 'double_ref', 'int32')
    """
    base = _TYPE_STRINGS.get(dtype.base_dtype.name, dtype.base_dtype.name)
    return base + "_ref" if dtype.is_ref_dtype else base


def as_dtype(type_value) -> DType:
    """Convert a DType, name, numpy type, Python type or DataType enum to a `DType`.

    Every op that takes a ``dtype`` calls this, so every spelling works everywhere:

        >>> import teachflow as tf
        >>> tf.as_dtype("float"), tf.as_dtype("double"), tf.as_dtype(3), tf.as_dtype(float)
        (tf.float32, tf.float64, tf.int32, tf.float32)

    Raises TypeError naming the value when it is none of these.
    """
    if isinstance(type_value, DType):
        return type_value
    if type_value is None:
        pass  # np.dtype(None) is float64; TensorFlow refuses it
    elif isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
        if found is not None:
            return found
    elif isinstance(type_value, int) and not isinstance(type_value, bool):
        found = _BY_ENUM.get(type_value)
        if found is not None:
            return found
    elif type_value in _PY_TYPES:
        return _PY_TYPES[type_value]
    else:
        try:
            npd = np.dtype(type_value)
        except TypeError:
            npd = None
        if npd is not None:
            if npd.kind in "OSU":
                return string
            found = _BY_NUMPY.get(npd)
            if found is not None:
                return found
    raise TypeError(
        f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType."
    )
