"""Linear algebra against TensorFlow: every case of
tests/fixtures/tensorflow/record_linalg.py replayed with teachflow (values, dtypes, the
output op's type, and gradients), then the errors TensorFlow raises."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

CASES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/linalg/cases.json").read_text()
)
# Decompositions are unique only up to signs of columns: compare what is unique.
SIGN_FREE = {"qr", "linalg.qr", "linalg.svd", "linalg.eigh"}
NO_GRAD = {"qr", "svd", "eigh", "eigvalsh", "self_adjoint_eigvals", "eye", "adjoint"}


def _resolve(path):
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _decode(arg):
    if isinstance(arg, dict):
        return tf.constant(np.asarray(arg["array"], dtype=arg["dtype"]))
    return arg


def _kwargs(kwargs):
    return {k: (np.inf if v == "inf" else v) for k, v in kwargs.items()}


def _tolerance(dtype, n):
    """Relative and absolute tolerance: the dtype's eps grown with the work per entry
    (matrix factorizations lose a few digits with the condition number, here ~10)."""
    eps = np.finfo(dtype).eps
    return 64 * eps * np.sqrt(max(n, 1))


def _assert_close(got, expected, dtype):
    expected = np.asarray(expected, dtype=dtype)
    got = np.asarray(got)
    assert got.shape == expected.shape
    tol = _tolerance(dtype, expected.size)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * scale)


def _case_id(case):
    return f"{case['fn']}-{json.dumps(case['kwargs'], sort_keys=True)}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{_case_id(c)}" for i, c in enumerate(CASES)])
def test_matches_tensorflow(case):
    args = [_decode(a) for a in case["args"]]
    out = _resolve(case["fn"])(*args, **_kwargs(case["kwargs"]))
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    assert outs[0].op.type == case["op_type"]
    inputs = [a for a in args if isinstance(a, tf.Tensor)]
    weights = [
        tf.constant(np.arange(1, 1 + o.shape.num_elements()).reshape(o.shape.as_list()), o.dtype)
        for o in outs
    ]
    loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, weights)])
    grads = []
    if case["fn"].split(".")[-1] not in NO_GRAD:
        grads = [g for g in tf.gradients(loss, inputs) if g is not None]
    with tf.Session() as sess:
        values, grad_values = sess.run([outs, grads])
    assert [np.asarray(v).dtype.name for v in values] == case["dtypes"]
    if case["fn"] in SIGN_FREE:
        # Equal up to the sign of each column of q/u/v (and the matching rows of r).
        values = [np.abs(v) for v in values]
        case = {**case, "outputs": [np.abs(np.asarray(v)).tolist() for v in case["outputs"]]}
    for got, expected, dtype in zip(values, case["outputs"], case["dtypes"]):
        _assert_close(got, expected, dtype)
    assert len(grad_values) == len(case["grads"])
    for got, expected in zip(grad_values, case["grads"]):
        _assert_close(got, expected, got.dtype)


def test_normal_equation_recovers_the_line():
    # The first cell of every TF1 course: theta = inv(X^T X) X^T y.
    x = np.c_[np.ones(5), np.arange(5.0)].astype(np.float32)
    y = (3.0 - 2.0 * np.arange(5.0)).reshape(5, 1).astype(np.float32)
    X, Y = tf.constant(x), tf.constant(y)
    XT = tf.transpose(X)
    theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), Y)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(theta).ravel(), [3.0, -2.0], atol=1e-4)


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: tf.matrix_inverse(tf.ones([2, 3])), "Dimensions must be equal, but are 2 and 3"),
        (lambda: tf.matrix_inverse(tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
        (lambda: tf.matrix_solve(tf.ones([2, 2]), tf.ones([3, 1])), "but are 2 and 3"),
        (lambda: tf.cholesky(tf.ones([2, 3])), "Dimensions must be equal, but are 2 and 3"),
    ],
)
def test_static_shape_errors(build, words):
    with pytest.raises(ValueError, match=words):
        build()


def test_integer_matrices_are_refused_as_tensorflow_does():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values: float64"):
        tf.matrix_inverse(tf.ones([2, 2], tf.int32))


@pytest.mark.parametrize(
    "build, feed, words",
    [
        (tf.matrix_inverse, np.ones([2, 2]), "Input is not invertible."),
        (lambda p: tf.matrix_solve(p, tf.ones([2, 1])), np.ones([2, 2]), "not invertible"),
        (tf.matrix_determinant, np.ones([2, 3]), "Input matrix must be square."),
    ],
)
def test_runtime_errors_name_the_op(build, feed, words):
    p = tf.placeholder(tf.float32)
    out = build(p)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=words) as info:
            sess.run(out, {p: feed})
    assert out.op.name in str(info.value)


def test_cholesky_of_a_matrix_that_is_not_positive_definite_gives_nans():
    # TensorFlow 2's CPU kernel (the oracle) returns NaNs here rather than raising.
    with tf.Session() as sess:
        assert np.isnan(sess.run(tf.cholesky(-np.eye(2, dtype=np.float32)))).any()


def test_batched_inverse_with_unknown_shape():
    p = tf.placeholder(tf.float64)
    inv = tf.matrix_inverse(p)
    batch = np.stack([np.eye(2) * 2, np.array([[1.0, 2.0], [3.0, 4.0]])])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(inv, {p: batch}), np.linalg.inv(batch), rtol=1e-12)


def test_einsum_and_tensordot_errors():
    with pytest.raises(ValueError, match="Expected 2 input tensors"):
        tf.einsum("ij,jk->ik", tf.ones([2, 2]))
    with pytest.raises(ValueError, match="Different number of contraction axes"):
        tf.tensordot(tf.ones([2, 2]), tf.ones([2, 2]), [[0, 1], [0]])


@pytest.mark.parametrize("ord_", ["fro", 0, -1, "nuc"])
def test_norm_refuses_unsupported_vector_orders(ord_):
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm"):
        tf.norm(tf.ones([3]), ord=ord_, axis=0)


DECOMPOSITIONS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/linalg/decomposition_grads.json"
    ).read_text()
)


@pytest.mark.parametrize(
    "case", DECOMPOSITIONS, ids=[f"{c['kind']}-{i}" for i, c in enumerate(DECOMPOSITIONS)]
)
def test_eig_and_singular_value_gradients_match_tensorflow(case):
    # The losses of record_decomposition_grads.py: only sign-free quantities.
    weights = [1.0, 2.0, 3.0]
    a = tf.constant(np.asarray(case["a"], np.float32))
    if case["kind"] == "eigvals":
        loss = tf.reduce_sum(tf.self_adjoint_eigvals(a) * weights)
    elif case["kind"] == "eig":
        e, v = tf.self_adjoint_eig(a)
        loss = tf.reduce_sum(e * weights) + tf.reduce_sum(v[..., 0, :] * v[..., 1, :] * weights)
    elif case["kind"] == "qr":
        q, r = tf.qr(a)
        k, n = r.shape.as_list()[-2:]
        loss = tf.reduce_sum(q[..., 0, :] * q[..., 1, :] * weights[:k]) + tf.reduce_sum(
            r * r * weights[:n]
        )
    elif case["kind"] == "svd_vectors":
        s, u, v = tf.svd(a)
        k = s.shape.as_list()[-1]
        pairs = s + u[..., 0, :] * u[..., 1, :] + v[..., 0, :] * v[..., 1, :]
        loss = tf.reduce_sum(pairs * weights[:k])
    else:
        s = tf.svd(a, compute_uv=case["kind"] == "singular_values_uv")
        s = s[0] if isinstance(s, tuple) else s
        loss = tf.reduce_sum(s * weights[: s.shape.as_list()[-1]])
    (grad,) = tf.gradients(loss, a)
    with tf.Session() as sess:
        got = sess.run(grad)
    _assert_close(got, case["grad"], np.float32)


def test_svd_gradient_needs_a_known_matrix_size():
    p = tf.placeholder(tf.float32)
    s, u, v = tf.svd(p)
    with pytest.raises(LookupError, match="unknown inner matrix shape"):
        tf.gradients(tf.reduce_sum(u), p)
