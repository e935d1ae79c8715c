"""Static shapes: what graph construction knows about a tensor's dimensions.

A `TensorShape` has unknown rank (``dims is None``) or a list of dimensions, each an
``int`` or ``None`` (unknown). Shape inference merges what it knows; the executor checks
the rest when real values arrive.

    >>> import teachflow as tf
    >>> tf.TensorShape([None, 3]).merge_with([2, None])
    TensorShape([Dimension(2), Dimension(3)])
"""

from __future__ import annotations


class Dimension(int):
    """A known dimension of a `TensorShape` as TF1 hands it out: an ``int`` that also has
    ``.value``, so TF1 programs' ``n_inputs = X.get_shape()[1].value`` runs as written. An
    unknown dimension is ``None`` (where TF1 gives ``Dimension(None)``).

        >>> import teachflow as tf
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> x.get_shape()[1].value, x.get_shape()[1] * 2, x.get_shape()[0] is None
        (3, 6, True)
    """

    __slots__ = ()

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self):
        return f"Dimension({int(self)})"

    def __str__(self):
        return str(int(self))


def dimension_value(dimension):
    """The ``int`` (or None) of a dimension, however it is given: TF's ``dimension_value``.

    >>> dimension_value(Dimension(4)), dimension_value(None)
    (4, None)
    """
    if dimension is None:
        return None
    return int(getattr(dimension, "value", dimension))


def dimension_at_index(shape, index):
    """Dimension ``index`` of ``shape`` (None where unknown, the rank included): TF's
    ``dimension_at_index``, with teachflow's None for TF1's ``Dimension(None)``.

    >>> dimension_at_index(TensorShape([3, None]), 0), dimension_at_index(TensorShape(None), 5)
    (Dimension(3), None)
    """
    if not isinstance(shape, TensorShape):
        raise TypeError(f"shape must be a TensorShape, got {type(shape).__name__}")
    return None if shape.ndims is None else shape[index]


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
        return None if self._dims is None else list(self._dims)

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
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        d = self._dims[key]
        return None if d is None else Dimension(d)

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


def _dim(d):
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
