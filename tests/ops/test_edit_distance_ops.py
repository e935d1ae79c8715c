"""tf.edit_distance (EditDistance) and tf.sparse_placeholder against TensorFlow's values,
names and errors (tests/fixtures/tensorflow/record_edit_distance.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.edit_distance_ops import levenshtein

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/edit_distance/cases.json").read_text()
)


@pytest.fixture(scope="module")
def graph():
    with tf.Graph().as_default() as g:
        hypothesis = tf.sparse_placeholder(tf.int64, name="hypothesis")
        truth = tf.sparse_placeholder(tf.int64, name="truth")
        outs = {n: tf.edit_distance(hypothesis, truth, normalize=n) for n in (True, False)}
    # Not the default graph nor session: each test resets the default graph.
    sess = tf.Session(graph=g)
    yield sess, hypothesis, truth, outs
    sess.close()


def test_names_match_tensorflow(graph):
    _, _, truth, outs = graph
    assert {str(n): out.name for n, out in outs.items()} == RECORD["names"]
    assert [t.name for t in (truth.indices, truth.values, truth.dense_shape)] == RECORD[
        "placeholders"
    ]
    assert outs[True].op.type == "EditDistance" and outs[True].dtype == tf.float32


@pytest.mark.parametrize("case", RECORD["cases"], ids=range(len(RECORD["cases"])))
def test_values_and_errors_match_tensorflow(graph, case):
    sess, hypothesis, truth, outs = graph
    feed = {hypothesis: tf.SparseTensorValue(*case["hypothesis"]), truth: tuple(case["truth"])}
    for normalize, out in outs.items():
        if "error" in case:
            kind, message = case["error"]
            with pytest.raises(getattr(tf.errors, kind)) as raised:
                sess.run(out, feed)
            assert message in str(raised.value)
            continue
        got = sess.run(out, feed)
        assert list(got.shape) == case["shape"]
        assert got.ravel().tolist() == [float(v) for v in case[str(normalize)]]


def test_constant_shapes_give_a_static_shape_and_words_at_build_time():
    tf.reset_default_graph()
    h = tf.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], (2, 1, 1))
    t = tf.SparseTensor([[0, 1, 0], [1, 0, 0]], ["a", "b"], (2, 2, 2))
    assert tf.edit_distance(h, t).shape == [2, 2]
    with pytest.raises(ValueError, match="hypothesis_shape does not match truth_shape: 2 vs. 3"):
        tf.edit_distance(tf.SparseTensor([[0, 0]], ["a"], [1, 1]), t)
    with pytest.raises(TypeError, match="Hypothesis must be a SparseTensor"):
        tf.edit_distance([1], t)
    with pytest.raises(TypeError, match="'truth_values' of 'EditDistance' Op has type int32"):
        tf.edit_distance(
            tf.SparseTensor([[0, 0]], [1.0], [1, 1]), tf.SparseTensor([[0, 0]], [1], [1, 1])
        )


def test_strings_compare_whole_elements():
    tf.reset_default_graph()
    words = tf.SparseTensor([[0, 0], [0, 1]], ["main", "st"], [1, 2])
    other = tf.SparseTensor([[0, 0], [0, 1]], ["main", "ave"], [1, 2])
    with tf.Session() as sess:
        assert sess.run(tf.edit_distance(words, other)).tolist() == [0.5]


@pytest.mark.parametrize(
    "a, b, d", [("kitten", "sitting", 3), ("", "abc", 3), ("flaw", "lawn", 2), ("same", "same", 0)]
)
def test_levenshtein(a, b, d):
    assert levenshtein(a, b) == d == levenshtein(b, a)


def test_sparse_placeholder_of_a_known_shape_feeds_only_indices_and_values():
    tf.reset_default_graph()
    sp = tf.sparse_placeholder(tf.float32, shape=[2, 3], name="sp")
    # TF 2.21: a feedable default, <name>/shape over the Const <name>/shape_default.
    assert sp.dense_shape.op.type == "PlaceholderWithDefault"
    assert sp.dense_shape.op.inputs[0].op.name == "sp/shape_default"
    assert sp.shape.as_list() == [2, 3]
    with tf.Session() as sess:
        dense = sess.run(tf.sparse_tensor_to_dense(sp), {sp: ([[1, 2]], [4.0], [2, 3])})
    np.testing.assert_array_equal(dense, [[0, 0, 0], [0, 0, 4]])
