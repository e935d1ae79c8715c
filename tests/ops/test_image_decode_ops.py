"""tf.image.decode_gif / decode_bmp, and the GIF and BMP files decode_image reads, against
TensorFlow's recorded pixels (tests/fixtures/tensorflow/record_gif_bmp.py): frames drawn
over each other, BMP channels, dtypes, animations; which decoder takes which file, with
TF's errors."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "gif_bmp"
VALUES = dict(np.load(HERE / "values.npz"))
ERRORS = json.loads((HERE / "errors.json").read_text())["errors"]
FILES = {k.split("/")[1]: v.tobytes() for k, v in VALUES.items() if k.startswith("file/")}
PNG = tf.Session().run(tf.image.encode_png(np.arange(6, dtype=np.uint8).reshape(2, 3, 1)))

BUILD = {
    "gif": lambda name: tf.image.decode_gif(FILES[name]),
    "bmp": lambda name, channels: tf.image.decode_bmp(FILES[name], channels=int(channels)),
    "image": lambda name, dtype, expand: tf.image.decode_image(
        FILES[name], dtype=dtype, expand_animations=expand == "True"
    ),
}
OTHER = {
    "jpeg_as_gif": lambda: tf.image.decode_gif(FILES["grey_jpeg"]),
    "png_as_gif": lambda: tf.image.decode_gif(PNG),
    "gif_as_jpeg": lambda: tf.image.decode_jpeg(FILES["one_frame"]),
}
FAILING = {
    "gif_as_bmp": lambda: tf.image.decode_bmp(FILES["one_frame"]),
    "bmp_as_gif": lambda: tf.image.decode_gif(FILES["rgb24"]),
    "bmp_channels_1": lambda: tf.image.decode_bmp(FILES["rgb24"], channels=1),
    "animation_as_jpeg": lambda: tf.image.decode_jpeg(FILES["animation"]),
    "bmp_as_jpeg": lambda: tf.image.decode_jpeg(FILES["rgb24"]),
    "gif_channels_1": lambda: tf.image.decode_image(FILES["one_frame"], channels=1),
    "gif_channels_4": lambda: tf.image.decode_jpeg(FILES["one_frame"], channels=4),
}


@pytest.mark.parametrize("key", sorted(k for k in VALUES if not k.startswith("file/")))
def test_pixels_match_tensorflow(sess, key):
    kind, *args = key.split("/")
    tensor = OTHER[args[0]]() if kind == "other" else BUILD[kind](*args)
    got, want = sess.run(tensor), VALUES[key]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_the_fixture_covers_every_tensorflow_error():
    assert {k for k, v in ERRORS.items() if v} == set(FAILING)
    assert {k for k, v in ERRORS.items() if v is None} <= {"jpeg_as_gif", "gif_as_jpeg"}


@pytest.mark.parametrize("key", sorted(FAILING))
def test_errors_match_tensorflow(sess, key):
    kind, message = ERRORS[key]
    with pytest.raises(getattr(tf.errors, kind)) as raised:
        sess.run(FAILING[key]())
    assert raised.value.message.split("\n\t")[0] == message


def test_shapes():
    assert tf.image.decode_gif(b"").shape.as_list() == [None, None, None, 3]
    assert tf.image.decode_bmp(b"", channels=4).shape.as_list() == [None, None, 4]
