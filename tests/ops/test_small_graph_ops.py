"""tf.op_scope / tf.variable_op_scope (TF 0.x spellings), tf.timestamp, tf.guarantee_const
and tf.is_symbolic_tensor, as TF 2.21's tf.compat.v1 (checked side by side)."""

import pytest

import teachflow as tf


def test_op_scope_and_variable_op_scope_are_the_old_spellings():
    x = tf.constant(1.0)
    with tf.op_scope([x], None, "MyOp") as scope:
        y = tf.identity(x)
    assert scope == "MyOp/" and y.name == "MyOp/Identity:0"
    with tf.op_scope([x], "named") as scope:
        assert scope == "named/"
    with tf.variable_op_scope([x], None, "vs") as vs:
        w = tf.get_variable("w", [1])
    assert vs.name == "vs" and w.name == "vs/w:0"


def test_timestamp_reads_the_clock_each_run(sess):
    t = tf.timestamp()
    assert t.dtype == tf.float64 and t.shape.as_list() == [] and t.op.type == "Timestamp"
    first, second = sess.run(t), sess.run(t)
    assert 1.6e9 < first <= second
    x = tf.constant(1.0, tf.float64)
    assert sess.run(tf.gradients(tf.timestamp() * x, [x])[0]) > 1.6e9


def test_guarantee_const_passes_its_value_and_has_no_gradient(sess):
    x = tf.constant([1.0, 2.0])
    g = tf.guarantee_const(x)
    assert g.op.type == "GuaranteeConst" and sess.run(g).tolist() == [1.0, 2.0]
    assert tf.is_symbolic_tensor(g) and not tf.is_symbolic_tensor(1.0)
    with pytest.raises(LookupError, match="GuaranteeConst"):
        tf.gradients(g, [x])
