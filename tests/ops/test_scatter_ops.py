"""Scatter ops on ref variables against TensorFlow (tests/fixtures/tensorflow/record_scatter.py):
values, op types and names, a read under control_dependencies seeing the update, errors."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/scatter/cases.json").read_text()
)


@pytest.mark.parametrize(
    "case", RECORD["cases"], ids=[f"{c['fn']}-{c['indices']}" for c in RECORD["cases"]]
)
def test_matches_tensorflow(case):
    v = tf.Variable(RECORD[case["which"]])
    fn = getattr(tf, case["fn"])
    with tf.control_dependencies([fn(v, case["indices"], case["updates"])]):
        after = v + 0.0
    out = fn(v, case["indices"], case["updates"], name="again")
    assert (out.op.type, out.name, out.dtype.name) == (case["type"], case["name"], case["dtype"])
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(after).tolist() == case["seen_after"]
        sess.run(v.initializer)
        assert sess.run(out).tolist() == case["value"]


def test_an_index_out_of_range_fails_with_tensorflows_words():
    v = tf.Variable(RECORD["vector"])
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match="ScatterUpdate") as info:
            sess.run(tf.scatter_update(v, [7], [1.0]))
    assert RECORD["out_of_range"] in str(info.value)


def test_static_shape_and_ref_checks():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        tf.scatter_add(v, [0, 1], [1.0])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 2 and 1"):
        tf.scatter_update(v, [0], [[1.0]])
    with pytest.raises(TypeError, match="requires that input 'ref' be a mutable tensor"):
        tf.scatter_update(tf.constant([1.0]), [0], [2.0])
