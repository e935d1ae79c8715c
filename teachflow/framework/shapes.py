"""Static shapes: what graph construction knows about a tensor's dimensions.

A `TensorShape` has unknown rank (``dims is None``) or a list of dimensions. Reading one
(``shape[i]``, iterating, ``shape.dims``) gives TF1's `Dimension` objects, an unknown one
being ``Dimension(None)``; ``as_list()`` gives plain ``int``s and ``None``. Shape inference
merges what it knows; the executor checks the rest when real values arrive.

    >>> import teachflow as tf
    >>> tf.TensorShape([None, 3]).merge_with([2, None])
    TensorShape([Dimension(2), Dimension(3)])

Inside teachflow, code reads a dimension as a plain ``int`` or ``None`` with
``dimension_value(shape[i])`` and a whole shape with ``shape.as_list()`` (TF's own idioms),
never by testing ``shape[i] is None``.
"""

from __future__ import annotations

import numbers
import operator


def _is_unknown(other) -> bool:
    return other is None or other.__class__ is _UnknownDimension


class _DimensionType(type):
    # ``isinstance(Dimension(None), Dimension)`` holds as in TF, though a known dimension is
    # an int and the unknown one cannot be.
    def __instancecheck__(cls, obj):
        return obj.__class__ is _UnknownDimension or type.__instancecheck__(cls, obj)


class Dimension(int, metaclass=_DimensionType):
    """One dimension of a `TensorShape` as TF1 hands it out.

    A known dimension is an ``int`` that also has ``.value`` (so TF1 programs'
    ``n_inputs = X.get_shape()[1].value`` run as written, and it goes wherever an int goes);
    ``+ - * // %`` with ints or dimensions give a `Dimension`. An unknown dimension is
    ``Dimension(None)``: ``.value`` is None, it prints ``?``, comparing it gives None, and
    arithmetic with it gives ``Dimension(None)`` — TF1's rules.

        >>> import teachflow as tf
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> x.get_shape()[1].value, x.get_shape()[1] * 2, x.get_shape()[0].value
        (3, Dimension(6), None)
        >>> x.shape[0], str(x.shape[0]), x.shape[0] == None, x.shape[0] * 2
        (Dimension(None), '?', None, Dimension(None))
    """

    __slots__ = ()

    def __new__(cls, value):
        if _is_unknown(value):
            return _UNKNOWN
        if isinstance(value, Dimension):
            return value
        try:
            n = operator.index(value)
        except TypeError:
            raise TypeError(
                "Dimension value must be integer or None or have an __index__ method, got "
                f"value '{value!r}' with type '{type(value)}'"
            ) from None
        if n < 0:
            raise ValueError(f"Dimension {n} must be >= 0")
        return int.__new__(cls, n)

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self):
        return f"Dimension({int(self)})"

    def __str__(self):
        return str(int(self))

    def __reduce__(self):
        return Dimension, (int(self),)

    # -- comparing: with an unknown dimension (or None) the answer is unknown: None ------
    def __eq__(self, other):
        return None if _is_unknown(other) else _compared(int.__eq__, self, other)

    def __ne__(self, other):
        return None if _is_unknown(other) else _compared(int.__ne__, self, other)

    def __lt__(self, other):
        return None if _is_unknown(other) else _compared(int.__lt__, self, other)

    def __le__(self, other):
        return None if _is_unknown(other) else _compared(int.__le__, self, other)

    def __gt__(self, other):
        return None if _is_unknown(other) else _compared(int.__gt__, self, other)

    def __ge__(self, other):
        return None if _is_unknown(other) else _compared(int.__ge__, self, other)

    __hash__ = int.__hash__

    # -- arithmetic: a Dimension from dimensions and ints, unknown if either is ----------
    def __add__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__add__(self, other))

    def __radd__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__radd__(self, other))

    def __sub__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__sub__(self, other))

    def __rsub__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__rsub__(self, other))

    def __mul__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__mul__(self, other))

    def __rmul__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__rmul__(self, other))

    def __floordiv__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__floordiv__(self, other))

    def __rfloordiv__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__rfloordiv__(self, other))

    def __mod__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__mod__(self, other))

    def __rmod__(self, other):
        return _UNKNOWN if _is_unknown(other) else _known(int.__rmod__(self, other))

    # -- TF's Dimension methods ----------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        other = Dimension(other)
        return other.value is None or int(self) == other.value

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {Dimension(other)} are not compatible")

    def merge_with(self, other) -> Dimension:
        self.assert_is_compatible_with(other)
        return self


def _compared(compare, dimension, other):
    # A numpy integer compares as the int it is (a bool, as TF gives), not as numpy would.
    answer = compare(dimension, other)
    if answer is NotImplemented and isinstance(other, numbers.Integral):
        return compare(dimension, int(other))
    return answer


def _known(n):
    # A known dimension from int arithmetic; a negative result (TF raises ValueError) or a
    # non-int one (a float, a numpy value, a tensor) stays what int arithmetic gave.
    if n.__class__ is int and n >= 0:
        return int.__new__(Dimension, n)
    return n


