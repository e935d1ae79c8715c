"""The global step: creation, lookup and checks."""

import numpy as np
import pytest

import teachflow as tf


def test_no_global_step_at_first():
    assert tf.train.get_global_step() is None


def test_create_global_step(sess):
    with tf.name_scope("somewhere"):
        step = tf.train.create_global_step()
    assert step.name == "global_step:0"
    assert step.dtype.base_dtype == tf.int64 and step.shape == tf.TensorShape([])
    assert not step.trainable
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    assert step in tf.global_variables() and step not in tf.trainable_variables()
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == [
        "global_step/Initializer/zeros",
        "global_step",
        "global_step/Assign",
        "global_step/read",
    ]
    sess.run(step.initializer)
    value = sess.run(step)
    assert value == 0 and value.dtype == np.int64
    assert tf.train.global_step(sess, step) == 0
    assert isinstance(tf.train.global_step(sess, step), int)
    with pytest.raises(ValueError, match='"global_step" already exists.'):
        tf.train.create_global_step()


def test_get_or_create_returns_the_same_variable():
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_or_create_global_step() is step
    assert tf.train.get_global_step() is step
    other = tf.Graph()
    assert tf.train.get_global_step(other) is None
    created = tf.train.get_or_create_global_step(other)
    assert created.graph is other and created is not step


def test_a_tensor_named_global_step_is_found():
    v = tf.Variable(0, name="global_step")
    assert tf.train.get_global_step() is v.graph.get_tensor_by_name("global_step:0")


def test_global_step_must_be_an_integer_scalar():
    tf.Variable(0.0, name="global_step")
    with pytest.raises(TypeError, match='Existing "global_step" does not have integer type'):
        tf.train.get_global_step()
    with pytest.raises(TypeError, match='Existing "global_step" is not scalar'):
        tf.train.assert_global_step(tf.constant([1, 2]))
    with pytest.raises(TypeError, match='Existing "global_step" must be a Variable or Tensor'):
        tf.train.assert_global_step(3)


def test_several_global_steps_in_the_collection_give_none():
    tf.add_to_collection(tf.GraphKeys.GLOBAL_STEP, tf.constant(0))
    tf.add_to_collection(tf.GraphKeys.GLOBAL_STEP, tf.constant(1))
    assert tf.train.get_global_step() is None


def test_global_step_increments_with_the_train_op(sess):
    w = tf.Variable(1.0, name="w")
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
    sess.run(tf.global_variables_initializer())
    for expected in range(1, 4):
        sess.run(train)
        assert tf.train.global_step(sess, step) == expected
