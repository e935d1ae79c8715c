"""Nests of tuples and dicts: flatten and pack, as TensorFlow's nest does."""

from hypothesis import given
from hypothesis import strategies as st

from teachflow.data import structure

leaves = st.integers()
nests = st.recursive(
    leaves,
    lambda children: (
        st.tuples(children, children)
        | st.dictionaries(st.sampled_from("abcd"), children, min_size=1, max_size=3)
    ),
    max_leaves=8,
)


@given(nests)
def test_pack_undoes_flatten(nest):
    assert structure.pack_as(nest, structure.flatten(nest)) == nest


def test_dicts_flatten_by_sorted_key_and_lists_are_leaves():
    assert structure.flatten({"b": 1, "a": (2, 3)}) == [2, 3, 1]
    assert structure.flatten(([1, 2], 3)) == [[1, 2], 3]
    assert structure.same_structure({"a": (1, 2)}, {"a": (3, 4)})
    assert not structure.same_structure((1, 2), (1, (2, 3)))
