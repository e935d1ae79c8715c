"""Window ops' attributes: argument forms, explicit padding, graph-construction checks."""

import pytest

import teachflow as tf
from teachflow.ops.window_attrs import padding_attrs, window_sequence


def test_window_sequence_forms():
    assert window_sequence(2, "strides", "NHWC") == [1, 2, 2, 1]
    assert window_sequence([2, 3], "strides", "NHWC") == [1, 2, 3, 1]
    assert window_sequence([2, 3], "strides", "NCHW") == [1, 1, 2, 3]
    assert window_sequence([1, 2, 3, 1], "ksize", "NHWC") == [1, 2, 3, 1]
    with pytest.raises(ValueError, match="ksize should be of length 1, 2 or 4 but was 3"):
        window_sequence([1, 2, 3], "ksize", "NHWC")


def test_padding_forms():
    assert padding_attrs("VALID", "NHWC") == ("VALID", [])
    assert padding_attrs([[0, 0], [0, 0], [1, 2], [3, 4]], "NCHW") == (
        "EXPLICIT",
        [0, 0, 0, 0, 1, 2, 3, 4],
    )
    with pytest.raises(ValueError, match="nonzero padding in the spatial dimensions"):
        padding_attrs([[1, 0], [0, 0], [0, 0], [0, 0]], "NHWC")
    with pytest.raises(ValueError, match="it must have 4 elements"):
        padding_attrs([[0, 0], [0, 0]], "NHWC")


def test_graph_construction_checks():
    x = tf.zeros([1, 4, 4, 1])
    w = tf.ones([2, 2, 1, 1])
    with pytest.raises(ValueError, match="Invalid data format: NHCW"):
        tf.nn.conv2d(x, w, 1, "SAME", data_format="NHCW")
    with pytest.raises(ValueError, match="must be positive"):
        tf.nn.conv2d(x, w, [1, 0, 1, 1], "SAME")
