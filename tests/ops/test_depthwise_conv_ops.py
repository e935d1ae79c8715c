"""tf.nn.depthwise_conv2d / separable_conv2d and the DepthwiseConv2dNative ops: against
TensorFlow's recorded answers, per-channel conv2d, and finite differences."""

import numpy as np
import pytest

import teachflow as tf
from tests.ops.finite_differences import check_gradients
from tests.ops.nn_conv_fixtures import ERROR_CLASSES, cases_of, check_case, check_error, errors_of

RNG = np.random.default_rng(9)


@pytest.mark.parametrize("name", cases_of("depthwise_conv2d", "separable_conv2d"))
def test_matches_tensorflow(name):
    check_case(name)


@pytest.mark.parametrize("name", errors_of("depthwise_conv2d"))
def test_errors_match_tensorflow(name):
    check_error(name, ERROR_CLASSES)


def test_each_channel_is_its_own_conv2d(sess):
    x = RNG.standard_normal((2, 6, 5, 3))
    f = RNG.standard_normal((3, 2, 3, 2))
    y = sess.run(tf.nn.depthwise_conv2d(x, f, [1, 2, 1, 1], "SAME"))
    for c in range(3):
        per_channel = tf.nn.conv2d(x[..., c : c + 1], f[:, :, c : c + 1, :], [1, 2, 1, 1], "SAME")
        np.testing.assert_allclose(y[..., 2 * c : 2 * c + 2], sess.run(per_channel), rtol=1e-12)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_gradients_match_finite_differences(padding):
    x = RNG.standard_normal((1, 5, 4, 2))
    f = RNG.standard_normal((2, 3, 2, 2))
    check_gradients(lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 2, 1, 1], padding), x, f)


def test_dilated_rate_equals_the_dilations_attribute(sess):
    x = RNG.standard_normal((1, 7, 7, 2)).astype(np.float32)
    f = RNG.standard_normal((2, 2, 2, 1)).astype(np.float32)
    y = tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "VALID", rate=[2, 2])
    # TF's graph: SpaceToBatchND, the op with dilations 1, BatchToSpaceND.
    assert y.op.type == "BatchToSpaceND" and y.shape.as_list() == [1, 5, 5, 2]
    assert y.op.inputs[0].op.get_attr("dilations") == [1, 1, 1, 1]
    per = [
        tf.nn.conv2d(x[..., c : c + 1], f[:, :, c : c + 1], 1, "VALID", dilations=2) for c in (0, 1)
    ]
    np.testing.assert_allclose(sess.run(y), np.concatenate(sess.run(per), -1), rtol=1e-5)


def test_nchw_equals_transposed_nhwc(sess):
    x = RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)
    f = RNG.standard_normal((3, 3, 2, 2)).astype(np.float32)
    a = tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "SAME", data_format="NCHW")
    b = tf.nn.depthwise_conv2d(x.transpose(0, 2, 3, 1), f, [1, 1, 1, 1], "SAME")
    assert a.shape.as_list() == [1, 4, 5, 5]
    np.testing.assert_allclose(sess.run(a), sess.run(b).transpose(0, 3, 1, 2), rtol=1e-5)
