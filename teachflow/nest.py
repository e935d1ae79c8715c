"""``tf.nest``: nested structures — lists, tuples, namedtuples and dicts of leaves — flattened,
rebuilt and mapped as TensorFlow's ``nest`` does (a dict's values in sorted-key order, the
dict rebuilt with its own key order; strings and arrays are leaves).

    >>> import teachflow as tf
    >>> tf.nest.flatten({"b": 2, "a": (1, [3])})
    [1, 3, 2]
    >>> tf.nest.map_structure(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
"""

from __future__ import annotations

from teachflow.ops import control_flow_nest as _nest

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]


def is_nested(seq) -> bool:
    """Whether ``seq`` is a structure (a list, tuple or dict), not a leaf."""
    return _nest._is_sequence(seq)


def flatten(structure, expand_composites=False) -> list:
    """The leaves of ``structure``, depth first (a leaf alone: ``[leaf]``)."""
    return _nest.flatten(structure)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence``'s items in the shape of ``structure`` (ValueError for a count that
    does not match, in TF's words)."""
    flat = list(flat_sequence)
    if not is_nested(structure):
        if len(flat) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == {len(flat)} > 1")
        return flat[0]
    count = len(_nest.flatten(structure))
    if count != len(flat):
        raise ValueError(
            f"Could not pack sequence. Structure had {count} atoms, but flat_sequence had "
            f"{len(flat)} items.  Structure: {structure!r}, flat_sequence: {flat!r}."
        )
    return _nest.pack_sequence_as(structure, flat)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """ValueError when the two do not nest alike (TypeError for other sequence types, unless
    ``check_types`` is False)."""
    if check_types:
        _nest.assert_same_structure(nest1, nest2)
        return
    a, b = _nest.flatten(nest1), _nest.flatten(nest2)
    if len(a) != len(b) or is_nested(nest1) != is_nested(nest2):
        raise ValueError(
            "The two structures don't have the same nested structure.\\n\\n"
            f"First structure: {nest1!r}\\n\\nSecond structure: {nest2!r}"
        )


def map_structure(func, *structure, **kwargs):
    """``func`` applied to the leaves of the structures side by side, in the first's shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError(f"Only valid keyword arguments are `check_types` and "
                         f"`expand_composites`, not: `{', '.join(kwargs)}`")  # fmt: skip
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [_nest.flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)])
