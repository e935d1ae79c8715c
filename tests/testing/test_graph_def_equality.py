"""tf.test.assert_equal_graph_def against TensorFlow's EqualGraphDef messages
(tests/fixtures/tensorflow/record_graph_tools.py)."""

import pytest

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, graph_def_of


@pytest.mark.parametrize("name", sorted(PROGRAMS.EQUAL_GRAPH_DEF))
def test_first_difference_is_tensorflows(name):
    actual, expected = (graph_def_of(source) for source in PROGRAMS.EQUAL_GRAPH_DEF[name])
    want = RECORD["equal_graph_def"][name]
    if want is None:
        tf.test.assert_equal_graph_def(actual, expected)
        return
    with pytest.raises(AssertionError) as e:
        tf.test.assert_equal_graph_def(actual, expected)
    assert str(e.value) == want


@pytest.mark.parametrize("name", ["actual_not_graph", "expected_not_graph"])
def test_only_graph_defs_compare(name):
    args = {"actual_not_graph": (1, tf.GraphDef()), "expected_not_graph": (tf.GraphDef(), "x")}
    with pytest.raises(TypeError) as e:
        tf.test.assert_equal_graph_def(*args[name])
    assert str(e.value) == RECORD["equal_graph_def"][name]["message"]


def test_node_order_and_versions_do_not_matter():
    gd = graph_def_of('tf.add(tf.constant(1.0, name="a"), 2.0, name="s")')
    shuffled = tf.GraphDef()
    shuffled.node.extend(reversed(gd.node))
    tf.test.assert_equal_graph_def(shuffled, gd)


def test_checkpoint_v2_temp_names_are_ignored():
    a, b = tf.GraphDef(), tf.GraphDef()
    for gd, suffix in ((a, "0" * 32), (b, "f" * 32)):
        node = gd.node.add(name="c", op="Const")
        node.attr["value"].tensor.dtype = tf.string.enum
        node.attr["value"].tensor.string_val.append(f"_temp_{suffix}/part".encode())
    with pytest.raises(AssertionError, match="has attr 'value'"):
        tf.test.assert_equal_graph_def(a, b)
    tf.test.assert_equal_graph_def(a, b, checkpoint_v2=True)
