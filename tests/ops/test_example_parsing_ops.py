"""tf.parse_single_example: dense and variable-length features, defaults, TF's errors."""

import numpy as np
import pytest

import teachflow as tf


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
