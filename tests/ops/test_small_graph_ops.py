"""tf.op_scope / tf.variable_op_scope (TF 0.x spellings), tf.timestamp, tf.guarantee_const
and tf.is_symbolic_tensor, as TF 2.21's tf.compat.v1 (checked side by side)."""

import numpy as np
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


def test_sparse_reductions_of_a_sparse_placeholder(sess):
    # Its rank is known only when fed: TF reduces over range(Rank) (Size of dense_shape).
    sp = tf.sparse_placeholder(tf.float32)
    total = tf.sparse_reduce_sum(sp)
    names = [op.name for op in tf.get_default_graph().get_operations()][-5:]
    assert names == ["Rank", "range/start", "range/delta", "range", "SparseReduceSum"]
    feed = {sp: ([[0, 0], [1, 1]], [1.0, 2.0], [2, 2])}
    got = sess.run([total, tf.sparse_reduce_max(sp), tf.sparse.reduce_sum(sp, keepdims=True)], feed)
    assert got[0] == 3.0 and got[1] == 2.0 and got[2].tolist() == [[3.0]]


def test_add_n_of_one_tensor_is_that_tensor_or_a_named_identity():
    # TF 2.21's compat.v1 (checked side by side).
    c = tf.constant(1.0)
    assert tf.add_n([c]) is c
    named = tf.add_n([c], name="total")
    assert named.name == "total:0" and named.op.type == "Identity"
    with pytest.raises(ValueError, match="Inputs must be an iterable of at least one Tensor"):
        tf.add_n([])


def test_reflected_operators_convert_the_python_operand_to_the_tensors_dtype():
    # TF 2.21's compat.v1 (checked side by side): `1.5 + int_tensor` fails converting 1.5 to
    # int32; a complex never loses its imaginary part silently.
    with pytest.raises(TypeError, match="Expected int32, got 1.5 of type 'float'"):
        _ = 1.5 + tf.constant(1)
    assert (3.0 - tf.constant(1.0)).op.type == "Sub"
    with pytest.raises(TypeError):
        _ = tf.constant(1.0) * 1j
    with pytest.raises(TypeError, match="Expected float32, got 1j of type 'complex'"):
        tf.constant(1j, tf.float32)


def test_a_variable_is_true_as_in_tensorflow():
    # TF's RefVariable defines no __bool__ (a Tensor's raises): `if v:` is True.
    assert bool(tf.Variable(0.0))
    with pytest.raises(TypeError, match="not iterable"):
        iter(tf.Variable([1.0]))


def test_an_integer_out_of_the_dtypes_range_wraps_as_in_tensorflow(sess):
    # TF 2.21's compat.v1 (checked side by side): 300 as uint8 is 44, -1 is 255.
    got = sess.run(
        [
            tf.constant(300, tf.uint8),
            tf.constant(-1, tf.uint8),
            tf.constant([250], tf.uint8) + 300,
            tf.constant(1) + 2**40,
        ]
    )
    assert [np.asarray(v).tolist() for v in got] == [44, 255, [38], 1]


def test_py_func_string_results_are_bytes_as_in_tensorflow(sess):
    # TF 2.21 (checked side by side): a str (or a numpy unicode array) comes back as bytes.
    a = tf.py_func(lambda: np.array(["ab", "c"]), [], tf.string)
    b = tf.py_func(lambda: "xy", [], tf.string)
    got_a, got_b = sess.run([a, b])
    assert got_a.dtype == object and got_a.tolist() == [b"ab", b"c"] and got_b == b"xy"
