"""What graph construction knows about values: constant_value and constant_value_as_shape."""

import numpy as np

import teachflow as tf
from teachflow.ops.static_value import constant_value, constant_value_as_shape


def test_constants_and_shape_queries():
    assert constant_value(tf.constant([1, 2])).tolist() == [1, 2]
    known = tf.placeholder(tf.float32, [2, 3])
    assert constant_value(tf.size(tf.placeholder(tf.float32, [2, 3]))) == 6
    assert constant_value(tf.rank(known)) == 2
    partial = tf.placeholder(tf.float32, [None, 3])
    assert constant_value(tf.shape(partial)) is None
    assert constant_value(tf.placeholder(tf.int32, [])) is None


def test_small_subgraphs_are_folded():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = tf.shape(x)
    assert constant_value(s[1]) == 3
    assert constant_value(s[1] * s[2]) == 12
    assert constant_value(s[0]) is None
    assert constant_value(tf.stack([s[1], 2])).tolist() == [3, 2]
    assert constant_value(tf.reshape(tf.range(6), [2, 3])).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_unpack_outputs_fold_by_index():
    a, b = tf.unstack(tf.constant([[1, 2], [3, 4]]))
    assert constant_value(b).tolist() == [3, 4]


def test_partial_shapes():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = tf.shape(x)
    t = tf.placeholder(tf.int32, [])
    assert constant_value_as_shape(s).as_list() == [None, 3, 4]
    assert constant_value_as_shape(tf.stack([t, 5, -1])).as_list() == [None, 5, None]
    assert constant_value_as_shape(tf.concat([s[:1], [12]], 0)).as_list() == [None, 12]
    assert constant_value_as_shape(s[1:]).as_list() == [3, 4]
    assert constant_value_as_shape(tf.placeholder(tf.int32, [2])).as_list() == [None, None]
    assert constant_value_as_shape(tf.placeholder(tf.int32)).ndims is None
    assert constant_value_as_shape(tf.constant(np.array([2, -1]))).as_list() == [2, None]


def test_stateful_and_fed_values_are_not_folded():
    p = tf.placeholder_with_default(3, [])
    assert constant_value(p + 0) is None
    v = tf.Variable([1, 2])
    assert constant_value(tf.identity(v)) is None