class _UnknownDimension:
    """``Dimension(None)``, the unknown dimension (one object): see `Dimension`."""

    __slots__ = ()

    value = None

    def __repr__(self):
        return "Dimension(None)"

    def __str__(self):
        return "?"

    def __reduce__(self):
        return Dimension, (None,)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __bool__(self):
        return False

    def __int__(self):
        return None  # so int(Dimension(None)) raises TypeError, as in TF

    def __index__(self):
        return None  # so numpy, range() and list indexing refuse it with TypeError, as in TF

    __hash__ = None  # TF's dimensions are unhashable

    def _with(self, other, answer):
        # TF's rule: against anything a dimension can be made from, the answer is unknown.
        if other is None or isinstance(other, (numbers.Integral, Dimension)):
            return answer
        return NotImplemented

    def __eq__(self, other):
        return self._with(other, None)

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __add__(self, other):
        return self._with(other, self)

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __add__
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __add__

    def is_compatible_with(self, other) -> bool:
        Dimension(other)
        return True

    def assert_is_compatible_with(self, other) -> None:
        Dimension(other)

    def merge_with(self, other):
        return Dimension(other)


# Named as TF names it, so messages read "unsupported operand type(s) for /: 'Dimension'...".
_UnknownDimension.__name__ = _UnknownDimension.__qualname__ = "Dimension"
_UNKNOWN = object.__new__(_UnknownDimension)


def dimension_value(dimension):
    """The ``int`` (or None) of a dimension, however it is given: TF's ``dimension_value``.

    >>> dimension_value(Dimension(4)), dimension_value(Dimension(None)), dimension_value(None)
    (4, None, None)
    """
    if dimension is None or dimension.__class__ is _UnknownDimension:
        return None
    if dimension.__class__ is int:
        return dimension
    return int(getattr(dimension, "value", dimension))


def dimension_at_index(shape, index):
    """Dimension ``index`` of ``shape``, ``Dimension(None)`` where unknown (the rank included):
    TF's ``dimension_at_index``.

    >>> dimension_at_index(TensorShape([3, None]), 0), dimension_at_index(TensorShape(None), 5)
    (Dimension(3), Dimension(None))
    """
    if not isinstance(shape, TensorShape):
        raise TypeError(f"shape must be a TensorShape, got {type(shape).__name__}")
    return _UNKNOWN if shape.ndims is None else shape[index]


def _as_dimension(d):
    # A stored dimension (int or None) as TF1 hands it out.
    return _UNKNOWN if d is None else int.__new__(Dimension, d)


class TensorShape:
    __slots__ = ("_dims",)

    def __init__(self, dims):
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, int):
            self._dims = (_dim(dims),)
        else:
            self._dims = tuple(_dim(d) for d in dims)

    # -- queries -------------------------------------------------------------------------
    @property
    def dims(self):
        """The dimensions as `Dimension` objects (TF1's), None where the rank is unknown."""
        return None if self._dims is None else [_as_dimension(d) for d in self._dims]

    @property
    def ndims(self):
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return (_as_dimension(d) for d in self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return _unknown_rank_item(key)
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return _as_dimension(self._dims[key])

    def __bool__(self):
        return self._dims is not None

    # -- combining -----------------------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other) -> TensorShape:
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def concatenate(self, other) -> TensorShape:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank: int) -> TensorShape:
        if self._dims is None:
            return TensorShape([None] * rank)
        if len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def assert_has_rank(self, rank: int) -> None:
        """ValueError unless the rank is unknown or ``rank``."""
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    # -- printing and comparing ----------------------------------------------------------
    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __repr__(self):
        # TF1's (TF 1.x, or tf.compat.v1 after disable_v2_behavior()), as str() below.
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape([{', '.join(f'Dimension({d})' for d in self._dims)}])"

    def __str__(self):
        # TF1's text (TF 1.x, or tf.compat.v1 after disable_v2_behavior()): an unknown
        # dimension prints "?", so print(X) shows shape=(?, 3) as the books do.
        if self._dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in self._dims)
        return f"({inner},)" if len(self._dims) == 1 else f"({inner})"


def _unknown_rank_item(key):
    # TF's: an item of an unknown-rank shape is Dimension(None); a slice with known
    # non-negative bounds has that rank, any other slice an unknown one.
    if not isinstance(key, slice):
        return _UNKNOWN
    start, stop, step = key.start, key.stop, key.step
    if stop is not None and stop >= 0 and (start is None or start >= 0) and step in (None, 1):
        return TensorShape([None] * max(stop - (start or 0), 0))
    return TensorShape(None)


def _dim(d):
    if d.__class__ is int and d >= 0:
        return d
    if d is None:
        return None
    if hasattr(d, "value") and not isinstance(d, int):  # a Dimension-like object
        d = d.value
        if d is None:
            return None
    d = int(d)
    if d < 0:
        if d == -1:
            return None
        raise ValueError(f"Dimension {d} must be >= 0")
    return d


def as_shape(shape) -> TensorShape:
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank=None) -> TensorShape:
    return TensorShape(None if rank is None else [None] * rank)


def scalar() -> TensorShape:
    return TensorShape(())


def broadcast_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    """Static broadcast of two shapes, NumPy/TensorFlow rules; raises ValueError."""
    if a._dims is None or b._dims is None:
        return TensorShape(None)
    x, y = a._dims, b._dims
    n = max(len(x), len(y))
    x = (1,) * (n - len(x)) + x
    y = (1,) * (n - len(y)) + y
    out = []
    for dx, dy in zip(x, y):
        if dx == 1:
            out.append(dy)
        elif dy == 1:
            out.append(dx)
        elif dx is None or dy is None:
            out.append(dx if dy is None else dy)
        elif dx == dy:
            out.append(dx)
        else:
            raise ValueError(f"Dimensions must be equal, but are {dx} and {dy}")
    return TensorShape(out)
