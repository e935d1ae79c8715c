"""tf.image box ops against TensorFlow's recorded answers (tests/image_box_cases.py,
recorded by tests/fixtures/tensorflow/record_image_boxes.py): crop_and_resize and both of
its gradients, non_max_suppression (V3, V5 with Soft-NMS, with overlaps),
draw_bounding_boxes (V1 and V2) and sample_distorted_bounding_box's draws, bit for bit over
three runs; plus the kernels' errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from tests import image_box_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "image_boxes"
VALUES = dict(np.load(HERE / "values.npz"))
OPS = json.loads((HERE / "ops.json").read_text())["ops"]
RUNS = {"sample_distorted_bounding_box": 3}


@pytest.mark.parametrize("name", sorted(image_box_cases.CASES))
def test_matches_tensorflow(name):
    """Same op types, names and static shapes; integer values exact, floats to float32
    rounding of the kernel's sums (most are exact: the kernels' arithmetic is TF's)."""
    values, info = image_box_cases.run(tf, name, RUNS.get(name, 1))
    assert info == OPS[name]
    assert sorted(values) == sorted(k.split("/", 1)[1] for k in VALUES if k.startswith(name + "/"))
    for key, got in values.items():
        want = VALUES[f"{name}/{key}"]
        assert got.dtype == want.dtype and got.shape == want.shape, key
        if want.dtype.kind == "f":
            eps = np.finfo(want.dtype).eps
            scale = max(1.0, float(np.abs(want).max(initial=0)))
            np.testing.assert_allclose(got, want, rtol=4 * eps, atol=16 * eps * scale, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)


def test_crop_and_resize_box_index_outside_the_batch(sess):
    crops = tf.image.crop_and_resize(
        np.zeros((2, 3, 3, 1), np.float32), [[0, 0, 1, 1]], [2], [2, 2]
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"box_index has values outside \[0, batch_size\)"
    ):
        sess.run(crops)


def test_crop_and_resize_method_and_type_are_checked():
    with pytest.raises(ValueError, match="method must be one of"):
        tf.image.crop_and_resize(tf.zeros([1, 2, 2, 1]), [[0, 0, 1, 1]], [0], [1, 1], "area")
    with pytest.raises(TypeError, match="allowed values"):
        tf.image.crop_and_resize(tf.zeros([1, 2, 2, 1], tf.bool), [[0, 0, 1, 1]], [0], [1, 1])


def test_non_max_suppression_thresholds_are_checked(sess):
    keep = tf.image.non_max_suppression([[0, 0, 1, 1]], [1.0], 1, iou_threshold=1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"iou_threshold must be in \[0, 1\]"):
        sess.run(keep)
    _, scores = tf.image.non_max_suppression_with_scores(
        [[0, 0, 1, 1]], [1.0], 1, soft_nms_sigma=-1.0
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="soft_nms_sigma_val must be >= 0"):
        sess.run(scores)


def test_draw_bounding_boxes_needs_a_batch_of_1_3_or_4_channels(sess):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Channel depth should be either 1"):
        sess.run(tf.image.draw_bounding_boxes(tf.zeros([1, 2, 2, 2]), tf.zeros([1, 1, 4])))
    with pytest.raises(tf.errors.InvalidArgumentError, match="The batch sizes should be the same"):
        sess.run(tf.image.draw_bounding_boxes(tf.zeros([2, 2, 2, 3]), tf.zeros([1, 1, 4])))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(bounding_boxes=[[[0, 0, 1, 1.5]]]), r"must be in \[0.0, 1.0\]: 1.5"),
        (dict(bounding_boxes=np.zeros((1, 0, 4), np.float32)), "No bounding boxes provided"),
        (dict(area_range=[0.5, 1.5]), "Area range must be less then or equal to 1.0"),
        (dict(min_object_covered=-0.5), "Min object covered must be non-negative"),
    ],
)
def test_sample_distorted_bounding_box_errors(sess, kwargs, message):
    args = dict(image_size=[10, 10, 3], bounding_boxes=[[[0, 0, 1, 1]]], seed=1)
    begin, _, _ = tf.image.sample_distorted_bounding_box(**{**args, **kwargs})
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        sess.run(begin)


def test_sample_distorted_bounding_box_crop_slices_the_image(sess):
    image = np.arange(40 * 50 * 3).reshape(40, 50, 3)
    begin, size, _ = tf.image.sample_distorted_bounding_box(
        tf.shape(image), [[[0.1, 0.2, 0.6, 0.7]]], seed=1
    )
    crop = tf.slice(image, begin, size)
    b, s, c = sess.run([begin, size, crop])
    np.testing.assert_array_equal(c, image[b[0] : b[0] + s[0], b[1] : b[1] + s[1]])
