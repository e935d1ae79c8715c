"""fill, zeros/ones(_like), range, linspace, one_hot, eye: values, dtypes, names, errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient


# -- fill -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, dtype",
    [(1.5, np.float32), (7, np.int32), (True, np.bool_), (np.float64(2), np.float64)],
)
def test_fill_values_and_dtype(sess, value, dtype):
    r = tf.fill([2, 3], value)
    out = sess.run(r)
    assert out.dtype == dtype and out.shape == (2, 3)
    np.testing.assert_array_equal(out, np.full((2, 3), value, dtype))
    assert r.op.name == "Fill" and r.op.inputs[0].op.name == "Fill/dims"


def test_fill_strings_and_scalars(sess):
    assert sess.run(tf.fill([2], "a")).tolist() == [b"a", b"a"]
    scalar = sess.run(tf.fill([], 1.0))
    assert isinstance(scalar, np.float32) and scalar == 1.0


def test_fill_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    s = tf.shape(x)
    assert tf.fill(s, 1.0).shape.as_list() == [None, 3, 4]
    assert tf.fill(tf.stack([s[1], 2]), 1.0).shape.as_list() == [3, 2]
    assert tf.fill(tf.placeholder(tf.int32, [2]), 1.0).shape.as_list() == [None, None]


def test_fill_errors(sess):
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        tf.fill([2], [1.0, 2.0])
    with pytest.raises(ValueError, match="Fill dimensions must be >= 0"):
        tf.fill([2, -1], 1.0)
    dims = tf.placeholder(tf.int32)
    r = tf.fill(dims, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        sess.run(r, {dims: [2, -1]})
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"dims must represent a vector, got shape \[1,1\]"
    ):
        sess.run(r, {dims: [[2]]})


def test_fill_gradient_flows_to_the_value():
    check_gradient(lambda v: tf.fill([2, 3], v), 1.5)


# -- zeros / ones ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, fill_value", [(tf.zeros, 0), (tf.ones, 1)])
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64, tf.bool])
def test_zeros_and_ones(sess, fn, fill_value, dtype):
    r = fn([2, 3], dtype)
    out = sess.run(r)
    assert out.dtype == dtype.as_numpy_dtype and r.op.type == "Const"
    np.testing.assert_array_equal(out, np.full((2, 3), fill_value, dtype.as_numpy_dtype))


def test_zeros_names_and_large_shapes(sess):
    assert tf.zeros([2, 3]).op.name == "zeros"
    big = tf.zeros([100, 30])
    assert big.op.type == "Fill" and big.op.name == "zeros_1"
    assert big.op.inputs[0].op.name == "zeros_1/shape_as_tensor"
    assert sess.run(big).sum() == 0.0
    assert tf.ones([2], name="o").op.name == "o"


def test_zeros_from_tensor_shapes(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    z = tf.zeros(tf.shape(x))
    assert z.op.type == "Fill" and z.shape.as_list() == [None, 3]
    assert sess.run(z, {x: np.ones((2, 3))}).shape == (2, 3)
    mixed = tf.zeros([tf.shape(x)[0], 5], tf.int32)
    assert mixed.shape.as_list() == [None, 5]
    assert sess.run(mixed, {x: np.ones((4, 3))}).shape == (4, 5)
    scalar_shape = tf.ones(tf.constant(3))
    assert sess.run(scalar_shape).tolist() == [1.0, 1.0, 1.0]


def test_zeros_and_ones_of_strings(sess):
    assert sess.run(tf.zeros([2], tf.string)).tolist() == [b"", b""]
    with pytest.raises(TypeError, match="Expected string"):
        tf.ones([2], tf.string)


def test_zeros_like(sess):
    known = tf.zeros_like(tf.constant([[1, 2]]))
    assert known.op.type == "Const" and known.op.name == "zeros_like" and known.dtype == tf.int32
    x = tf.placeholder(tf.float32, [None, 3])
    z = tf.zeros_like(x)
    assert z.op.type == "ZerosLike" and z.shape.as_list() == [None, 3]
    np.testing.assert_array_equal(sess.run(z, {x: np.ones((2, 3))}), np.zeros((2, 3), np.float32))
    as_int = tf.zeros_like(x, dtype=tf.int32)
    assert as_int.dtype == tf.int32
    assert sess.run(as_int, {x: np.ones((1, 3))}).dtype == np.int32
    s = tf.placeholder_with_default(["a"], [None])
    assert sess.run(tf.zeros_like(s)).tolist() == [b""]
    b = tf.placeholder(tf.bool, [None])
    assert sess.run(tf.zeros_like(b), {b: [True]}).tolist() == [False]


def test_ones_like(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    o = tf.ones_like(x)
    assert o.op.type == "Fill" and o.op.name == "ones_like" and o.shape.as_list() == [None, 3]
    np.testing.assert_array_equal(sess.run(o, {x: np.zeros((2, 3))}), np.ones((2, 3)))
    assert sess.run(tf.ones_like(tf.constant([True, False]))).tolist() == [True, True]
    assert tf.ones_like(x, dtype=tf.int64).dtype == tf.int64
    with pytest.raises(TypeError, match="Expected string"):
        tf.ones_like(tf.constant(["a"]))


def test_zeros_like_and_ones_like_ops(sess):
    from teachflow.framework import registry

    assert registry.get("ZerosLike").not_differentiable
    assert registry.get("OnesLike").not_differentiable
    x = tf.placeholder(tf.int32)
    g = tf.get_default_graph()
    ones = g.create_op("OnesLike", [x], {}).outputs[0]
    assert sess.run(ones, {x: [[3, 4]]}).tolist() == [[1, 1]]
    assert sess.run(ones, {x: 3}) == 1 and isinstance(sess.run(ones, {x: 3}), np.int32)


# -- range ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((5,), {}),
        ((2, 9, 3), {}),
        ((5, 1, -2), {}),
        ((1, 2.0, 0.5), {}),
        ((5,), {"dtype": tf.float64}),
        ((0,), {}),
    ],
)
def test_range_matches_numpy(sess, args, kwargs):
    r = tf.range(*args, **kwargs)
    out = sess.run(r)
    expected = np.arange(*args)
    np.testing.assert_allclose(out, expected)
    assert r.shape.as_list() == [len(expected)]
    assert r.op.type == "Range" and r.op.name.startswith("range")


def test_range_dtypes_and_names():
    assert tf.range(5).dtype == tf.int32
    assert tf.range(1, 5.0, 2).dtype == tf.float32
    assert tf.range(tf.constant(5, tf.int64)).dtype == tf.int64
    r = tf.range(1, 5.0, 2)
    assert [i.op.type for i in r.op.inputs] == ["Cast", "Const", "Cast"]
    assert r.op.inputs[1].op.name == r.op.name + "/limit"


def test_range_unknown_limit_and_errors(sess):
    n = tf.placeholder(tf.int32, [])
    r = tf.range(n)
    assert r.shape.as_list() == [None]
    assert sess.run(r, {n: 3}).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="Requires delta != 0"):
        tf.range(1, 5, 0)
    with pytest.raises(ValueError, match="Requires start <= limit when delta > 0: 5/1"):
        tf.range(5, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Requires start <= limit"):
        sess.run(tf.range(n, 1), {n: 5})


# -- linspace ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("start, stop, num", [(0.0, 1.0, 5), (2.0, 1.0, 1), (-1.0, 1.0, 4)])
def test_linspace_matches_numpy(sess, start, stop, num):
    r = tf.linspace(start, stop, num)
    np.testing.assert_allclose(sess.run(r), np.linspace(start, stop, num, dtype=np.float32))
    # TF 2.21's tf.linspace is math_ops.linspace_nd: its last op is a Slice (tests/ops/test_linspace.py).
    assert r.shape.as_list() == [num] and r.op.type == "Slice" and r.dtype == tf.float32


def test_linspace_edges(sess):
    empty = tf.lin_space(0.0, 1.0, 0)
    assert empty.shape.as_list() == [0] and sess.run(empty).shape == (0,)
    # Integers divide into float64, as TF's truediv does.
    ints = tf.linspace(0, 1, 3)
    assert ints.dtype == tf.float64 and sess.run(ints).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(TypeError, match=r"\(name: num\) must be of type integer"):
        tf.linspace(0.0, 1.0, 2.5)
    n = tf.placeholder(tf.int32, [])
    r = tf.linspace(tf.constant(0.0, tf.float64), 1.0, n)
    assert r.dtype == tf.float64 and r.shape.as_list() == [None]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Requires start <= limit"):
        sess.run(r, {n: -1})


# -- one_hot ------------------------------------------------------------------------------------------
def _numpy_one_hot(indices, depth, on=1.0, off=0.0, axis=-1):
    indices = np.asarray(indices)
    out = np.where(indices[..., None] == np.arange(depth), on, off)
    return np.moveaxis(out, -1, axis) if axis != -1 else out


@pytest.mark.parametrize(
    "indices, depth, axis",
    [
        ([0, 3, -1], 3, -1),
        ([0, 3, -1], 3, 0),
        ([[0, 2]], 3, 1),
        ([[0, 2], [1, 1]], 4, 0),
        (2, 3, -1),
    ],
)
def test_one_hot_matches_numpy(sess, indices, depth, axis):
    r = tf.one_hot(indices, depth, axis=axis)
    expected = _numpy_one_hot(indices, depth, axis=axis)
    out = sess.run(r)
    np.testing.assert_array_equal(out, expected)
    assert r.shape == expected.shape and r.dtype == tf.float32


def test_one_hot_dtypes_and_names(sess):
    r = tf.one_hot([0, 2], 3, on_value=5, off_value=-1)
    assert r.dtype == tf.int32 and r.op.type == "OneHot" and r.op.name == "one_hot"
    np.testing.assert_array_equal(sess.run(r), [[5, -1, -1], [-1, -1, 5]])
    assert [i.op.name for i in r.op.inputs[:2]] == ["one_hot/indices", "one_hot/depth"]
    b = tf.one_hot([1], 2, dtype=tf.bool)
    assert sess.run(b).tolist() == [[False, True]]
    with pytest.raises(TypeError, match="of on_value does not match dtype parameter"):
        tf.one_hot([0, 2], 3, on_value=5.0, dtype=tf.int32)
    with pytest.raises(
        TypeError, match="of on_value does not match dtype <dtype: 'float32'> of off_value"
    ):
        tf.one_hot([0, 2], 3, on_value=5, off_value=1.0)


def test_one_hot_unknown_depth_and_bad_axis(sess):
    d = tf.placeholder(tf.int32, [])
    r = tf.one_hot([0, 1], d)
    assert r.shape.as_list() == [2, None]
    assert sess.run(r, {d: 2}).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    bad = tf.one_hot([[0, 2]], 3, axis=3)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Expected axis to be -1 or between \[0, 3\)"
    ):
        sess.run(bad)


# -- eye ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, expected",
    [
        ((3,), {}, np.eye(3)),
        ((2, 3), {"dtype": tf.int32}, np.eye(2, 3)),
        ((3, 2), {}, np.eye(3, 2)),
        ((2,), {"batch_shape": [4]}, np.broadcast_to(np.eye(2), (4, 2, 2))),
        ((2,), {"dtype": tf.bool}, np.eye(2, dtype=bool)),
    ],
)
def test_eye_matches_numpy(sess, args, kwargs, expected):
    r = tf.eye(*args, **kwargs)
    out = sess.run(r)
    np.testing.assert_array_equal(out, expected)
    # TensorFlow's names: MatrixDiag of ones (square) or MatrixSetDiag into zeros.
    assert r.shape == expected.shape and r.op.name in ("eye/diag", "eye/set_diag")
    assert out.dtype == kwargs.get("dtype", tf.float32).as_numpy_dtype


def test_fill_with_int64_dims_has_index_type_int64_and_reimports():
    g = tf.Graph()
    with g.as_default():
        dims = tf.constant([2, 3], tf.int64)
        f = tf.fill(dims, 1.5, name="f")
        assert f.op.get_attr("index_type") == tf.int64
        assert tf.fill([2], 1).op.get_attr("index_type") == tf.int32
        graph_def = g.as_graph_def()
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name="")
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run("f:0"), np.full((2, 3), 1.5, np.float32))
