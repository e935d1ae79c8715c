"""Assign and friends: values stored in variables, and TF's shape checks at run time."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors


def test_assign_stores_value_and_returns_variable(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    out = tf.assign(v, [3.0, 4.0])
    np.testing.assert_array_equal(sess.run(out), np.array([3.0, 4.0], np.float32))
    np.testing.assert_array_equal(sess.run(v), np.array([3.0, 4.0], np.float32))
    assert out.op.type == "Assign" and out.dtype == tf.float32_ref


def test_assign_checks_declared_shape_of_uninitialized_variable(sess):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    # A value of unknown static shape passes graph construction; the kernel checks it.
    p = tf.placeholder(tf.float32)
    with pytest.raises(errors.InvalidArgumentError) as e:
        sess.run(tf.assign(v, p), {p: [1.0, 2.0]})
    assert "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [2]" in (
        e.value.message
    )


def test_assign_without_validate_shape_changes_shape(sess):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    p = tf.placeholder(tf.float32)
    sess.run(v.initializer)
    out = tf.assign(v, p, validate_shape=False)
    np.testing.assert_array_equal(sess.run(out, {p: [5.0, 6.0]}), [5.0, 6.0])


def test_a_python_value_assigned_is_a_constant_named_after_the_argument():
    # TF 2.21 (tf.compat.v1, ref variables): AssignAdd/value, Assign/value, AssignSub/value.
    v = tf.Variable([1.0, 2.0], name="v")
    ops = [tf.assign_add(v, [1.0, 1.0]), tf.assign(v, [2.0, 2.0]), v.assign_sub([3.0, 3.0])]
    assert [op.op.inputs[1].op.name for op in ops] == [
        "AssignAdd/value",
        "Assign/value",
        "AssignSub/value",
    ]
    named = tf.assign_add(v, [1.0, 1.0], name="bump")
    assert named.op.name == "bump" and named.op.inputs[1].op.name == "bump/value"


def test_count_up_to_counts_then_raises_out_of_range_as_tensorflow():
    # Recorded with TF 2.21: values 0, 1 then 2 from the method, 5 for int64, and the error.
    c = tf.Variable(0, name="c")
    d = tf.Variable(5, dtype=tf.int64, name="d")
    a, b, e = tf.count_up_to(c, 2), c.count_up_to(3), d.count_up_to(6)
    assert [x.op.name for x in (a, b, e)] == ["CountUpTo", "CountUpTo_1", "CountUpTo_2"]
    assert (a.dtype, e.dtype) == (tf.int32, tf.int64)
    assert a.op.get_attr("limit") == 2 and a.op.get_attr("T") == tf.int32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert [sess.run(a), sess.run(a), sess.run(b), sess.run(e)] == [0, 1, 2, 5]
        with pytest.raises(tf.errors.OutOfRangeError, match="Reached limit of 2"):
            sess.run(a)


def test_count_up_to_refuses_a_float_counter():
    with pytest.raises(TypeError, match="DataType float32 not in list of allowed values"):
        tf.count_up_to(tf.Variable(0.0), 3)


def test_use_locking_left_unset_is_the_op_default_as_tf():
    # Recorded from TF 2.21 (tf.compat.v1, ref variables): an initializer's and tf.assign's
    # Assign lock (the op's default), Variable.assign passes False, AssignAdd defaults to False.
    tf.reset_default_graph()
    v = tf.Variable(1.0, name="v")
    tf.get_variable("g", [2])
    by_method, by_function, add = v.assign(2.0), tf.assign(v, 3.0), tf.assign_add(v, 1.0)
    graph = tf.get_default_graph()
    got = [
        graph.get_operation_by_name(name).get_attr("use_locking")
        for name in ("v/Assign", "g/Assign", by_method.op.name, by_function.op.name, add.op.name)
    ]
    assert got == [True, True, False, True, False]


def test_assigning_the_wrong_shape_is_tensorflows_value_error():
    v = tf.Variable([1.0, 2.0], name="v")
    with pytest.raises(
        ValueError,
        match=r"^Dimension 0 in both shapes must be equal, but are 2 and 3\. Shapes are \[2\] "
        r"and \[3\]\. for 'Assign' \(op: 'Assign'\) with input shapes: \[2\], \[3\]\.",
    ):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
        v.assign([[1.0, 2.0]])


def test_a_variable_to_proto_names_its_ops_as_tensorflow():
    with tf.name_scope("outer"):
        v = tf.Variable([1.0, 2.0], name="v")
    # TF 2.21 prints these fields for the same variable.
    assert str(v.to_proto()) == (
        'variable_name: "outer/v:0"\ninitializer_name: "outer/v/Assign"\n'
        'snapshot_name: "outer/v/read:0"\ninitial_value_name: "outer/v/initial_value:0"\n'
        "trainable: true\n"
    )
    assert v.to_proto(export_scope="outer").variable_name == "v:0"
    assert v.to_proto(export_scope="elsewhere") is None


def test_assert_variables_initialized_is_tf1s_rank_check(sess):
    tf.Variable([1.0, 2.0], name="v")
    tf.Variable(3.0, name="w")
    check = tf.assert_variables_initialized()
    # TF 2.21's graph: a Rank of each variable's read, stacked.
    ops = tf.get_default_graph().get_operations()[-3:]
    assert [(op.type, op.name, [t.name for t in op.inputs]) for op in ops] == [
        ("Rank", "Rank", ["v/read:0"]),
        ("Rank", "Rank_1", ["w/read:0"]),
        ("Pack", "stack", ["Rank:0", "Rank_1:0"]),
    ]
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value"):
        sess.run(check)
    sess.run(tf.global_variables_initializer())
    assert sess.run(check).tolist() == [1, 0]
    assert tf.no_gradient is tf.NotDifferentiable and callable(tf.init_scope)


def test_a_variable_slice_is_assignable_as_in_tensorflow(sess):
    v = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4), name="v")
    row = v[0].assign([100.0, 101.0, 102.0, 103.0])
    every_other = v[1:, ::2].assign([[7.0, 8.0], [9.0, 10.0]])
    one = v[-1, 1].assign(55.0)
    # TF 2.21's op and names: StridedSliceAssign "strided_slice/_assign" on the ref.
    assert (row.op.type, row.op.name) == ("StridedSliceAssign", "strided_slice/_assign")
    assert [t.name for t in row.op.inputs] == [
        "v:0", "strided_slice/stack:0", "strided_slice/stack_1:0", "strided_slice/stack_2:0",
        "strided_slice/_assign/value:0",
    ]  # fmt: skip
    assert row.dtype == tf.float32._as_ref and row.shape.as_list() == [3, 4]
    sess.run(v.initializer)
    sess.run([row])
    sess.run(every_other)
    assert sess.run(one).tolist() == [
        [100.0, 101.0, 102.0, 103.0],
        [7.0, 5.0, 8.0, 7.0],
        [9.0, 55.0, 10.0, 11.0],
    ]
    sess.run(v[0].assign(5.0))  # broadcast, as TF
    assert sess.run(v)[0].tolist() == [5.0] * 4
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Cannot broadcast input shape \[2\] into final"
    ):
        sess.run(v[0].assign([1.0, 2.0]))
    assert not hasattr(tf.constant([1])[0], "assign")
