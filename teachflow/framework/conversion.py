"""`convert_to_tensor`: turn Python values, numpy arrays and Variables into Tensors.

Python and numpy values become ``Const`` ops; other types (Variables, lists holding
Tensors) register a conversion function, as in TensorFlow.

    >>> import teachflow as tf
    >>> tf.convert_to_tensor([1, 2]).dtype, tf.convert_to_tensor(2.0, dtype=tf.float64).dtype
    (tf.int32, tf.float64)
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor

# (base_type, function, priority); lower priority numbers are tried first.
_CONVERSION_FUNCTIONS: list = []


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """``conversion_func(value, dtype=None, name=None, as_ref=False) -> Tensor``."""
    _CONVERSION_FUNCTIONS.append((base_type, conversion_func, priority))
    _CONVERSION_FUNCTIONS.sort(key=lambda entry: entry[2])


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False):
    if isinstance(value, Tensor):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
            raise ValueError(
                f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for Tensor "
                f"with dtype {value.dtype.name}: {value!r}"
            )
        if not as_ref and value.dtype.is_ref_dtype:
            return value  # consumers dereference ref inputs when they run
        return value
    if dtype is None and preferred_dtype is not None:
        try:
            return _convert_other(value, dtypes.as_dtype(preferred_dtype), name, as_ref)
        except (TypeError, ValueError):
            pass
    return _convert_other(value, None if dtype is None else dtypes.as_dtype(dtype), name, as_ref)


def _convert_other(value, dtype, name, as_ref):
    for base_type, fn, _ in _CONVERSION_FUNCTIONS:
        if isinstance(value, base_type):
            result = fn(value, dtype=dtype, name=name, as_ref=as_ref)
            if result is NotImplemented:
                continue
            if dtype is not None and not dtype.is_compatible_with(result.dtype):
                raise ValueError(
                    f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                    f"{result.dtype.name}: {result!r}"
                )
            return result
    raise TypeError(
        f"Failed to convert object of type {type(value)} to Tensor. Contents: {value!r}. "
        "Consider casting elements to a supported type."
    )


def convert_n_to_tensor(values, dtype=None, name=None):
    return [convert_to_tensor(v, dtype=dtype, name=name) for v in values]


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def is_symbolic_tensor(x) -> bool:
    """Whether ``x`` is a graph tensor (every teachflow Tensor is: there is no eager mode)."""
    return isinstance(x, Tensor)
