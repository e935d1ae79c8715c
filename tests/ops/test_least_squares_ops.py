"""``tf.matrix_solve_ls`` / ``tf.linalg.lstsq`` against TensorFlow: every case of
tests/fixtures/tensorflow/record_least_squares.py replayed with teachflow (the graph's op
names, types and inputs, the solution and its gradients), then the run-time branch of an
unknown shape and the errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

CASES = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/linalg/least_squares.json"
    ).read_text()
)


def _assert_close(got, expected, dtype):
    # The normal equations square the condition number (here ~10 -> ~100), and the solve
    # loses that many ulps of the dtype on top of the products' rounding.
    tol = 2048 * float(np.finfo(dtype).eps)
    expected = np.asarray(expected, dtype)
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=tol, atol=tol * scale)


def _solver(fn):
    obj = tf
    for part in fn.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['fn']}" for i, c in enumerate(CASES)])
def test_matches_tensorflow(case):
    dtype = case["dtype"]
    graph = tf.Graph()
    with graph.as_default():
        matrix = tf.constant(np.asarray(case["matrix"], dtype))
        rhs = tf.constant(np.asarray(case["rhs"], dtype))
        x = _solver(case["fn"])(matrix, rhs, **case["kwargs"])
        ops = [[op.name, op.type, [t.name for t in op.inputs]] for op in graph.get_operations()]
        assert ops == case["ops"]
        assert x.name == case["output_name"]
        fetches = [x]
        if case["grads"]:
            weights = tf.constant(
                np.arange(1, 1 + x.shape.num_elements()).reshape(x.shape.as_list()), dtype
            )
            fetches += tf.gradients(tf.reduce_sum(x * weights), [matrix, rhs])
        with tf.Session() as sess:
            values = sess.run(fetches)
    assert values[0].dtype == np.dtype(dtype)
    for got, expected in zip(values, [case["x"], *case["grads"]]):
        _assert_close(got, expected, dtype)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4)])
def test_an_unknown_shape_picks_the_branch_at_run_time(shape):
    a = np.random.RandomState(3).rand(*shape)
    b = np.random.RandomState(4).rand(shape[0], 2)
    matrix = tf.placeholder(tf.float64, [None, None])
    x = tf.matrix_solve_ls(matrix, b)
    with tf.Session() as sess:
        got = sess.run(x, {matrix: a})
    np.testing.assert_allclose(got, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-9)


def test_fast_false_has_no_gradient():
    matrix = tf.ones([3, 2])
    x = tf.matrix_solve_ls(matrix, tf.ones([3, 1]), fast=False)
    assert x.op.type == "MatrixSolveLs"
    with pytest.raises(ValueError, match="Gradient not defined for fast=False"):
        tf.gradients(x, matrix)
