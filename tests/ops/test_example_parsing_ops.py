"""tf.parse_single_example and tf.parse_example: dense, variable-length and sequence
features, defaults, TF's graph and errors (tf.parse_example's recorded from TensorFlow by
tests/fixtures/tensorflow/record_example_parsing.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDED = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/example_parsing/cases.json"
    ).read_text()
)


def _example(**features):
    def feature(v):
        if isinstance(v[0], bytes):
            return tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
        if isinstance(v[0], float):
            return tf.train.Feature(float_list=tf.train.FloatList(value=v))
        return tf.train.Feature(int64_list=tf.train.Int64List(value=v))

    return tf.train.Example(
        features=tf.train.Features(feature={k: feature(v) for k, v in features.items()})
    ).SerializeToString()


def test_dense_features_with_shapes_and_defaults(sess):
    parsed = tf.parse_single_example(
        _example(label=[3], point=[1.0, 2.0, 3.0, 4.0], name=[b"x"]),
        {
            "label": tf.FixedLenFeature([], tf.int64),
            "point": tf.FixedLenFeature([2, 2], tf.float32),
            "name": tf.FixedLenFeature([], tf.string),
            "weight": tf.FixedLenFeature([1], tf.float32, default_value=[0.5]),
        },
    )
    assert parsed["label"].op.type == "ParseSingleExample"
    assert parsed["point"].shape == [2, 2] and parsed["point"].dtype == tf.float32
    got = sess.run(parsed)
    assert got["label"] == 3 and got["label"].dtype == np.int64 and got["name"] == b"x"
    np.testing.assert_array_equal(got["point"], [[1.0, 2.0], [3.0, 4.0]])
    assert got["weight"].tolist() == [0.5]


def test_var_len_feature_is_a_sparse_tensor(sess):
    parsed = tf.parse_single_example(
        _example(tags=[4, 5, 6]),
        {"tags": tf.VarLenFeature(tf.int64), "none": tf.VarLenFeature(tf.string)},
    )
    tags = parsed["tags"]
    assert isinstance(tags, tf.SparseTensor) and tags.dtype == tf.int64
    value = sess.run(tags)
    assert isinstance(value, tf.SparseTensorValue)
    assert value.indices.tolist() == [[0], [1], [2]] and value.values.tolist() == [4, 5, 6]
    assert value.dense_shape.tolist() == [3]
    assert sess.run(parsed["none"]).values.shape == (0,)
    assert sess.run(tf.sparse.to_dense(tags)).tolist() == [4, 5, 6]


def test_errors_name_the_feature(sess):
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Feature: a \(data type: int64\) is required"
    ):
        sess.run(tf.parse_single_example(_example(b=[1]), {"a": tf.FixedLenFeature([], tf.int64)}))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
        sess.run(
            tf.parse_single_example(_example(a=[1]), {"a": tf.FixedLenFeature([], tf.float32)})
        )
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Values size: 2 but output shape: \\[3\\]"
    ):
        sess.run(
            tf.parse_single_example(_example(a=[1, 2]), {"a": tf.FixedLenFeature([3], tf.int64)})
        )


def _features(specs):
    def build(kind, *args):
        if kind == "VarLen":
            return tf.VarLenFeature(args[0])
        if kind == "FixedLen":
            return tf.FixedLenFeature(args[0], args[1], default_value=args[2])
        return tf.io.FixedLenSequenceFeature(
            args[0], args[1], allow_missing=True, default_value=args[2]
        )

    return {key: build(*spec) for key, spec in specs.items()}


def _parse(case):
    serialized = case["serialized"]
    if isinstance(serialized, str):
        serialized = bytes.fromhex(serialized)
    else:
        serialized = tf.constant([bytes.fromhex(s) for s in serialized], dtype=tf.string)
    return tf.parse_example(serialized, _features(case["features"]), **case["kwargs"])


def _assert_recorded(got, want):
    got = np.asarray(got)
    assert list(got.shape) == want["shape"]
    if got.dtype == object:
        assert [v.decode() for v in got.reshape(-1)] == want["values"]
    else:
        np.testing.assert_array_equal(got.reshape(-1), want["values"])


@pytest.mark.parametrize("name", sorted(RECORDED["cases"]))
def test_parse_example_builds_and_answers_as_tensorflow(name):
    case = RECORDED["cases"][name]
    with tf.Graph().as_default() as g:
        parsed = _parse(case)
        op = next(op for op in g.get_operations() if op.type == "ParseExampleV2")
        want_op = next(o for o in case["ops"] if o["type"] == "ParseExampleV2")
        assert op.name == want_op["name"]
        assert [t.name for t in op.inputs] == want_op["inputs"]
        # TF's reshape of a padding value adds a second, unused shape Const; the rest match.
        assert {o.name for o in g.get_operations() if o.type != "Const"} == {
            o["name"] for o in case["ops"] if o["type"] != "Const"
        }
        assert op.get_attr("num_sparse") == case["attrs"]["num_sparse"]
        assert [t.name for t in op.get_attr("sparse_types")] == case["attrs"]["sparse_types"]
        assert [t.name for t in op.get_attr("Tdense")] == case["attrs"]["Tdense"]
        dense_shapes = [tf.TensorShape(s).as_list() for s in op.get_attr("dense_shapes")]
        assert dense_shapes == case["attrs"]["dense_shapes"]
        outputs = [
            {"name": t.name, "dtype": t.dtype.name, "shape": t.shape.as_list()} for t in op.outputs
        ]
        assert outputs == case["outputs"]
        with tf.Session() as sess:
            got = sess.run(parsed)
    assert set(got) == set(case["values"])
    for key, want in case["values"].items():
        if isinstance(got[key], tf.SparseTensorValue):
            for part in ("indices", "values", "dense_shape"):
                _assert_recorded(getattr(got[key], part), want[part])
        else:
            _assert_recorded(got[key], want)


@pytest.mark.parametrize("name", sorted(RECORDED["errors"]))
def test_parse_example_errors_name_the_example_and_its_index(name):
    case = RECORDED["errors"][name]
    with tf.Graph().as_default():
        parsed = _parse(case)
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(parsed)
    assert case["message"] in info.value.message


def test_parse_example_refuses_what_tensorflow_refuses_when_building():
    with pytest.raises(ValueError, match="features` cannot be None or falsy"):
        tf.parse_example([b""], {})
    with pytest.raises(ValueError, match="requires allow_missing to be True"):
        tf.parse_example([b""], {"a": tf.FixedLenSequenceFeature([2], tf.int64)})
    with pytest.raises(ValueError, match="Missing shape for feature a"):
        tf.parse_example([b""], {"a": tf.FixedLenFeature(None, tf.int64)})
    with pytest.raises(ValueError, match="Shape must be at most rank 1 but is rank 2"):
        tf.parse_example([[b""]], {"a": tf.VarLenFeature(tf.int64)})


def test_parse_example_of_a_fed_batch_is_a_batch_of_unknown_size(sess):
    serialized = tf.placeholder(tf.string, [None])
    parsed = tf.io.parse_example(
        serialized, {"label": tf.FixedLenFeature([], tf.int64), "tags": tf.VarLenFeature(tf.int64)}
    )
    assert parsed["label"].shape.as_list() == [None]
    got = sess.run(parsed, {serialized: [_example(label=[1]), _example(label=[2], tags=[5, 6])]})
    assert got["label"].tolist() == [1, 2]
    assert got["tags"].indices.tolist() == [[1, 0], [1, 1]]
    assert got["tags"].dense_shape.tolist() == [2, 2]
