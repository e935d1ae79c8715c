"""The Python operators on Tensors and the tf.math namespace."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import math_ops


def test_operator_op_names_and_types():
    x = tf.constant([1.0, 2.0])
    y = tf.constant([3.0, 4.0])
    b = tf.constant([True, False])
    c = tf.constant([True, True])
    expected = [
        (x + y, "add", "AddV2"),
        (x - y, "sub", "Sub"),
        (x * y, "mul", "Mul"),
        (x / y, "truediv", "RealDiv"),
        (x // y, "floordiv", "FloorDiv"),
        (x % y, "mod", "FloorMod"),
        (x**y, "pow", "Pow"),
        (-x, "Neg", "Neg"),
        (abs(x), "Abs", "Abs"),
        (x < y, "Less", "Less"),
        (x <= y, "LessEqual", "LessEqual"),
        (x > y, "Greater", "Greater"),
        (x >= y, "GreaterEqual", "GreaterEqual"),
        (b & c, "and", "LogicalAnd"),
        (b | c, "or", "LogicalOr"),
        (b ^ c, "xor", "LogicalAnd"),
        (~b, "LogicalNot", "LogicalNot"),
    ]
    for t, name, op_type in expected:
        assert (t.op.name, t.op.type) == (name, op_type)
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert {"xor/LogicalOr", "xor/LogicalAnd", "xor/LogicalNot"} <= names


def test_operator_values(sess):
    x = tf.constant([7, -7])
    got = sess.run([x // 2, x % 3, 2 ** abs(x), x**2, -x, abs(x), x < 0, 10 // x, 10 % x])
    assert [np.asarray(v).tolist() for v in got[1:]] == [
        [1, 2],
        [128, 128],
        [49, 49],
        [-7, 7],
        [7, 7],
        [False, True],
        [1, -2],
        [3, -4],
    ]
    assert got[0].tolist() == [3, -4]
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert sess.run(m @ m).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    b = tf.constant([True, False])
    assert sess.run(b ^ True).tolist() == [False, True]


def test_reflected_operators_name_the_converted_operand():
    x = tf.constant([1.0, 2.0])
    p = 2.0**x
    assert (p.op.name, p.op.inputs[0].name) == ("pow", "pow/x:0")
    d = 2.0 // x
    assert d.op.inputs[0].name == "floordiv/x:0"
    less = 2.0 < x  # Python turns this into x > 2.0
    assert (less.op.type, less.op.inputs[1].name) == ("Greater", "Greater/y:0")


def test_operator_dtype_mismatch_is_a_type_error_as_in_tf_compat_v1():
    i = tf.constant([1, 2])
    f = tf.constant([1.0, 2.0])
    with pytest.raises(
        TypeError,
        match="Input 'y' of 'AddV2' Op has type float32 that does not match type int32 of "
        "argument 'x'",
    ):
        i + f
    with pytest.raises(TypeError, match="'FloorDiv' Op has type float32"):
        i // f
    with pytest.raises(TypeError, match="Input 'y' of 'Mul' Op has type float32"):
        i * 1.5  # 1.5 cannot be an int32, so it stays a float32 constant
    with pytest.raises(TypeError):
        _ = i < 1.5
    assert (f + 1).dtype is tf.float32  # a Python int takes the tensor's dtype


def test_equality_operators_compare_identity():
    x = tf.constant(1.0)
    y = tf.constant(1.0)
    assert x == x and x != y
    assert len({x, y}) == 2


def test_unsupported_operands_are_not_implemented():
    with pytest.raises(TypeError):
        tf.constant(1.0) + object()
    with pytest.raises(TypeError):
        _ = tf.constant(1.0) < object()


def test_incompatible_static_shapes_name_the_operator():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2") as e:
        tf.constant([1, 2, 3]) + tf.constant([1, 2])
    assert "'add' (op: 'AddV2')" in str(e.value)


def test_math_namespace():
    assert tf.math.add is tf.add and tf.math.reduce_sum is tf.reduce_sum
    assert tf.math.floormod is tf.mod and tf.math.mod is tf.floormod
    assert tf.math.sigmoid is tf.sigmoid and tf.math.log is tf.log
    assert tf.math.equal is tf.equal and tf.math.argmax is tf.argmax
    for name in tf.math.__all__:
        value = getattr(tf.math, name)
        assert callable(value) or name == "special", name
    assert tf.math.special.bessel_i0 is tf.math.bessel_i0  # a module, as TF's


def test_every_public_name_reaches_the_top_level():
    for name in math_ops.__all__:
        assert getattr(tf, name) is getattr(math_ops, name), name
    for name in ("where", "reduce_mean", "matmul", "cumsum", "clip_by_value", "div", "tanh"):
        assert name in math_ops.__all__


def test_adding_a_python_string_to_a_string_tensor_is_an_add(sess):
    # As TF: the str becomes a string constant and the Add joins them.
    joined = tf.constant("a") + "b"
    assert joined.op.type == "Add" and joined.dtype == tf.string
    assert sess.run(joined) == b"ab"
    assert sess.run(b"x" + tf.constant(["y", "z"])).tolist() == [b"xy", b"xz"]
    with pytest.raises(TypeError, match="has type string that does not match type float32"):
        tf.constant(1.0) + "b"
