"""``tf.dtypes``: the dtype objects and the functions that make or change them (re-exports).

>>> import teachflow as tf
>>> tf.dtypes.as_dtype("float32") is tf.dtypes.float32 is tf.float32
True
"""

from teachflow.framework.dtypes import (
    DType,
    as_dtype,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    resource,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
    variant,
)
from teachflow.framework.dtypes import bool_ as bool  # noqa: A004 - TensorFlow's name
from teachflow.ops.arithmetic_ops import cast
from teachflow.ops.complex_ops import complex  # noqa: A004 - TensorFlow's name
from teachflow.ops.saturate_cast_ops import saturate_cast
from teachflow.ops.string_conversion_ops import as_string

__all__ = [
    "DType",
    "as_dtype",
    "as_string",
    "bool",
    "cast",
    "complex",
    "complex128",
    "complex64",
    "double",
    "float16",
    "float32",
    "float64",
    "half",
    "int16",
    "int32",
    "int64",
    "int8",
    "resource",
    "saturate_cast",
    "string",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "variant",
]
