"""teachflow/ops/jpeg_window_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "jpeg/..." (is_jpeg,
extract_jpeg_shape, decode_and_crop_jpeg and their tf.io names), on JPEG files written by
TensorFlow's encoder."""

import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program

# TF's libjpeg crops 4:2:0 colour with fancy upsampling at iMCU boundaries, treating the
# window's edges as image edges; teachflow crops the full decode (see the module's note),
# whose 4:2:0 default decode is itself a few levels off (jpeg_codec_ops).
INEXACT = {"jpeg/decode_and_crop_420_fancy": {0: 16, 1: 8}}


@pytest.mark.parametrize("name", programs("jpeg"))
def test_graph_and_values_are_tensorflows(name):
    run_program(name, int_atol=INEXACT.get(name))


@pytest.mark.parametrize("name", errors("jpeg"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_tf_io_has_the_same_functions():
    assert tf.io.is_jpeg is tf.image.is_jpeg
    assert tf.io.extract_jpeg_shape is tf.image.extract_jpeg_shape
    assert tf.io.decode_and_crop_jpeg is tf.image.decode_and_crop_jpeg


def test_a_constant_window_gives_the_static_shape():
    jpeg = tf.image.encode_jpeg(tf.zeros([8, 8, 3], tf.uint8))
    assert tf.image.decode_and_crop_jpeg(jpeg, [1, 2, 3, 4], channels=3).shape.as_list() == [
        3,
        4,
        3,
    ]
    window = tf.placeholder(tf.int32, [4])
    assert tf.image.decode_and_crop_jpeg(jpeg, window).shape.as_list() == [None, None, None]
