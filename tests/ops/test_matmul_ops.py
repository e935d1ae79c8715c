"""Matrix products: MatMul, BatchMatMulV2, the @ operator and their gradients."""

import numpy as np
import pytest

import teachflow as tf
from tests.float_tolerance import assert_matmul_close
from tests.ops.finite_differences import check_gradients

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.float16])
def test_matmul_matches_numpy(sess, ta, tb, dtype):
    a = RNG.integers(-3, 4, size=(2, 3)).astype(dtype)
    b = RNG.integers(-3, 4, size=(3, 4)).astype(dtype)
    a_in = a.T if ta else a
    b_in = b.T if tb else b
    t = tf.matmul(a_in, b_in, transpose_a=ta, transpose_b=tb)
    assert (t.op.type, t.shape, t.dtype) == ("MatMul", (2, 4), tf.as_dtype(dtype))
    assert t.op.get_attr("transpose_a") is ta and t.op.get_attr("transpose_b") is tb
    out = sess.run(t)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, a @ b)


def test_batch_matmul_broadcasts_batch_dimensions(sess):
    a = RNG.standard_normal((5, 2, 3)).astype(np.float32)
    b = RNG.standard_normal((3, 4)).astype(np.float32)
    t = tf.matmul(a, b)
    assert (t.op.type, t.op.name, t.shape) == ("BatchMatMulV2", "MatMul", (5, 2, 4))
    assert_matmul_close(sess.run(t), a, b)
    c = RNG.standard_normal((5, 3, 2)).astype(np.float32)
    u = tf.matmul(c, np.ones((1, 3, 4), np.float32), adjoint_a=True)
    assert u.shape == (5, 2, 4) and u.op.get_attr("adj_x") is True
    assert_matmul_close(sess.run(u), np.swapaxes(c, -1, -2), np.ones((1, 3, 4)))


def test_operator_and_names():
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert tf.matmul(m, m).name == "MatMul:0"
    assert (m @ m).name == "matmul_1:0"  # names are unique regardless of case, as in TF
    assert tf.matmul(m, m, name="prod").name == "prod:0"
    assert (np.eye(2, dtype=np.float32) @ m).op.type == "MatMul"


def test_static_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2") as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    assert "(op: 'MatMul')" in str(e.value)
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.matmul(tf.ones([2]), tf.ones([2, 2]))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
        tf.matmul(tf.ones([5, 2, 3]), tf.ones([1, 3, 4]), transpose_a=True)
    with pytest.raises(TypeError, match="Input 'b' of 'MatMul' Op has type int32"):
        tf.matmul(tf.ones([2, 3]), tf.ones([3, 3], dtype=tf.int32))
    with pytest.raises(TypeError, match="DataType bool"):
        tf.matmul(tf.constant([[True]]), tf.constant([[True]]))
    with pytest.raises(ValueError, match="Only one of transpose_a and adjoint_a"):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]), transpose_a=True, adjoint_a=True)


def test_shapes_with_unknown_dimensions():
    assert tf.matmul(tf.placeholder(tf.float32, [None, 3]), tf.ones([3, 4])).shape == [None, 4]
    unknown = tf.matmul(tf.placeholder(tf.float32), tf.ones([3, 4]))
    assert unknown.op.type == "BatchMatMulV2" and unknown.shape.ndims is None


def test_runtime_errors(sess):
    p = tf.placeholder(tf.float32, [None, None])
    t = tf.matmul(p, tf.ones([3, 4]))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Matrix size-incompatible: In\[0\]: \[2,2\], In\[1\]: \[3,4\]",
    ):
        sess.run(t, {p: np.ones([2, 2])})
    q = tf.placeholder(tf.float32)
    u = tf.matmul(q, tf.ones([2, 3, 4]))
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="must have compatible batch dimensions"
    ):
        sess.run(u, {q: np.ones([3, 2, 3])})
    with pytest.raises(tf.errors.InvalidArgumentError, match="ndims must be >= 2"):
        sess.run(u, {q: np.ones([3])})


A = RNG.standard_normal((2, 3))
B = RNG.standard_normal((3, 4))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_gradients(ta, tb):
    a = A.T if ta else A
    b = B.T if tb else B
    check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_batch_matmul_gradients(ta, tb):
    a = RNG.standard_normal((2, 3, 2) if ta else (2, 2, 3))
    b = RNG.standard_normal((4, 3) if tb else (3, 4))
    # b is broadcast over the batch: its gradient is summed back to (3, 4).
    check_gradients(lambda x, y: tf.matmul(x, y, adjoint_a=ta, adjoint_b=tb), a, b)
