"""Running sums and products: tf.cumsum and tf.cumprod."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients


def _reference(fn, x, axis, exclusive, reverse):
    identity = 0 if fn is np.cumsum else 1
    if reverse:
        x = np.flip(x, axis)
    r = fn(x, axis=axis, dtype=x.dtype)
    if exclusive:
        r = np.concatenate(
            [np.full_like(np.take(r, [0], axis), identity), np.delete(r, -1, axis)], axis
        )
    return np.flip(r, axis) if reverse else r


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int8])
@pytest.mark.parametrize("tf_fn,np_fn", [(tf.cumsum, np.cumsum), (tf.cumprod, np.cumprod)])
def test_scans_match_numpy(sess, tf_fn, np_fn, dtype, axis, reverse, exclusive):
    x = np.array([[1, 2, 3], [4, -1, 2]], dtype)
    t = tf_fn(x, axis=axis, exclusive=exclusive, reverse=reverse)
    assert t.shape == x.shape and t.dtype == tf.as_dtype(dtype)
    out = sess.run(t)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, _reference(np_fn, x, axis, exclusive, reverse))


def test_names_and_attributes():
    t = tf.cumsum(tf.constant([1.0, 2.0]), exclusive=True)
    assert (t.op.type, t.op.name, t.op.inputs[1].name) == ("Cumsum", "Cumsum", "Cumsum/axis:0")
    assert t.op.get_attr("exclusive") is True and t.op.get_attr("reverse") is False
    assert tf.cumprod(tf.constant([1.0])).op.type == "Cumprod"


def test_scan_axis_is_checked_at_run_time(sess):
    t = tf.cumsum(tf.constant([1, 2]), axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[-1, 1\), but got 1"):
        sess.run(t)
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        tf.cumsum(tf.constant([1, 2]), axis=[0])


def test_empty_axis(sess):
    out = sess.run(tf.cumsum(tf.zeros([0, 2]), exclusive=True))
    assert out.shape == (0, 2)


X = np.array([[0.5, -1.2, 2.0], [1.5, 0.7, -0.3]])


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("fn", [tf.cumsum, tf.cumprod])
def test_scan_gradients(fn, axis, reverse, exclusive):
    check_gradients(lambda x: fn(x, axis=axis, exclusive=exclusive, reverse=reverse), X)
