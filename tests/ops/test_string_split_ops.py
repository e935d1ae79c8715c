"""tf.string_split against TensorFlow's recorded graphs and values; its errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.string_split_ops import tokens

RECORD = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/strings/string_split.json"
    ).read_text()
)


def test_graphs_and_values_are_tensorflows():
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(RECORD["program"], scope)
        assert sorted(f"{op.name}:{op.type}" for op in g.get_operations()) == RECORD["ops"]
        with tf.Session() as sess:
            values = [sess.run(x) for x in scope["outs"]]
    for got, want in zip(values, RECORD["results"]):
        assert got.indices.tolist() == want["indices"]
        assert got.values.tolist() == [v.encode("latin-1") for v in want["values"]]
        assert got.dense_shape.tolist() == want["dense_shape"]


def test_every_delimiter_character_cuts_and_empty_strings_have_no_tokens():
    assert tokens(b"a,b;c", b",;", True) == [b"a", b"b", b"c"]
    assert tokens(b",a,", b",", False) == [b"", b"a", b""]
    assert tokens(b"", b" ", False) == []


def test_a_matrix_of_strings_is_refused_when_built():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2 for"):
            tf.string_split(tf.constant([["a"]]))


def test_a_fed_vector_and_a_static_shape():
    with tf.Graph().as_default(), tf.Session() as sess:
        lines = tf.placeholder(tf.string, [None])
        words = tf.string_split(lines)
        assert words.shape.as_list() == [None, None]
        value = sess.run(words, {lines: np.array([b"to be or", b"not"], dtype=object)})
    assert value.dense_shape.tolist() == [2, 3]
    assert value.values.tolist() == [b"to", b"be", b"or", b"not"]
