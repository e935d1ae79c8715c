"""Arithmetic ops: values against numpy, dtypes, TensorFlow's errors, and gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from tests.ops.finite_differences import check_gradients

SHAPE_PAIRS = [((), ()), ((3,), ()), ((2, 3), (3,)), ((2, 1), (1, 4)), ((4,), (4,))]
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.int8, np.uint8, np.float16]


def _values(shape, dtype, rng, nonzero=False):
    if np.issubdtype(dtype, np.floating):
        v = rng.uniform(-3, 3, size=shape)
        if nonzero:
            v = np.where(np.abs(v) < 0.5, 1.5, v)
    else:
        low = 1 if np.issubdtype(dtype, np.unsignedinteger) else -5
        v = rng.integers(low, 6, size=shape)
        if nonzero:
            v = np.where(v == 0, 2, v)
    return np.asarray(v).astype(dtype)


def _run_binary(sess, fn, a, b):
    t = fn(tf.constant(a), tf.constant(b))
    out = sess.run(t)
    assert np.asarray(out).dtype == t.dtype.as_numpy_dtype
    assert t.shape == np.shape(out)
    return out


@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "fn,ref",
    [
        (tf.add, np.add),
        (tf.subtract, np.subtract),
        (tf.multiply, np.multiply),
        (tf.maximum, np.maximum),
        (tf.minimum, np.minimum),
    ],
)
def test_broadcasting_arithmetic_matches_numpy(sess, fn, ref, dtype, sa, sb):
    rng = np.random.default_rng(1)
    a, b = _values(sa, dtype, rng), _values(sb, dtype, rng)
    out = _run_binary(sess, fn, a, b)
    np.testing.assert_array_equal(out, ref(a, b).astype(dtype))


def test_zero_d_results_are_numpy_scalars(sess):
    out = sess.run([tf.add(1.0, 2.0), tf.multiply(3, 4), tf.maximum(np.int64(2), np.int64(5))])
    assert [type(v) for v in out] == [np.float32, np.int32, np.int64]
    assert out == [3.0, 12, 5]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_float_divisions(sess, dtype, sa, sb):
    rng = np.random.default_rng(2)
    a, b = _values(sa, dtype, rng), _values(sb, dtype, rng, nonzero=True)
    np.testing.assert_allclose(_run_binary(sess, tf.realdiv, a, b), a / b, rtol=1e-6)
    np.testing.assert_allclose(_run_binary(sess, tf.div, a, b), a / b, rtol=1e-6)
    np.testing.assert_allclose(_run_binary(sess, tf.floordiv, a, b), np.floor_divide(a, b))
    np.testing.assert_allclose(_run_binary(sess, tf.floormod, a, b), np.mod(a, b), atol=1e-5)
    np.testing.assert_allclose(_run_binary(sess, tf.truncatediv, a, b), np.trunc(a / b))
    np.testing.assert_allclose(_run_binary(sess, tf.truncatemod, a, b), np.fmod(a, b), atol=1e-5)


def test_integer_divisions_round_like_tensorflow(sess):
    x = tf.constant([7, -7, 7, -7])
    y = tf.constant([2, 2, -2, -2])
    got = sess.run(
        [tf.floordiv(x, y), tf.mod(x, y), tf.truncatediv(x, y), tf.truncatemod(x, y), tf.div(x, y)]
    )
    assert got[0].tolist() == [3, -4, -4, 3]
    assert got[1].tolist() == [1, 1, -1, -1]
    assert got[2].tolist() == [3, -3, -3, 3]
    assert got[3].tolist() == [1, -1, 1, -1]
    assert got[4].tolist() == [3, -4, -4, 3]  # TF1's tf.div floors integers
    assert all(v.dtype == np.int32 for v in got)


def test_div_picks_the_op_by_dtype():
    assert tf.div(tf.constant([1.0]), 2.0).op.type == "RealDiv"
    i = tf.div(tf.constant([7]), 2)
    assert (i.op.type, i.name) == ("FloorDiv", "div_1:0")


def test_truediv_converts_integers_to_floats(sess):
    t = tf.truediv(tf.constant([7, -7]), 2)
    assert t.dtype == tf.float64 and t.op.type == "RealDiv"
    assert [i.op.name for i in t.op.inputs] == ["truediv/Cast", "truediv/Cast_1"]
    assert sess.run(t).tolist() == [3.5, -3.5]
    assert tf.divide(tf.constant([1], tf.int8), 2).dtype == tf.float32


@pytest.mark.parametrize("fn", [tf.floordiv, tf.mod, tf.div, tf.truncatediv, tf.truncatemod])
def test_integer_division_by_zero_is_an_error(sess, fn):
    t = fn(tf.constant([7, 1]), tf.constant([0, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero") as e:
        sess.run(t)
    assert t.op.name in str(e.value)


def test_float_division_by_zero_gives_inf_silently(sess):
    out = sess.run(tf.realdiv(tf.constant([1.0, -1.0, 0.0]), 0.0))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2])


def test_pow(sess):
    assert sess.run(tf.pow(tf.constant([2, 3]), tf.constant([0, 2]))).tolist() == [1, 9]
    out = sess.run(tf.pow(tf.constant([0.0, 4.0]), tf.constant([-1.0, 0.5])))
    assert out.tolist() == [np.inf, 2.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
        sess.run(tf.pow(tf.constant([2, 3]), tf.constant([-1, 2])))


def test_squared_difference(sess):
    t = tf.squared_difference(tf.constant([1, 5]), tf.constant([3, 2]))
    assert (t.op.type, t.dtype) == ("SquaredDifference", tf.int32)
    assert sess.run(t).tolist() == [4, 9]


def test_maximum_propagates_nan(sess):
    out = sess.run(tf.maximum(tf.constant([1.0, np.nan, 3.0]), 2.0))
    assert out[0] == 2.0 and np.isnan(out[1]) and out[2] == 3.0


def test_strings_are_concatenated_by_the_add_op(sess):
    t = tf.add(tf.constant(["ab", "c"]), "d")
    assert t.op.type == "Add"
    assert sess.run(t).tolist() == [b"abd", b"cd"]


def test_op_names_and_types():
    x = tf.constant([1.0])
    added = tf.add(x, x)
    assert (added.op.type, added.op.name) == ("AddV2", "Add")
    assert tf.subtract(x, x).op.name == "Sub"
    assert tf.multiply(x, 2.0).op.inputs[1].name == "Mul/y:0"
    assert tf.floordiv(x, x).op.name == "floordiv"
    # Names are unique regardless of case, as in TensorFlow: "floordiv" takes "FloorDiv".
    assert tf.floor_div(x, x).op.name == "FloorDiv_1"
    assert tf.mod(x, x).op.name == "FloorMod"
    assert tf.pow(x, x).op.name == "Pow"
    assert tf.maximum(x, x, name="biggest").op.name == "biggest"
    assert tf.scalar_mul(2.0, x).op.type == "Mul"
    assert tf.to_float(tf.constant([1])).op.name == "ToFloat"
    assert tf.to_int32(x).name == "ToInt32:0"
    assert tf.to_int64(x).dtype == tf.int64 and tf.to_double(x).dtype == tf.float64


def test_mismatched_tensor_dtypes_are_a_type_error():
    i, f = tf.constant([1, 2]), tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type float32 that does not"):
        tf.add(i, f)
    with pytest.raises(TypeError, match="'Maximum' Op has type float32"):
        tf.maximum(i, f)
    with pytest.raises(TypeError, match="Expected int32, got 1.5"):
        tf.add(i, 1.5)


def test_dtypes_outside_an_ops_family_are_a_type_error():
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        tf.add(tf.constant([True]), tf.constant([False]))
    with pytest.raises(TypeError, match="DataType int32 not in list"):
        tf.realdiv(tf.constant([1]), tf.constant([1]))
    with pytest.raises(TypeError, match="DataType bool"):
        tf.negative(tf.constant([True]))


def test_incompatible_static_shapes_name_the_op():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2") as e:
        tf.maximum(tf.constant([1, 2, 3]), tf.constant([1, 2]), name="mx")
    assert "'mx' (op: 'Maximum')" in str(e.value)


def test_incompatible_runtime_shapes(sess):
    p = tf.placeholder(tf.float32)
    q = tf.placeholder(tf.float32)
    s = tf.add(p, q, name="s")
    assert s.shape.ndims is None
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[3\] vs. \[2\]"
    ):
        sess.run(s, {p: [1, 2, 3], q: [1, 2]})


def test_clip_by_value(sess):
    t = tf.clip_by_value(tf.constant([1, 5, 9]), 2, 6)
    assert (t.op.type, t.op.name) == ("Maximum", "clip_by_value")
    assert t.op.inputs[0].op.name == "clip_by_value/Minimum"
    assert sess.run(t).tolist() == [2, 5, 6]
    lows = tf.clip_by_value(tf.constant([1.0, 5.0, 9.0]), [2.0, 3.0, 4.0], 6.0)
    assert sess.run(lows).tolist() == [2.0, 5.0, 6.0]
    with pytest.raises(ValueError):
        tf.clip_by_value(tf.constant([1.0, 2.0]), [[0.0], [1.0]], 2.0)


def test_add_n_and_cast(sess):
    a = tf.constant([1.0, 2.0])
    total = tf.add_n([a, a, a])
    assert total.op.type == "AddN" and sess.run(total).tolist() == [3.0, 6.0]
    assert tf.add_n([a]) is a
    c = tf.cast(tf.constant([1.7, -1.7]), tf.int32)
    assert sess.run(c).tolist() == [1, -1]
    assert tf.cast(a, tf.float32) is a
    with pytest.raises(ValueError):
        tf.add_n([])


def test_scalar_mul_needs_a_scalar():
    with pytest.raises(ValueError, match="Only scalar multiply works"):
        tf.scalar_mul([1.0, 2.0], tf.constant([1.0, 2.0]))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=6),
    st.integers(-7, 7).filter(lambda v: v != 0),
)
def test_floor_division_identity(xs, y):
    # x == (x // y) * y + x % y, exactly as for Python ints.
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.constant(xs)
        q, r = sess.run([x // y, x % y])
    assert q.tolist() == [v // y for v in xs]
    assert r.tolist() == [v % y for v in xs]


# -- gradients ---------------------------------------------------------------------------
A23 = np.array([[0.5, -1.2, 2.0], [1.5, 0.7, -0.3]])
B3 = np.array([1.1, -0.8, 0.6])


@pytest.mark.parametrize(
    "fn",
    [
        tf.add,
        tf.subtract,
        tf.multiply,
        tf.realdiv,
        tf.div,
        tf.maximum,
        tf.minimum,
        tf.squared_difference,
        tf.truediv,
    ],
)
def test_binary_gradients_with_broadcasting(fn):
    check_gradients(fn, A23, B3)
    check_gradients(fn, B3, A23)
    check_gradients(fn, np.array(0.9), A23)


def test_pow_gradient():
    check_gradients(tf.pow, np.abs(A23) + 0.2, B3)
    # At x <= 0 the gradient with respect to y is taken as 0, as in TensorFlow.
    g = check_gradients(lambda x, y: tf.pow(x, y), np.array([0.0, 2.0]), np.array([2.0, 3.0]))
    assert g[1][0] == 0.0


def test_floormod_gradient():
    check_gradients(tf.floormod, np.array([3.3, -2.7, 5.1]), np.array([2.0, 1.5, -2.2]))


def test_negative_cast_and_add_n_gradients():
    check_gradients(lambda x: tf.negative(x) * 3.0, A23)
    check_gradients(lambda x, y: tf.add_n([x, y, x]), A23, A23 * 2)
    check_gradients(lambda x: tf.clip_by_value(x, -1.0, 1.0), A23)


def test_cast_gradient_is_cast_back(sess):
    x = tf.constant([1.5, 2.5], tf.float64)
    (g,) = tf.gradients(tf.cast(x, tf.float32), x, grad_ys=tf.constant([2.0, 3.0]))
    assert g.dtype == tf.float64 and sess.run(g).tolist() == [2.0, 3.0]
    i = tf.constant([1, 2])
    assert tf.gradients(tf.cast(i, tf.float32), i, grad_ys=tf.constant([1.0, 1.0])) == [None]


def test_maximum_gradient_goes_to_x_on_ties():
    with tf.Graph().as_default(), tf.Session() as sess:
        x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
        gx, gy = sess.run(tf.gradients(tf.maximum(x, y), [x, y], grad_ys=tf.constant([1.0, 1.0])))
    assert gx.tolist() == [1.0, 0.0] and gy.tolist() == [0.0, 1.0]


def test_floordiv_has_no_gradient():
    x = tf.constant([1.0, 2.0])
    assert tf.gradients(tf.floordiv(x, 2.0), x, grad_ys=tf.constant([1.0, 1.0])) == [None]


def test_gradient_of_unknown_shapes_uses_broadcast_gradient_args(sess):
    # [None, 3] + [3] is decided statically (b is summed over axis 0, as TF does); only an
    # unknown dimension facing a known one needs BroadcastGradientArgs at run time.
    x = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [3])
    b_unknown = tf.placeholder(tf.float32, [None])
    y = x + b
    gx, gb = tf.gradients(y, [x, b], grad_ys=tf.ones_like(y))
    assert "BroadcastGradientArgs" not in {op.type for op in sess.graph.get_operations()}
    _, gu = tf.gradients(x + b_unknown, [x, b_unknown])
    types = {op.type for op in sess.graph.get_operations()}
    assert "BroadcastGradientArgs" in types
    feed = {x: np.ones([4, 3]), b: np.ones(3), b_unknown: np.ones(1)}
    vx, vb, vu = sess.run([gx, gb, gu], feed)
    assert vx.shape == (4, 3) and vb.tolist() == [4.0, 4.0, 4.0] and vu.tolist() == [12.0]


def test_gradients_under_control_dependencies_take_sparse_gradients(sess):
    # A gather's gradient is an IndexedSlices; TF's control_dependencies([grad]) accepts it
    # (its values' op), and the equal-shapes shortcut is for dense gradients only.
    a = tf.placeholder(tf.float64, [4, 2])
    b = tf.placeholder(tf.float64, [4, 2])
    i = tf.constant([0, 2, 2])
    ga, gb = tf.gradients(tf.gather(tf.squared_difference(a, b) + tf.sin(a), i), [a, b])
    va, vb = np.arange(8.0).reshape(4, 2) / 8, np.ones([4, 2])
    counts = np.array([1.0, 0.0, 2.0, 0.0])[:, None]
    got_a, got_b = sess.run([ga, gb], {a: va, b: vb})
    np.testing.assert_allclose(got_a, counts * (2 * (va - vb) + np.cos(va)), rtol=1e-12)
    np.testing.assert_allclose(got_b, counts * -2 * (va - vb), rtol=1e-12)


@pytest.mark.parametrize(
    "value, dtype, message",
    [  # recorded from TF 2.21: no string <-> number casts (tf.strings.to_number does that)
        ("a", tf.float32, "Cast string to float is not supported"),
        ("1", tf.int32, "Cast string to int32 is not supported"),
        (1.5, tf.string, "Cast float to string is not supported"),
        (True, tf.string, "Cast bool to string is not supported"),
        ("a", tf.bool, "Cast string to bool is not supported"),
        ("a", tf.complex64, "Cast string to complex64 is not supported"),
    ],
)
def test_casts_between_strings_and_numbers_are_unimplemented_as_in_tensorflow(
    sess, value, dtype, message
):
    y = tf.cast(tf.constant(value), dtype)
    with pytest.raises(tf.errors.UnimplementedError, match=message):
        sess.run(y)


def test_a_bad_scalar_index_is_named_as_tensorflow_names_it(sess):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^indices = 5 is not in \[0, 3\)"):
        sess.run(tf.gather(tf.ones([3]), 5))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^indices\[1,0\] = 7 is not in"):
        sess.run(tf.gather(tf.ones([3]), [[0], [7]]))
