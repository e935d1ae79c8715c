"""stack/unstack, concat, split: values against numpy, static shapes, errors, gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.array_grad_check import check_gradient

A = np.arange(6, dtype=np.float32).reshape(2, 3)
B = np.arange(6, 12, dtype=np.float32).reshape(2, 3)


# -- stack / unstack ----------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_matches_numpy(sess, axis):
    r = tf.stack([A, B], axis=axis)
    np.testing.assert_array_equal(sess.run(r), np.stack([A, B], axis=axis))
    assert r.shape == np.stack([A, B], axis=axis).shape


def test_stack_names_dtypes_and_constants(sess):
    assert tf.stack([1, 2]).op.type == "Const"  # TF folds a list without tensors
    r = tf.stack([tf.constant(A), B])
    assert r.op.name == "stack_1" and r.op.type == "Pack"
    # Python numbers next to a tensor take the tensor's dtype.
    mixed = tf.stack([1, tf.constant(2.0)])
    assert mixed.dtype == tf.float32
    np.testing.assert_array_equal(sess.run(mixed), [1.0, 2.0])
    strings = tf.stack([tf.constant("a"), tf.constant("b")])
    assert sess.run(strings).tolist() == [b"a", b"b"]
    bools = tf.stack([tf.constant([True]), tf.constant([False])], axis=1)
    np.testing.assert_array_equal(sess.run(bools), [[True, False]])


def test_stack_static_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [2, None])
    assert tf.stack([x, y]).shape.as_list() == [2, 2, 3]
    assert tf.stack([x, tf.placeholder(tf.float32)], axis=1).shape.as_list() == [None, 2, 3]
    with pytest.raises(
        ValueError, match=r"Dimension 0 in both shapes must be equal, but are 2 and 3"
    ):
        tf.stack([tf.zeros([2]), tf.zeros([3])])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
        tf.stack([tf.zeros([2]), tf.zeros([2, 1])])
    with pytest.raises(TypeError, match=r"have types \[float32, int32\] that don't all match"):
        tf.stack([tf.zeros([2]), tf.zeros([2], tf.int32)])
    with pytest.raises(ValueError, match=r"Argument `axis` = 2 not in range \[-2, 2\)"):
        tf.stack([tf.zeros([2]), tf.zeros([2])], axis=2)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_numpy(sess, axis):
    parts = tf.unstack(tf.constant(A), axis=axis)
    expected = [np.take(A, i, axis=axis) for i in range(A.shape[axis])]
    assert [p.name for p in parts] == [f"unstack:{i}" for i in range(len(expected))]
    for got, want in zip(sess.run(parts), expected):
        np.testing.assert_array_equal(got, want)


def test_unstack_single_output_and_scalars(sess):
    (only,) = tf.unstack(tf.constant(A[:1]))
    np.testing.assert_array_equal(sess.run(only), A[0])
    scalars = sess.run(tf.unstack(tf.constant([1, 2, 3])))
    assert all(isinstance(s, np.int32) for s in scalars) and scalars == [1, 2, 3]


def test_unstack_errors(sess):
    with pytest.raises(ValueError, match=r"Cannot infer argument `num` from shape \(\?, 2\)"):
        tf.unstack(tf.placeholder(tf.float32, [None, 2]))
    with pytest.raises(ValueError, match="Cannot infer argument `num`"):
        tf.unstack(tf.placeholder(tf.float32))
    with pytest.raises(ValueError, match=r"Argument `axis` = 2 not in range \[-2, 2\)"):
        tf.unstack(tf.zeros([2, 3]), axis=2)
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2"):
        tf.unstack(tf.zeros([2, 3]), num=3)
    p = tf.placeholder(tf.float32, [None, 3])
    parts = tf.unstack(p, num=2)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Input shape axis 0 must equal 2, got shape \[3,3\]"
    ):
        sess.run(parts, {p: np.zeros((3, 3))})


def test_stack_and_unstack_gradients():
    check_gradient(lambda x: tf.stack([x, x[::-1]], axis=1), np.arange(3.0))
    check_gradient(lambda x: tf.unstack(x, axis=1)[2], np.arange(6.0).reshape(2, 3))
    check_gradient(lambda x: tf.stack(tf.unstack(x)[::-1]), np.arange(6.0).reshape(3, 2))


# -- concat -------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concat_matches_numpy(sess, axis):
    r = tf.concat([A, B, A], axis)
    np.testing.assert_array_equal(sess.run(r), np.concatenate([A, B, A], axis))
    assert r.shape == np.concatenate([A, B, A], axis).shape
    assert r.op.type == "ConcatV2" and r.op.name == "concat"
    assert r.op.inputs[-1].op.name == "concat/axis"


def test_concat_of_one_value_is_identity(sess):
    r = tf.concat([tf.constant(A)], 0)
    assert r.op.type == "Identity" and r.op.name == "concat/concat"
    np.testing.assert_array_equal(sess.run(r), A)


def test_concat_dtypes(sess):
    ints = tf.concat([[1, 2], [3]], 0)
    assert ints.dtype == tf.int32 and sess.run(ints).tolist() == [1, 2, 3]
    strings = tf.concat([["a"], ["b", "c"]], 0)
    assert sess.run(strings).tolist() == [b"a", b"b", b"c"]
    bools = sess.run(tf.concat([[True], [False]], 0))
    assert bools.dtype == np.bool_


def test_concat_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [2, None])
    assert tf.concat([x, y], 0).shape.as_list() == [None, 3]
    assert tf.concat([x, y], 1).shape.as_list() == [2, None]
    assert tf.concat([tf.placeholder(tf.float32), y], 1).shape.as_list() == [2, None]
    assert tf.concat([x, y], tf.placeholder(tf.int32)).shape.as_list() == [None, None]


@pytest.mark.parametrize(
    "shapes, axis, words",
    [
        ([[2], [2, 2]], 0, "Shape must be rank 1 but is rank 2"),
        ([[2, 3], [2, 4]], 0, "Dimension 0 in both shapes must be equal, but are 3 and 4"),
        ([[2, 3], [2, 4]], 2, "Shape must be at least rank 3 but is rank 2"),
        ([[2, 3], [2, 4]], -3, "Shape must be at least rank 3 but is rank 2"),
        ([[], []], 0, "Can't concatenate scalars (use tf.stack instead)"),
    ],
)
def test_concat_static_errors(shapes, axis, words):
    with pytest.raises(ValueError) as e:
        tf.concat([tf.zeros(s) for s in shapes], axis)
    assert words in str(e.value)


def test_concat_runtime_errors(sess):
    p = tf.placeholder(tf.float32)
    r = tf.concat([p, tf.zeros([2, 3])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        sess.run(r, {p: np.zeros((3, 4))})
    assert (
        "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [3,4] vs. shape[1] = [2,3]"
        in e.value.message
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Ranks of all input tensors should match"
    ):
        sess.run(r, {p: np.zeros(3)})
    axis = tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"in the range \[-2, 2\), but got 2"):
        sess.run(tf.concat([tf.zeros([2, 3]), tf.zeros([2, 3])], axis), {axis: 2})
    with pytest.raises(TypeError, match="ConcatV2"):
        tf.concat([tf.zeros([2]), tf.zeros([2], tf.int32)], 0)


def test_concat_gradient():
    check_gradient(
        lambda x: tf.concat([x, x[:, :1], tf.zeros([2, 2], tf.float64)], 1),
        np.arange(6.0).reshape(2, 3),
    )
    # Unknown sizes along the axis: the split sizes are computed at run time.
    check_gradient(
        lambda x: tf.concat([x, x], 0), np.arange(6.0).reshape(2, 3), feed_shape=[None, 3]
    )


# -- split --------------------------------------------------------------------------------------
@pytest.mark.parametrize("num, axis", [(2, 0), (3, 1), (1, 1), (3, -1)])
def test_split_even_matches_numpy(sess, num, axis):
    parts = tf.split(tf.constant(A), num, axis)
    assert len(parts) == num and parts[0].op.type == "Split"
    assert parts[0].op.inputs[0].op.name == "split/split_dim"
    for got, want in zip(sess.run(parts), np.split(A, num, axis)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("sizes", [[1, 2], [1, -1], [3, 0], [-1, 1, 1]])
def test_split_sizes_matches_numpy(sess, sizes):
    parts = tf.split(tf.constant(A), sizes, 1)
    assert parts[0].op.type == "SplitV"
    concrete = [s if s != -1 else 3 - sum(x for x in sizes if x != -1) for s in sizes]
    expected = np.split(A, np.cumsum(concrete)[:-1], 1)
    for t, got, want in zip(parts, sess.run(parts), expected):
        np.testing.assert_array_equal(got, want)
        assert t.shape == want.shape


def test_split_static_shapes():
    x = tf.placeholder(tf.float32, [None, 4])
    assert [t.shape.as_list() for t in tf.split(x, 2, 1)] == [[None, 2]] * 2
    assert [t.shape.as_list() for t in tf.split(x, 2, tf.placeholder(tf.int32))] == [
        [None, None]
    ] * 2
    y = tf.placeholder(tf.float32, [2, None])
    assert [t.shape.as_list() for t in tf.split(y, [4, -1], 1)] == [[2, 4], [2, None]]
    assert [t.shape.as_list() for t in tf.split(A, tf.placeholder(tf.int32, [2]), 1)] == [
        [2, None]
    ] * 2


@pytest.mark.parametrize(
    "sizes, axis, words",
    [
        (2, 1, "Dimension size must be evenly divisible by 2 but is 3"),
        (2, 2, "Dimension size, given by scalar input 2 must be in range [-2, 2)"),
        ([1, 1], 1, "can't split axis of size 3 into pieces of size [1,1]"),
        ([-1, -1], 1, "size_splits can only have one -1"),
        ([4, -1], 1, "Split size at index 1 must be >= 0. Got: -1"),
    ],
)
def test_split_static_errors(sizes, axis, words):
    with pytest.raises(ValueError) as e:
        tf.split(tf.constant(A), sizes, axis)
    assert words in str(e.value)


def test_split_runtime_errors(sess):
    p = tf.placeholder(tf.float32)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Number of ways to split should evenly divide"
    ):
        sess.run(tf.split(p, 2, 1), {p: np.zeros((3, 3))})
    sizes = tf.placeholder(tf.int32)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Determined shape must either match input shape"
    ):
        sess.run(tf.split(tf.constant(A), sizes, 1, num=2), {sizes: [1, 1]})
    with pytest.raises(ValueError, match="Cannot infer argument `num`"):
        tf.split(tf.constant(A), tf.placeholder(tf.int32, [None]), 1)


def test_split_gradients():
    check_gradient(lambda x: tf.split(x, 3, 1)[1], np.arange(6.0).reshape(2, 3))
    check_gradient(
        lambda x: tf.concat(tf.split(x, [2, -1], 1)[::-1], 1), np.arange(6.0).reshape(2, 3)
    )


def test_lists_holding_tensors_are_packed_with_tensorflows_names():
    import json
    import pathlib

    recorded = json.loads(
        (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/naming/autopack.json").read_text()
    )
    with tf.Graph().as_default() as g:
        exec(recorded["program"], {"tf": tf})
        names = sorted(f"{op.name}:{op.type}" for op in g.get_operations())
    assert names == recorded["ops"]
