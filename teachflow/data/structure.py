"""The shape of a dataset's elements: nests of tuples and dicts with tensors as leaves.

A dataset's element may be one tensor, a tuple of them, a dict, or any nesting of those
(TensorFlow's ``nest``). The graph ops carry the *flat* list of components; these helpers
go between the two. As in TensorFlow, a Python ``list`` is not a structure but a value
(it becomes one tensor), and dict entries are ordered by sorted key.

    >>> s = {"b": 1, "a": (2, 3)}
    >>> flatten(s)
    [2, 3, 1]
    >>> pack_as(s, ["x", "y", "z"])
    {'b': 'z', 'a': ('x', 'y')}
"""

from __future__ import annotations

from typing import NamedTuple

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.dtypes import DType
from teachflow.framework.operation import Tensor
from teachflow.framework.shapes import TensorShape


class TensorSpec(NamedTuple):
    """What one component of an element is: its dtype and (static) shape."""

    dtype: DType
    shape: TensorShape


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def flatten(structure) -> list:
    """The leaves of ``structure`` in order (dict values by sorted key)."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, tuple) and not isinstance(structure, TensorSpec):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_as(template, flat):
    """``flat`` (a sequence of leaves) rebuilt in the shape of ``template``."""
    items = iter(flat)

    def build(t):
        if isinstance(t, dict):
            built = {k: build(t[k]) for k in sorted(t)}
            # The caller's key order (and an OrderedDict stays one), as TF's nest.
            return type(t)((k, built[k]) for k in t)
        if isinstance(t, tuple) and not isinstance(t, TensorSpec):
            parts = [build(x) for x in t]
            return type(t)(*parts) if _is_namedtuple(t) else tuple(parts)
        return next(items)

    return build(template)


def map_structure(fn, structure):
    return pack_as(structure, [fn(leaf) for leaf in flatten(structure)])


def to_tensors(value, name="component"):
    """An element given by the user (tensors, arrays, numbers, nests) as tensors."""
    leaves = flatten(value)
    tensors = [
        leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf, name=f"{name}_{i}")
        for i, leaf in enumerate(leaves)
    ]
    return pack_as(value, tensors)


def spec_of(tensors):
    """The `TensorSpec` structure describing a structure of tensors."""
    return map_structure(lambda t: TensorSpec(t.dtype.base_dtype, t.shape), tensors)


def types_of(specs):
    return map_structure(lambda s: s.dtype, specs)


def shapes_of(specs):
    return map_structure(lambda s: s.shape, specs)


def same_structure(a, b) -> bool:
    """Do ``a`` and ``b`` nest tuples and dicts the same way (leaves aside)?"""
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and sorted(a) == sorted(b)
            and all(same_structure(a[k], b[k]) for k in a)
        )
    a_seq = isinstance(a, tuple) and not isinstance(a, TensorSpec)
    b_seq = isinstance(b, tuple) and not isinstance(b, TensorSpec)
    if a_seq or b_seq:
        return a_seq and b_seq and len(a) == len(b) and all(map(same_structure, a, b))
    return True


class ElementStructure:
    """What a `Dataset` and an `Iterator` both say about their elements (kept in
    ``self._element_spec``, a nest of `TensorSpec`): ``element_spec`` and the TF1 views of it,
    ``output_types``, ``output_shapes`` and ``output_classes``.

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.from_tensors((1, [2.0, 3.0]))
    >>> ds.output_types, ds.output_shapes
    ((tf.int32, tf.float32), (TensorShape([]), TensorShape([Dimension(2)])))
    """

    @property
    def element_spec(self):
        return self._element_spec

    @property
    def output_types(self):
        return types_of(self._element_spec)

    @property
    def output_shapes(self):
        return shapes_of(self._element_spec)

    @property
    def output_classes(self):
        return map_structure(lambda _: Tensor, self._element_spec)
