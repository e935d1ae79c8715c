"""meshgrid and the broadcast shape helpers against TensorFlow
(tests/fixtures/tensorflow/record_broadcast.py)."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/broadcast/cases.json").read_text()
)


def test_meshgrid_matches_tensorflow():
    grids = {
        "xy": tf.meshgrid([1, 2, 3], [4, 5]),
        "ij": tf.meshgrid([1, 2, 3], [4, 5], indexing="ij"),
        "three": tf.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0]),
    }
    with tf.Session() as sess:
        for key, outs in grids.items():
            expected = RECORD[key]
            assert [o.name for o in outs] == expected["names"]
            assert [o.shape.as_list() for o in outs] == expected["shapes"]
            assert [v.tolist() for v in sess.run(outs)] == expected["values"]


def test_broadcast_shapes_match_tensorflow():
    dynamic = tf.broadcast_dynamic_shape(tf.constant([2, 1]), tf.constant([3]))
    with tf.Session() as sess:
        assert sess.run(dynamic).tolist() == RECORD["dynamic"]["value"]
    assert dynamic.name == RECORD["dynamic"]["name"]
    static = tf.broadcast_static_shape(tf.TensorShape([2, 1, None]), tf.TensorShape([3, 4]))
    assert static.as_list() == RECORD["static"]


def test_incompatible_shapes():
    with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
            sess.run(tf.broadcast_dynamic_shape(tf.constant([2]), tf.constant([3])))
    with pytest.raises(ValueError, match="must be either 'xy' or 'ij'"):
        tf.meshgrid([1], [2], indexing="yx")
