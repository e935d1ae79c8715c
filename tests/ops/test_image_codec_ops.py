"""tf.image.encode_png / decode_png as ops: shapes, channels, dtypes and TF's errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf


def test_encode_then_decode_gives_the_image_back(sess):
    image = np.random.RandomState(0).randint(0, 256, size=(6, 5, 3)).astype(np.uint8)
    png = tf.image.encode_png(image)
    assert png.op.type == "EncodePng" and png.dtype == tf.string and png.shape == []
    back = tf.image.decode_png(png)
    assert back.op.type == "DecodePng" and back.shape.as_list() == [None, None, None]
    np.testing.assert_array_equal(sess.run(back), image)


def test_decode_png_channels_grey_to_rgb_and_rgba_and_alpha_dropped(sess):
    grey = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    png = tf.image.encode_png(grey)
    rgb, rgba = sess.run([tf.image.decode_png(png, channels=3), tf.image.decode_png(png, 4)])
    np.testing.assert_array_equal(rgb, np.repeat(grey, 3, axis=2))
    assert (rgba[:, :, 3] == 255).all() and tf.image.decode_png(png, 4).shape[2] == 4
    rgba_png = tf.image.encode_png(np.concatenate([rgb, rgba[:, :, 3:] - 1], axis=2))
    np.testing.assert_array_equal(sess.run(tf.image.decode_png(rgba_png, channels=3)), rgb)


def test_decode_png_as_uint16_widens_eight_bit_samples(sess):
    png = tf.image.encode_png(np.array([[[0], [1], [255]]], np.uint8))
    got = sess.run(tf.image.decode_png(png, dtype=tf.uint16))
    assert got.dtype == np.uint16 and got.ravel().tolist() == [0, 257, 65535]


def test_bytes_of_no_image_format_are_refused_as_in_tf_2_21(sess):
    # TF 2.21's DecodePng sniffs the format first (DecodeImageV2's kernel).
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        sess.run(tf.image.decode_png(tf.constant(b"hello")))


def test_encode_png_needs_a_three_dimensional_uint8_or_uint16_image():
    with pytest.raises(ValueError):
        tf.image.encode_png(tf.zeros([2, 2], tf.uint8))
    with pytest.raises(TypeError, match="uint8, uint16"):
        tf.image.encode_png(tf.zeros([2, 2, 1]))


PNG_FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow" / "png"
GREY = json.loads((PNG_FIXTURES / "grey.json").read_text())  # record_png_grey.py


@pytest.mark.parametrize("case", sorted(GREY))
def test_decode_png_to_grey_is_libpngs_weighted_sum(sess, case):
    name, dtype = case.split("/")
    png = (PNG_FIXTURES / f"{name}.png").read_bytes()
    grey = tf.image.decode_png(png, channels=1, dtype=tf.as_dtype(dtype))
    assert grey.shape.as_list() == [None, None, 1]
    got = sess.run(grey)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got[:, :, 0], GREY[case])


@pytest.mark.parametrize("channels", [2, 5])
def test_decode_png_refuses_other_channel_counts_when_run(channels):
    # As TF: the graph builds (shape [?, ?, channels]); the run is InvalidArgumentError.
    with tf.Graph().as_default(), tf.Session() as sess:
        png = tf.image.encode_png(np.zeros((2, 3, 3), np.uint8))
        decoded = tf.image.decode_png(png, channels=channels)
        assert decoded.shape.as_list() == [None, None, channels]
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match=f"`channels` must be 0, 1, 3 or 4 but got {channels}",
        ):
            sess.run(decoded)
