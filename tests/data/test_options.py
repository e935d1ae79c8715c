"""tf.data.Options: TensorFlow's message bytes in an OptionsDataset op, read back merged
(tests/fixtures/tensorflow/record_graph_tools.py)."""

import pytest
from google.protobuf import text_format

import teachflow as tf
from tests.graph_tools_fixture import RECORD


@pytest.mark.parametrize("setup", sorted(RECORD["options_bytes"]))
def test_serialized_options_are_tensorflows(setup):
    o = tf.data.Options()
    exec(setup, {"o": o})
    assert list(o.serialize()) == RECORD["options_bytes"][setup]


def test_options_dataset_node_is_tensorflows():
    o = tf.data.Options()
    o.threading.private_threadpool_size = 2
    tf.data.Dataset.range(3).with_options(o)
    node = [n for n in tf.get_default_graph().as_graph_def().node if n.op == "OptionsDataset"][0]
    assert text_format.MessageToString(node) == RECORD["options_node"]


def test_options_read_back_merged_and_elements_unchanged():
    first, second = tf.data.Options(), tf.data.Options()
    first.threading.private_threadpool_size = 2
    first.deterministic = True
    second.deterministic = False
    ds = tf.data.Dataset.range(3).with_options(first).with_options(second)
    got = ds.options()
    assert (got.deterministic, got.threading.private_threadpool_size) == (False, 2)
    assert got.experimental_deterministic is False and got.experimental_slack is None
    assert tf.data.Dataset.range(2).options() == tf.data.Options()
    next_element = tf.data.make_one_shot_iterator(ds).get_next()
    with tf.Session() as sess:
        assert [sess.run(next_element) for _ in range(3)] == [0, 1, 2]


def test_merge_prefers_what_the_argument_sets():
    a, b = tf.data.Options(), tf.data.Options()
    a.threading.private_threadpool_size, a.deterministic = 2, True
    b.deterministic = False
    assert a.merge(b).deterministic is False and b.merge(a).deterministic is True
    assert a.merge(b).threading.private_threadpool_size == 2


def test_unknown_and_mistyped_options():
    o = tf.data.Options()
    with pytest.raises(AttributeError, match="Cannot set the property foo on Options."):
        o.foo = 1
    with pytest.raises(TypeError, match='Property "deterministic" must be of type'):
        o.deterministic = 1
    with pytest.raises(TypeError, match='Property "private_threadpool_size" must be of type'):
        o.threading.private_threadpool_size = "x"
    t = tf.data.ThreadingOptions()
    o.threading = t
    assert o.threading is t


def test_output_views_and_cardinality_constants():
    ds = tf.data.Dataset.from_tensor_slices(({"a": [1, 2]}, [[1.0], [2.0]]))
    assert tf.data.get_output_types(ds) == ({"a": tf.int32}, tf.float32)
    assert tf.data.get_output_shapes(ds) == ({"a": tf.TensorShape([])}, tf.TensorShape([1]))
    it = tf.data.make_one_shot_iterator(ds)
    assert tf.data.get_output_classes(it) == ({"a": tf.Tensor}, tf.Tensor)
    assert [tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY] == RECORD["cardinality"]
