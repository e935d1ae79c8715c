"""``tf.TensorSpec``: what a tensor is, without a tensor: a static shape, a dtype and an
optional name (``Dataset.from_generator``'s ``output_signature`` takes a structure of them).

    >>> import teachflow as tf
    >>> spec = tf.TensorSpec([None, 3], tf.float32, "x")
    >>> spec
    TensorSpec(shape=(?, 3), dtype=tf.float32, name='x')
    >>> spec.is_compatible_with(tf.placeholder(tf.float32, [4, 3]))
    True
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor
from teachflow.framework.shapes import as_shape

__all__ = ["TensorSpec"]


class TensorSpec:
    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of ``tensor`` (named after its op unless ``name``)."""
        return cls(tensor.shape, tensor.dtype, name or tensor.op.name)

    @classmethod
    def from_spec(cls, spec, name=None):
        return cls(spec.shape, spec.dtype, name or getattr(spec, "name", None))

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)

    def is_compatible_with(self, spec_or_tensor) -> bool:
        """Same dtype and compatible shapes (a spec or a tensor; anything else: False)."""
        if not isinstance(spec_or_tensor, (TensorSpec, Tensor)):
            return False
        return self._dtype == spec_or_tensor.dtype.base_dtype and self._shape.is_compatible_with(
            spec_or_tensor.shape
        )

    def __eq__(self, other):
        if not isinstance(other, TensorSpec):
            return NotImplemented
        return (self._shape, self._dtype, self._name) == (other._shape, other._dtype, other._name)

    def __hash__(self):
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self):
        shape = "<unknown>" if self._shape.ndims is None else str(self._shape)
        return f"TensorSpec(shape={shape}, dtype={self._dtype!r}, name={self._name!r})"
