"""keep_where routes values by a mask with numpy.where's answers, bit for bit; ReluGrad
multiplies by its mask as TensorFlow's functor (so -0.0 where TF gives it)."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.masking import keep_where


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.float16])
def test_keep_where_equals_where_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    values = (rng.standard_normal((4, 6, 5)) * 100).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        values.flat[:4] = [np.inf, -np.inf, np.nan, -0.0]
    mask = rng.random((4, 6, 5)) < 0.5
    for v, m in [(values, mask), (values[:, ::2], mask[:, ::2]), (values.T, mask.T)]:
        got, want = keep_where(np, m, v), np.where(m, v, v.dtype.type(0))
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()


def test_relu_grad_is_the_gradient_times_the_mask():
    x = np.array([-1.0, 0.0, 2.0, -3.0], np.float32)
    dy = np.array([-5.0, 4.0, -3.0, np.inf], np.float32)
    with tf.Graph().as_default(), tf.Session() as sess:
        xt = tf.constant(x)
        (g,) = tf.gradients(tf.nn.relu(xt), [xt], grad_ys=[tf.constant(dy)])
        got = sess.run(g)
    # TF: gradients * (features > 0): -5 * 0 is -0.0, inf * 0 is nan.
    assert np.signbit(got[0]) and got[0] == 0
    assert got[1] == 0 and not np.signbit(got[1])
    assert got[2] == -3.0
    assert np.isnan(got[3])
