"""Nested structures of tensors, as ``tf.cond`` and ``tf.while_loop`` see them (TF's nest).

A structure is a tensor (a leaf), or a list, tuple, namedtuple or dict of structures; a
dict's values are visited in sorted key order, as TensorFlow's ``nest`` does.

    >>> from teachflow.ops import control_flow_nest as nest
    >>> nest.flatten({"b": 2, "a": (1, [3])})
    [1, 3, 2]
    >>> nest.pack_sequence_as({"b": 0, "a": (0, [0])}, [10, 30, 20])
    {'b': 20, 'a': (10, [30])}
"""

from __future__ import annotations


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def _children(x) -> list:
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure) -> list:
    """The leaves of ``structure``, depth first."""
    if not _is_sequence(structure):
        return [structure]
    out = []
    for c in _children(structure):
        out.extend(flatten(c))
    return out


def _rebuild(like, children):
    if isinstance(like, dict):
        # Values come in sorted-key order; the dict keeps its own key order, as TF's nest.
        by_key = dict(zip(sorted(like), children))
        return type(like)((k, by_key[k]) for k in like)
    if isinstance(like, tuple) and hasattr(like, "_fields"):
        return type(like)(*children)
    return type(like)(children)


def pack_sequence_as(structure, flat):
    """``flat``'s leaves in the shape of ``structure``."""
    flat = list(flat)
    if len(flat) != len(flatten(structure)):
        raise ValueError(
            f"Could not pack sequence. Structure had {len(flatten(structure))} atoms, but "
            f"flat_sequence had {len(flat)} items."
        )
    it = iter(flat)

    def pack(s):
        if not _is_sequence(s):
            return next(it)
        return _rebuild(s, [pack(c) for c in _children(s)])

    return pack(structure)


def map_structure(fn, structure):
    """``fn`` applied to every leaf, in the same structure."""
    return pack_sequence_as(structure, [fn(x) for x in flatten(structure)])


def assert_same_structure(a, b) -> None:
    """ValueError when ``a`` and ``b`` do not nest the same way (TypeError: other kinds)."""
    if _is_sequence(a) != _is_sequence(b):
        raise ValueError(
            "The two structures don't have the same nested structure.\n\n"
            f"First structure: {a!r}\n\nSecond structure: {b!r}"
        )
    if not _is_sequence(a):
        return
    if type(a) is not type(b) and not (isinstance(a, list) and isinstance(b, list)):
        raise TypeError(
            "The two structures don't have the same nested structure.\n\n"
            f"The two sequences don't have the same sequence type: {type(a).__name__} and "
            f"{type(b).__name__}.\n\nFirst structure: {a!r}\n\nSecond structure: {b!r}"
        )
    ca, cb = _children(a), _children(b)
    if len(ca) != len(cb) or (isinstance(a, dict) and sorted(a) != sorted(b)):
        raise ValueError(
            "The two structures don't have the same nested structure.\n\n"
            f"First structure: {a!r}\n\nSecond structure: {b!r}"
        )
    for x, y in zip(ca, cb):
        assert_same_structure(x, y)
