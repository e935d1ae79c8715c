"""slice, strided_slice and Tensor.__getitem__ against numpy indexing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

X = np.arange(120, dtype=np.float32).reshape(4, 5, 6)

SPECS = [
    np.s_[0],
    np.s_[-1],
    np.s_[0:2],
    np.s_[1:],
    np.s_[:, 1:3],
    np.s_[:, ::-2],
    np.s_[::-1, -2:0:-1, 3],
    np.s_[None, ..., None],
    np.s_[..., -1],
    np.s_[..., None, 2],
    np.s_[1, 2, 3],
    np.s_[:, 7:],
    np.s_[:, -100:100],
    np.s_[:, :, 2:1],
    np.s_[np.int64(1), ::2],
    np.s_[...],
    np.s_[1, ..., 1:4:2],
    np.s_[None],
    (tf.newaxis, 1),
]


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_getitem_matches_numpy(sess, spec):
    x = tf.placeholder(tf.float32, [None, 5, 6])
    r = x[spec]
    out = sess.run(r, {x: X})
    expected = X[spec]
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32
    assert r.shape.is_compatible_with(expected.shape)
    if expected.ndim == 0:
        assert isinstance(out, np.float32)


def test_getitem_static_shapes():
    x = tf.placeholder(tf.float32, [None, 5, 6])
    t = tf.placeholder(tf.int32, [])
    assert x[0:2].shape.as_list() == [None, 5, 6]
    assert x[:, 1:3].shape.as_list() == [None, 2, 6]
    assert x[None, ..., None].shape.as_list() == [1, None, 5, 6, 1]
    assert x[t].shape.as_list() == [5, 6]
    assert x[:, t].shape.as_list() == [None, 6]
    assert x[:, t:].shape.as_list() == [None, None, 6]
    assert x[..., t].shape.as_list() == [None, 5]
    assert x[:, :, ::t].shape.ndims is None
    y = tf.placeholder(tf.float32, [4, 5, 6])
    assert y[::2, t:].shape.as_list() == [2, None, 6]
    assert y[::-1, t:].shape.as_list() == [4, None, 6]
    assert y[1:, t].shape.as_list() == [None, 6]
    assert tf.placeholder(tf.float32)[1:].shape.ndims is None


def test_getitem_op_names_and_masks():
    x = tf.placeholder(tf.float32, [None, 5, 6])
    r = x[None, ..., 1:, 2]
    assert r.op.type == "StridedSlice" and r.op.name == "strided_slice"
    assert [t.op.name for t in r.op.inputs[1:]] == [
        "strided_slice/stack",
        "strided_slice/stack_1",
        "strided_slice/stack_2",
    ]
    masks = {
        m: r.op.get_attr(m)
        for m in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
    }
    assert masks == {
        "begin_mask": 0,
        "end_mask": 4,
        "ellipsis_mask": 2,
        "new_axis_mask": 1,
        "shrink_axis_mask": 8,
    }


def test_getitem_with_tensor_indices(sess):
    x = tf.constant(X)
    i = tf.placeholder(tf.int32, [])
    j = tf.placeholder(tf.int64, [])
    assert sess.run(x[i, 1, 2], {i: 3}) == X[3, 1, 2]
    np.testing.assert_array_equal(sess.run(x[:, i:j], {i: 1, j: 4}), X[:, 1:4])
    np.testing.assert_array_equal(sess.run(x[1, ::i], {i: 2}), X[1, ::2])
    np.testing.assert_array_equal(sess.run(x[tf.constant(-1)]), X[-1])


def test_getitem_strings_bools_ints(sess):
    s = tf.constant([["a", "b"], ["c", "d"]])
    assert sess.run(s[1, 0]) == b"c"
    assert sess.run(s[:, ::-1]).tolist() == [[b"b", b"a"], [b"d", b"c"]]
    assert sess.run(tf.constant([True, False, True])[::2]).tolist() == [True, True]
    out = sess.run(tf.constant([1, 2, 3], tf.int64)[1])
    assert isinstance(out, np.int64) and out == 2


def test_getitem_on_variables_and_iteration(sess):
    v = tf.Variable(X[0])
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(v[1:3, 0]), X[0, 1:3, 0])
    # As in TF1's graph mode, a tensor is not iterable (TF's message); tf.unstack gives rows.
    with pytest.raises(TypeError, match="only iterable when eager execution is enabled"):
        list(tf.constant(X[0, :3]))
    rows = tf.unstack(tf.constant(X[0, :3]))
    assert len(rows) == 3
    np.testing.assert_array_equal(sess.run(rows[2]), X[0, 2])


@pytest.mark.parametrize(
    "spec, words",
    [
        (np.s_[:, 10], "slice index 10 of dimension 1 out of bounds."),
        (np.s_[:, -6], "slice index -1 of dimension 1 out of bounds."),
        (np.s_[1, 2, 3, 4], "Index out of range using input dim 3; input has only 3 dims"),
        (np.s_[..., ...], "Multiple ellipses in slice spec not allowed"),
        (np.s_[:, 0:2:0], "strides[1] must be non-zero"),
    ],
)
def test_getitem_static_errors(spec, words):
    x = tf.placeholder(tf.float32, [None, 5, 6])
    with pytest.raises(ValueError) as e:
        x[spec]
    assert words in str(e.value) and "StridedSlice" in str(e.value)


@pytest.mark.parametrize("spec", [np.s_[:, [1, 2]], np.s_[1.0], np.s_["a"]])
def test_getitem_rejects_other_indices(spec):
    x = tf.placeholder(tf.float32, [None, 5, 6])
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[spec]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[tf.constant([1, 2])]


def test_getitem_runtime_errors(sess):
    x = tf.placeholder(tf.float32, [None, 5, 6])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="slice index 3 of dimension 0 out of bounds."
    ):
        sess.run(x[3], {x: X[:2]})
    t = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"strides\[0\] must be non-zero"):
        sess.run(x[1:3:t], {x: X, t: 0})


index_item = st.one_of(
    st.integers(-6, 6),
    st.builds(
        slice,
        st.one_of(st.none(), st.integers(-8, 8)),
        st.one_of(st.none(), st.integers(-8, 8)),
        st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0)),
    ),
    st.just(None),
    st.just(Ellipsis),
)


def _valid_for_numpy(spec):
    try:
        X[spec]
    except IndexError:
        return False
    return spec.count(Ellipsis) <= 1


@settings(max_examples=150, deadline=None)
@given(st.lists(index_item, min_size=1, max_size=4).map(tuple).filter(_valid_for_numpy))
def test_getitem_property_matches_numpy(spec):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [4, 5, 6])
        r = x[spec]
        expected = X[spec]
        assert r.shape.as_list() == list(expected.shape)
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(r, {x: X}), expected)


def test_getitem_gradients():
    value = np.arange(24.0).reshape(2, 3, 4)
    check_gradient(lambda x: x[:, 1:, ::-2], value)
    check_gradient(lambda x: x[1, None, ..., 2], value)
    check_gradient(lambda x: x[0][1], value, feed_shape=[None, 3, 4])


def test_strided_slice_function(sess):
    r = tf.strided_slice(X, [0, 1], [4, 6], [2, 2])
    np.testing.assert_array_equal(sess.run(r), X[0:4:2, 1:6:2])
    r = tf.strided_slice(X, [1], [2], shrink_axis_mask=1)
    assert r.shape.as_list() == [5, 6]
    np.testing.assert_array_equal(sess.run(r), X[1])
    assert tf.strided_slice(X, [0], [1], name="cut").op.name == "cut"


def test_strided_slice_grad_has_a_gradient(sess):
    # StridedSliceGrad is linear in dy; its own gradient slices again (second order).
    x = tf.placeholder(tf.float64, [3, 4])
    y = x[1:, ::2]
    (dx,) = tf.gradients(y, x, grad_ys=tf.ones([2, 2], tf.float64))
    assert dx.op.type == "StridedSliceGrad" and dx.shape.as_list() == [3, 4]
    from teachflow.framework import registry

    grad_of_grad = registry.get("StridedSliceGrad").grad(dx.op, tf.ones([3, 4], tf.float64))
    np.testing.assert_array_equal(sess.run(grad_of_grad[4]), np.ones((2, 2)))


# -- tf.slice -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "begin, size",
    [
        ([1, 0, 2], [-1, 2, 3]),
        ([0, 0, 0], [4, 5, 6]),
        ([3, 4, 5], [1, 1, 1]),
        ([1, 1, 1], [0, 2, 0]),
    ],
)
def test_slice_matches_numpy(sess, begin, size):
    r = tf.slice(X, begin, size)
    index = tuple(np.s_[b : (d if s == -1 else b + s)] for b, s, d in zip(begin, size, X.shape))
    np.testing.assert_array_equal(sess.run(r), X[index])
    assert r.shape == X[index].shape
    assert r.op.name == "Slice" and r.op.inputs[1].op.name == "Slice/begin"


def test_slice_static_shapes():
    x = tf.placeholder(tf.float32, [4, 5, 6])
    t = tf.placeholder(tf.int32, [])
    assert tf.slice(x, [1, t, 2], [-1, 2, 3]).shape.as_list() == [3, 2, 3]
    assert tf.slice(x, [1, 1, 2], [t, 2, -1]).shape.as_list() == [None, 2, None]
    assert tf.slice(x, tf.placeholder(tf.int32, [3]), [1, 2, -1]).shape.as_list() == [1, 2, None]
    assert tf.slice(tf.placeholder(tf.float32, [None, 5]), [1, 1], [-1, 3]).shape.as_list() == [
        None,
        3,
    ]


def test_slice_errors(sess):
    x = tf.placeholder(tf.float32, [4, 5, 6])
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 3"):
        tf.slice(x, [1, 1], [1, 2])
    with pytest.raises(ValueError, match="Invalid value in tensor used for shape: -2"):
        tf.slice(x, [1, 1, 1], [-2, 1, 1])
    b, s = tf.placeholder(tf.int32, [3]), tf.placeholder(tf.int32, [3])
    r = tf.slice(x, b, s)
    for begin, size, words in [
        ([1, 1, 1], [4, 1, 1], "Expected size[0] in [0, 3], but got 4"),
        ([-1, 0, 0], [1, 1, 1], "Expected begin[0] in [0, 4], but got -1"),
        ([0, 0, 0], [-2, 1, 1], "Expected size[0] in [0, 4], but got -2"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(r, {x: X, b: begin, s: size})
        assert words in e.value.message


def test_slice_gradient():
    check_gradient(lambda x: tf.slice(x, [1, 0, 2], [-1, 2, 1]), np.arange(24.0).reshape(2, 3, 4))


def test_a_0d_numpy_integer_array_indexes_as_its_int():
    # TF's _check_index lets a 0-d integer array through (it has an integer dtype and no
    # length-1 shape); a 1-D one is refused.
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    with tf.Session() as sess:
        assert sess.run(x[np.array(-1, np.int32)]).tolist() == [4, 5, 6]
        assert sess.run(x[np.array(0), np.int64(1)]) == 2
    with pytest.raises(TypeError, match="scalar tf.int32/tf.int64 tensors are valid indices"):
        x[np.array([0, 1])]
