"""tf.nn.max_pool / avg_pool and MaxPoolGrad / AvgPoolGrad: against TensorFlow's recorded
answers (including ties and SAME-padded averages), NumPy loops, and finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from tests.ops.finite_differences import check_gradients
from tests.ops.nn_conv_fixtures import ERROR_CLASSES, cases_of, check_case, check_error, errors_of

RNG = np.random.default_rng(5)


@pytest.mark.parametrize(
    "name", cases_of("max_pool", "avg_pool", "max_pool1d", "avg_pool1d", "pool")
)
def test_matches_tensorflow(name):
    check_case(name)


@pytest.mark.parametrize("name", errors_of("max_pool"))
def test_errors_match_tensorflow(name):
    check_error(name, ERROR_CLASSES)


def reference_pool(x, k, s, reduce):
    """VALID pooling by the definition, one output pixel at a time."""
    oh = (x.shape[1] - k) // s + 1
    ow = (x.shape[2] - k) // s + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = reduce(x[:, i * s : i * s + k, j * s : j * s + k, :], axis=(1, 2))
    return out


@pytest.mark.parametrize("fn, reduce", [(tf.nn.max_pool, np.max), (tf.nn.avg_pool, np.mean)])
def test_valid_values_match_the_definition(sess, fn, reduce):
    x = RNG.standard_normal((2, 7, 8, 3))
    y = fn(x, ksize=3, strides=2, padding="VALID")
    assert y.shape.as_list() == [2, 3, 3, 3]
    np.testing.assert_allclose(sess.run(y), reference_pool(x, 3, 2, reduce), rtol=1e-12)


def test_same_average_counts_only_real_pixels(sess):
    y = tf.nn.avg_pool(tf.ones([1, 3, 3, 1]), 2, 2, "SAME")
    np.testing.assert_array_equal(sess.run(y)[0, :, :, 0], np.ones((2, 2)))


def test_same_max_never_picks_padding(sess):
    x = -np.ones((1, 3, 3, 1), np.float32)
    np.testing.assert_array_equal(sess.run(tf.nn.max_pool(x, 2, 2, "SAME")), -np.ones((1, 2, 2, 1)))


def test_max_pool_gradient_goes_to_the_first_maximum(sess):
    x = tf.constant(np.ones((1, 2, 2, 1), np.float32))
    (dx,) = tf.gradients(tf.nn.max_pool(x, 2, 2, "VALID"), [x])
    assert dx.op.type == "MaxPoolGrad"
    np.testing.assert_array_equal(sess.run(dx)[0, :, :, 0], [[1, 0], [0, 0]])


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("fn", [tf.nn.max_pool, tf.nn.avg_pool])
def test_gradients_match_finite_differences(fn, padding):
    x = RNG.permutation(2 * 5 * 5 * 2).reshape(2, 5, 5, 2) / 10.0  # distinct: no ties
    check_gradients(lambda a: fn(a, [1, 3, 3, 1], [1, 2, 2, 1], padding), x)


def test_nchw_equals_transposed_nhwc(sess):
    x = RNG.standard_normal((2, 3, 6, 5)).astype(np.float32)
    for fn in (tf.nn.max_pool, tf.nn.avg_pool):
        a = fn(x, [1, 1, 3, 3], [1, 1, 2, 2], "SAME", data_format="NCHW")
        b = fn(x.transpose(0, 2, 3, 1), 3, 2, "SAME")
        np.testing.assert_allclose(*sess.run([a, tf.transpose(b, [0, 3, 1, 2])]), rtol=1e-6)


def test_int_max_pool(sess):
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    y = tf.nn.max_pool(x, 2, 2, "SAME")
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(sess.run(y)[0, :, :, 0], [[5, 7], [13, 15]])


def test_avg_pool_rejects_integers():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.nn.avg_pool(np.ones((1, 2, 2, 1), np.int32), 2, 2, "VALID")


def test_names_shapes_and_attrs():
    x = tf.placeholder(tf.float32, [None, 28, 28, 32])
    y = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME", name="pool")
    assert y.op.name == "pool" and y.shape.as_list() == [None, 14, 14, 32]
    assert y.op.get_attr("ksize") == [1, 2, 2, 1] and y.op.get_attr("explicit_paddings") == []
    z = tf.nn.avg_pool(x, 2, 2, "VALID")
    assert z.op.name == "AvgPool" and "explicit_paddings" not in z.op.node_def.attr


def test_batch_window_is_unimplemented_when_run(sess):
    y = tf.nn.max_pool(tf.ones([2, 4, 4, 1]), [2, 2, 2, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match="batch and depth dimensions"):
        sess.run(y)


def reference_same_pool(x, k, s, reduce):
    """SAME pooling by the definition: each window clipped to the image (no padding)."""
    (h, w), (kh, kw), (sh, sw) = x.shape[1:3], k, s
    oh, ow = -(-h // sh), -(-w // sw)
    top = max((oh - 1) * sh + kh - h, 0) // 2
    left = max((ow - 1) * sw + kw - w, 0) // 2
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - top, j * sw - left
            window = x[:, max(r0, 0) : r0 + kh, max(c0, 0) : c0 + kw, :]
            out[:, i, j, :] = reduce(window, axis=(1, 2))
    return out


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    ksize=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    kind=st.sampled_from(["max", "avg"]),
)
def test_any_same_geometry_matches_the_definition(size, ksize, strides, kind):
    fn, reduce = (tf.nn.max_pool, np.max) if kind == "max" else (tf.nn.avg_pool, np.mean)
    x = np.random.default_rng(sum(size)).standard_normal((2, *size, 2))
    with tf.Graph().as_default(), tf.Session() as sess:
        got = sess.run(fn(x, list(ksize), list(strides), "SAME"))
    np.testing.assert_allclose(got, reference_same_pool(x, ksize, strides, reduce), rtol=1e-12)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    tiles=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    ksize=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    ties=st.booleans(),
)
def test_tiled_max_pool_grad_equals_the_reference(tiles, ksize, ties):
    from teachflow.ops.pooling_ops import (
        max_pool_grad_tiled,
        max_pool_grad_windows,
        tiles_exactly,
    )
    from teachflow.ops.sliding_windows import patches, reduce_windows, window_2d

    size = (tiles[0] * ksize[0], tiles[1] * ksize[1])
    rng = np.random.default_rng(sum(size))
    x = rng.standard_normal((2, *size, 3)).astype(np.float32)
    if ties:  # ReLU'd activations: whole windows of zeros
        x = np.maximum(x, 0).round(0)
    win = window_2d(size, ksize, ksize, (1, 1), "VALID")
    assert tiles_exactly(win)
    y = reduce_windows(np.maximum, patches(np, x, win), win)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_array_equal(
        max_pool_grad_tiled(np, x, y, dy, win), max_pool_grad_windows(np, x, y, dy, win)
    )
