"""teachflow attribute values <-> TensorFlow's ``AttrValue``.

An op's attrs are typed: ``T`` is a ``type``, ``shape`` a ``shape``, ``value`` a
``tensor``, ``padding`` a string ``s``, ``strides`` a ``list(int)``. teachflow keeps them
as Python values in ``op._attrs`` (a ``DType``, a ``TensorShape``, a numpy array, ``str``,
a list); this module maps each onto the one ``AttrValue`` field TensorFlow uses for it,
and back. A function (``func``) or an attr ``placeholder`` (inside a function body) has no
teachflow value: the ``AttrValue`` itself is kept and written back unchanged.

    >>> import teachflow as tf
    >>> from teachflow.framework.codecs import attr_value
    >>> attr_value.to_proto(tf.float32).type, attr_value.to_proto("SAME").s
    (1, b'SAME')
    >>> attr_value.from_proto(attr_value.to_proto([1, 2, 2, 1]))
    [1, 2, 2, 1]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.shapes import TensorShape
from teachflow.proto import messages, tensor_proto

__all__ = ["to_proto", "from_proto", "shape_to_proto", "shape_from_proto"]

# String attrs teachflow keeps as bytes (colocation groups, ``loc:@name``); every other
# ``s`` is text to teachflow's ops (``padding``, ``shared_name``, ``data_format``).
_BYTES_ATTRS = frozenset({"_class"})


def shape_to_proto(shape) -> messages.TensorShapeProto:
    """A static shape as TensorFlow writes it: unknown rank flagged, unknown dims -1."""
    shape = TensorShape(shape)
    pb = messages.TensorShapeProto()
    if shape.ndims is None:
        pb.unknown_rank = True
    else:
        for d in shape.as_list():
            pb.dim.add(size=-1 if d is None else int(d))
    return pb


def shape_from_proto(pb) -> TensorShape:
    if pb.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in pb.dim])


def tensor_to_proto(value) -> messages.TensorProto:
    """A numpy value (array or scalar, strings as object arrays) as a ``TensorProto``."""
    arr = np.asarray(value)
    enum = 7 if arr.dtype.kind in "OSU" else None
    return tensor_proto.make_tensor_proto(arr, enum)


def _scalar(value):
    """(field, value) of one non-list attr value; None when it has no AttrValue field."""
    # bool before int: True is an int to Python, but a distinct attr kind to TensorFlow.
    if isinstance(value, (bool, np.bool_)):
        return "b", bool(value)
    if isinstance(value, (int, np.integer)):
        return "i", int(value)
    if isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray):
        return "f", float(value)
    if isinstance(value, str):
        return "s", value.encode("utf-8")
    if isinstance(value, bytes):
        return "s", value
    if isinstance(value, dtypes.DType):
        return "type", value.enum
    if isinstance(value, TensorShape):
        return "shape", shape_to_proto(value)
    if isinstance(value, np.ndarray):
        return "tensor", tensor_to_proto(value)
    return None


def to_proto(value) -> messages.AttrValue | None:
    """``value`` as an ``AttrValue``; None for ``None`` (TensorFlow then uses the default).

    TypeError for a value no ``AttrValue`` field can carry.
    """
    if value is None:
        return None
    if isinstance(value, messages.AttrValue):
        return value
    pb = messages.AttrValue()
    if isinstance(value, (list, tuple)):
        pb.list.SetInParent()  # an empty list is still a list, not an unset value
        for item in value:
            found = _scalar(item)
            if found is None:
                raise TypeError(f"Cannot write a list attr item {item!r} to an AttrValue.")
            field, v = found
            target = getattr(pb.list, field)
            if field in ("shape", "tensor"):
                target.add().CopyFrom(v)
            else:
                target.append(v)
        return pb
    found = _scalar(value)
    if found is None:
        raise TypeError(
            f"Cannot write an attr value of type {type(value).__module__}."
            f"{type(value).__qualname__} to an AttrValue: {value!r}"
        )
    field, v = found
    if field in ("shape", "tensor"):
        getattr(pb, field).CopyFrom(v)
    else:
        setattr(pb, field, v)
    return pb


def _text(raw: bytes, key: str):
    if key in _BYTES_ATTRS:
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _tensor(pb):
    arr = tensor_proto.make_ndarray(pb)
    # Const values are shared by every kernel that reads them: read-only, as when built.
    arr.flags.writeable = False
    return arr


def _type(enum: int):
    return dtypes.as_dtype(enum)


_LIST_FIELDS = ("s", "i", "f", "b", "type", "shape", "tensor", "func")


def from_proto(pb, key: str = ""):
    """The Python value an ``AttrValue`` carries (``key`` is the attr's name).

    ``func`` and ``placeholder`` values come back as the ``AttrValue`` itself.
    """
    kind = pb.WhichOneof("value")
    if kind == "s":
        return _text(pb.s, key)
    if kind in ("i", "f", "b"):
        return getattr(pb, kind)
    if kind == "type":
        return _type(pb.type)
    if kind == "shape":
        return shape_from_proto(pb.shape)
    if kind == "tensor":
        return _tensor(pb.tensor)
    if kind == "list":
        lst = pb.list
        if len(lst.func):
            return pb
        for field in _LIST_FIELDS:
            items = getattr(lst, field)
            if len(items):
                if field == "s":
                    return [_text(v, key) for v in items]
                if field == "type":
                    return [_type(v) for v in items]
                if field == "shape":
                    return [shape_from_proto(v) for v in items]
                if field == "tensor":
                    return [_tensor(v) for v in items]
                return list(items)
        return []
    # func, placeholder, or an unset value: passed through untouched.
    return pb
