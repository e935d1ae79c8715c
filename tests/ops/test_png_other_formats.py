"""TF 2.21's ``DecodePng`` is DecodeImageV2's kernel: it reads a JPEG and a one-frame GIF
too (uint16 by shifting the 8-bit samples up), refuses a BMP and an animation with TF's
words, and, like every JPEG decoder, says "JPEG does not support 4 channels".

Pixels and errors recorded from TensorFlow by
tests/fixtures/tensorflow/record_png_other_formats.py."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

HERE = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/png_other_formats"
VALUES = np.load(HERE / "values.npz")
ERRORS = json.loads((HERE / "errors.json").read_text())
FILES = sorted(k.split("/")[1] for k in VALUES.files if k.startswith("file/"))
CASES = [
    f"png/{name}/{channels}/{dtype}"
    for name in FILES
    for channels in (0, 1, 3, 4)
    for dtype in ("uint8", "uint16")
]


@pytest.mark.parametrize("key", CASES)
def test_decode_png_of_other_formats_follows_tensorflow(key):
    _, name, channels, dtype = key.split("/")
    raw = VALUES[f"file/{name}"].tobytes()
    op = tf.io.decode_png(raw, channels=int(channels), dtype=dtype)
    with tf.Session() as sess:
        if key in ERRORS:
            kind, message = ERRORS[key]
            with pytest.raises(getattr(tf.errors, kind)) as raised:
                sess.run(op)
            assert message in raised.value.message
        else:
            got = sess.run(op)
            assert got.dtype == VALUES[key].dtype
            np.testing.assert_array_equal(got, VALUES[key])
