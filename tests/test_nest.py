"""tf.nest against TensorFlow 2.21's (values recorded from the same calls on TF)."""

import collections

import numpy as np
import pytest

import teachflow as tf

P = collections.namedtuple("P", ["b", "a"])


def double(x):
    return x * 2 if isinstance(x, int) else x


@pytest.mark.parametrize(
    "structure, flat, doubled, nested",
    [
        (None, [None], None, False),
        ("abc", ["abc"], "abc", False),
        ([1, [2, 3]], [1, 2, 3], [2, [4, 6]], True),
        ((1, {"b": 2, "a": 3}), [1, 3, 2], (2, {"b": 4, "a": 6}), True),
        (P(1, [2]), [1, 2], P(2, [4]), True),
        (collections.OrderedDict([("z", 1), ("a", 2)]), [2, 1], None, True),
        ({"x": (1, 2), "a": [3]}, [3, 1, 2], {"x": (2, 4), "a": [6]}, True),
        ([], [], [], True),
        (((),), [], ((),), True),
    ],
)
def test_flatten_map_and_is_nested_are_tensorflows(structure, flat, doubled, nested):
    assert tf.nest.flatten(structure) == flat
    assert tf.nest.is_nested(structure) is nested
    mapped = tf.nest.map_structure(double, structure)
    if doubled is not None:
        assert mapped == doubled and type(mapped) is type(doubled)
    if isinstance(structure, dict):
        assert list(mapped) == list(structure)  # the dict keeps its own key order


def test_pack_and_errors_are_tensorflows():
    assert tf.nest.pack_sequence_as((1, {"b": 2, "a": 3}), [10, 20, 30]) == (10, {"b": 30, "a": 20})
    od = tf.nest.pack_sequence_as(collections.OrderedDict([("z", 1), ("a", 2)]), [7, 8])
    assert list(od.items()) == [("z", 8), ("a", 7)]
    assert tf.nest.flatten(np.arange(3))[0].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="don't have the same nested structure"):
        tf.nest.assert_same_structure([1, (2, 3)], [1, [2, 3]])
    tf.nest.assert_same_structure([1, (2, 3)], [1, [2, 3]], check_types=False)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.nest.assert_same_structure([1, 2], [1, 2, 3])
    with pytest.raises(
        ValueError,
        match=r"Could not pack sequence. Structure had 2 atoms, but flat_sequence had 1 items.",
    ):
        tf.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.nest.map_structure(lambda x, y: x, [1], [1, 2])
