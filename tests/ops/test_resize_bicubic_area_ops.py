"""``tf.image.resize_bicubic`` (every align_corners / half_pixel_centers mode, and its
gradient) and ``tf.image.resize_area``, up- and downsampling, and
``resize_images(method=BICUBIC / AREA)``'s graph: recorded from TensorFlow 2.21 by
tests/fixtures/tensorflow/record_resize_bicubic_area.py."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests.float_tolerance import gamma

HERE = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resize_bicubic_area"
VALUES = np.load(HERE / "values.npz")
KEYS = [k for k in VALUES.files if k != "image"]


def _build(key, x):
    kind, hw, *flags = key.split("/")
    h, w = (int(v) for v in hw.split("x"))
    if kind == "area":
        return tf.image.resize_area(x, [h, w], align_corners=bool(int(flags[0])))
    y = tf.image.resize_bicubic(
        x, [h, w], align_corners=bool(int(flags[0])), half_pixel_centers=bool(int(flags[1]))
    )
    if kind == "bicubic":
        return y
    weights = tf.constant(np.arange(2 * h * w * 3, dtype=np.float32).reshape(2, h, w, 3))
    return tf.gradients(y, x, weights)[0]


@pytest.mark.parametrize("key", KEYS)
def test_values_follow_tensorflow(key):
    x = tf.constant(VALUES["image"])
    with tf.Session() as sess:
        got = sess.run(_build(key, x))
    want = VALUES[key]
    assert got.dtype == np.float32 and got.shape == want.shape
    # Each output is a sum of at most 64 float32 products whose weights' magnitudes add up
    # to a few units (TF sums them in another order).
    bound = gamma(64, np.float32) * 4 * max(np.abs(want).max(), np.abs(VALUES["image"]).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=bound)


def test_resize_images_builds_tensorflows_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.ones([4, 4, 1])
        tf.image.resize_images(x, [3, 5], method=tf.image.ResizeMethod.BICUBIC)
        tf.image.resize_images(x, [3, 5], method=tf.image.ResizeMethod.AREA)
    nodes = [[n.name, n.op, list(n.input), sorted(n.attr)] for n in g.as_graph_def().node]
    assert nodes == json.loads((HERE / "graph.json").read_text())


def test_resize_area_has_no_gradient_as_in_tensorflow():
    x = tf.ones([1, 4, 4, 1])
    with pytest.raises(LookupError):
        tf.gradients(tf.image.resize_area(x, [2, 2]), x)
