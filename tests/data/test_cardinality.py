"""tf.data.experimental.cardinality against TensorFlow's (recorded by
tests/fixtures/tensorflow/record_data_cardinality.py)."""

import json
import pathlib

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.data_cardinality_cases import cases

EXPECTED = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1]
        / "fixtures/tensorflow/data_cardinality/expected.json"
    ).read_text()
)


def test_cardinality_is_tensorflows_for_every_kind_of_dataset(sess):
    counts = {k: tf.data.experimental.cardinality(v) for k, v in cases(tf).items()}
    assert set(counts) == set(EXPECTED["cardinality"])
    got = {k: int(v) for k, v in sess.run(counts).items()}
    assert got == EXPECTED["cardinality"]


def test_the_op_is_tensorflows():
    count = tf.data.experimental.cardinality(tf.data.Dataset.range(3))
    assert count.dtype == tf.int64 and count.shape.as_list() == []
    node = tf.get_default_graph().as_graph_def().node[-1]
    assert {"type": node.op, "name": node.name, "attrs": sorted(node.attr)} == EXPECTED["op"]
    assert (
        tf.data.experimental.INFINITE_CARDINALITY,
        tf.data.experimental.UNKNOWN_CARDINALITY,
    ) == (
        -1,
        -2,
    )


def test_cardinality_of_a_fed_dataset_follows_the_feed(sess):
    n = tf.placeholder(tf.int64, [])
    count = tf.data.experimental.cardinality(tf.data.Dataset.range(n).batch(4))
    assert [int(sess.run(count, {n: k})) for k in (0, 3, 8, 9)] == [0, 1, 2, 3]
    with pytest.raises(tf.errors.InvalidArgumentError):
        sess.run(count)
