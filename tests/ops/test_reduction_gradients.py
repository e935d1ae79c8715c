"""Gradients of reductions and broadcasting ops where the static shape is unknown or
zero-rank, fed scalars, arrays and empty arrays: the answers TensorFlow gives (recorded by
tests/fixtures/tensorflow/record_gradients.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/gradients/shapes.json").read_text()
)
SHAPES = {"unknown": None, "scalar": [], "vector": [None], "matrix": [None, None]}
CALLS = {"all": {}, "all_keepdims": {"keepdims": True}, "axis0": {"axis": 0}}
EPS = np.finfo(np.float32).eps


def _case_id(case):
    if case["kind"] == "reduction":
        return f"{case['fn']}-{case['shape']}-{case['feed']}-{case['call']}"
    return f"{case['fn']}-{case['shape_x']}:{case['feed_x']}-{case['shape_y']}:{case['feed_y']}"


def _assert_close(got, expected):
    expected = np.asarray(expected, np.float32)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=8 * EPS, atol=8 * EPS)


REDUCTIONS = [c for c in FIXTURE["cases"] if c["kind"] == "reduction"]
BINARIES = [c for c in FIXTURE["cases"] if c["kind"] == "binary"]


@pytest.mark.parametrize("case", REDUCTIONS, ids=_case_id)
def test_reduction_gradient_matches_tensorflow(case):
    x = tf.placeholder(tf.float32, SHAPES[case["shape"]])
    y = getattr(tf, case["fn"])(x, **CALLS[case["call"]])
    (g,) = tf.gradients(y, x)
    with tf.Session() as sess:
        got = sess.run(g, {x: FIXTURE["values"][case["feed"]]})
    _assert_close(got, case["grad"])


@pytest.mark.parametrize("case", BINARIES, ids=_case_id)
def test_broadcasting_gradient_matches_tensorflow(case):
    x = tf.placeholder(tf.float32, SHAPES[case["shape_x"]])
    y = tf.placeholder(tf.float32, SHAPES[case["shape_y"]])
    z = getattr(tf.math, case["fn"])(x, y)
    gx, gy = tf.gradients(z, [x, y])
    feed = {x: FIXTURE["positive"][case["feed_x"]], y: FIXTURE["other"][case["feed_y"]]}
    with tf.Session() as sess:
        got_x, got_y = sess.run([gx, gy], feed)
    _assert_close(got_x, case["grad_x"])
    _assert_close(got_y, case["grad_y"])


def test_reduce_sum_of_an_unshaped_placeholder_fed_a_scalar():
    # The bug report: "Integer division by zero [[gradients/Sum_grad/FloorMod]]".
    x = tf.placeholder(tf.float32)
    (g,) = tf.gradients(tf.reduce_sum(x * x), x)
    with tf.Session() as sess:
        assert sess.run(g, {x: 3.0}) == 6.0


def test_integer_division_by_zero_still_fails_when_something_is_divided():
    a = tf.placeholder(tf.int32)
    b = tf.placeholder(tf.int32)
    with tf.Session() as sess:
        assert sess.run(tf.floormod(a, b), {a: np.zeros([0], np.int32), b: 0}).shape == (0,)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
            sess.run(tf.floormod(a, b), {a: [1, 2], b: [0, 1]})


def test_prod_gradient_with_axes_fed_at_run_time_handles_zeros():
    # TF's _ProdGrad: exclusive running products, not prod / x (which is nan at x == 0).
    x = tf.placeholder(tf.float32, [2, 3])
    axis = tf.placeholder(tf.int32)
    (g,) = tf.gradients(tf.reduce_prod(x, axis), x)
    value = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.5]], np.float32)
    with tf.Session() as sess:
        by_rows = sess.run(g, {x: value, axis: 1})
        by_columns = sess.run(g, {x: value, axis: [0]})
    np.testing.assert_array_equal(by_rows, [[0.0, 2.0, 0.0], [2.0, 1.5, 12.0]])
    np.testing.assert_array_equal(by_columns, [[3.0, 4.0, 0.5], [1.0, 0.0, 2.0]])
