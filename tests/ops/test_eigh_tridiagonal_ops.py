"""tf.linalg.eigh_tridiagonal against TensorFlow's recorded graph and values."""

import numpy as np
import pytest

import teachflow as tf
from tests.nn_data_more_cases import check_program


def test_graph_and_values_are_tensorflows():
    # TF1 converts the Dimension alpha.shape[0] (the Sturm loop's start index) to a
    # constant named "shape_as_tensor"; teachflow's Dimension converts as an int ("Const").
    check_program(
        "eigh_tridiagonal",
        renamed={"while/sturm/while/Const:Const": "while/sturm/while/shape_as_tensor:Const"},
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eigenpairs_are_numpys(dtype):
    rng = np.random.RandomState(4)
    alpha, beta = rng.randn(9).astype(dtype), rng.randn(8).astype(dtype)
    w, v = tf.linalg.eigh_tridiagonal(alpha, beta, eigvals_only=False)
    with tf.Session() as sess:
        w, v = sess.run([w, v])
    matrix = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(w, np.linalg.eigvalsh(matrix), atol=64 * eps * 9)
    np.testing.assert_allclose(matrix @ v, v * w, atol=256 * eps * 9)


def test_select_by_value_interval():
    w = tf.linalg.eigh_tridiagonal([2.0, 2.0, 2.0], [1.0, 1.0], select="v", select_range=[1.0, 5.0])
    with tf.Session() as sess:
        got = sess.run(w)
    np.testing.assert_allclose(got, [2.0, 2.0 + np.sqrt(2.0)], rtol=1e-5)


def test_arguments_are_checked_while_building():
    with pytest.raises(ValueError, match="must have the same type"):
        tf.linalg.eigh_tridiagonal(np.ones(3, np.float32), np.ones(2))
    with pytest.raises(ValueError, match="select must have a value"):
        tf.linalg.eigh_tridiagonal([1.0, 2.0], [1.0], select="x")
