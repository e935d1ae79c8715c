"""``tf.io.serialize_tensor`` / ``parse_tensor``: TensorFlow's bytes (a TensorProto with
``tensor_content`` for numbers, ``string_val`` for strings), the round trip, the kernel's
errors and the graph, recorded from TensorFlow 2.21 by
tests/fixtures/tensorflow/record_serialize_tensor.py."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDED = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/serialize_tensor/cases.json"
    ).read_text()
)

VALUES = {
    "float_scalar": (np.float32(1.5), "float32"),
    "int32_matrix": (np.arange(6, dtype=np.int32).reshape(2, 3), "int32"),
    "int64_vector": (np.array([-1, 2**40], np.int64), "int64"),
    "bool_vector": (np.array([True, False, True]), "bool"),
    "float64_empty": (np.zeros([0, 2], np.float64), "float64"),
    "half_vector": (np.array([0.5, -2.0], np.float16), "float16"),
    "uint8_scalar": (np.uint8(7), "uint8"),
    "string_vector": (np.array([b"ab", b"", b"\xff"], dtype=object), "string"),
    "string_scalar": (np.array(b"hello", dtype=object), "string"),
}


@pytest.mark.parametrize("case", sorted(VALUES))
def test_bytes_and_round_trip_follow_tensorflow(case):
    value, dtype = VALUES[case]
    recorded = RECORDED["cases"][case]
    with tf.Graph().as_default(), tf.Session() as sess:
        s = tf.io.serialize_tensor(tf.constant(value, dtype=dtype))
        back = tf.io.parse_tensor(s, out_type=dtype)
        assert back.shape.rank is None and back.dtype == tf.as_dtype(dtype)
        raw, parsed = sess.run([s, back])
    assert raw.hex() == recorded["serialized_hex"]
    assert list(np.shape(parsed)) == recorded["parsed_shape"]
    if dtype == "string":
        flat = np.asarray(parsed, dtype=object).reshape(-1)
        assert [v.hex() for v in flat] == recorded["parsed"]
    else:
        assert parsed.dtype == np.dtype(tf.as_dtype(dtype).as_numpy_dtype)
        assert parsed.tolist() == recorded["parsed"]


def test_tensorflows_bytes_parse_here():
    raw = bytes.fromhex(RECORDED["cases"]["int32_matrix"]["serialized_hex"])
    with tf.Session() as sess:
        got = sess.run(tf.io.parse_tensor(raw, tf.int32))
    assert got.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_errors_follow_tensorflow():
    with tf.Session() as sess:
        s = tf.io.serialize_tensor(tf.constant([1.0, 2.0]))
        fetches = {
            "type_mismatch": tf.io.parse_tensor(s, tf.int32),
            "not_a_proto": tf.io.parse_tensor(tf.constant(b"\xff\xff\xff"), tf.float32),
            "not_a_scalar": tf.io.parse_tensor(tf.stack([s, s]), tf.float32),
        }
        for key, fetch in fetches.items():
            kind, message = RECORDED["errors"][key]
            with pytest.raises(getattr(tf.errors, kind)) as raised:
                sess.run(fetch)
            assert message in raised.value.message


def test_graph_follows_tensorflow():
    g = tf.Graph()
    with g.as_default():
        s = tf.io.serialize_tensor(tf.constant([1.0]), name="ser")
        tf.io.parse_tensor(s, tf.float32, name="par")
        tf.serialize_tensor(tf.constant(1))
    nodes = [
        [n.name, n.op, list(n.input), sorted(n.attr.keys()) if n.op != "Const" else []]
        for n in g.as_graph_def().node
    ]
    assert nodes == RECORDED["graph"]


def test_not_differentiable():
    x = tf.constant([1.0])
    assert tf.gradients(tf.io.parse_tensor(tf.io.serialize_tensor(x), tf.float32), x) == [None]
