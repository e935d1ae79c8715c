"""TensorFlow's recorded tf.image answers (tests/fixtures/tensorflow/record_image.py) and
the check that teachflow's run of the same case (tests/image_cases.py) gives them."""

import json
import pathlib

import numpy as np

import teachflow as tf
from tests import image_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "image"
VALUES = dict(np.load(HERE / "values.npz"))
OPS = json.loads((HERE / "ops.json").read_text())["ops"]


# Where the last op differs, the values being equal: a single image's random flip is a
# tf.cond in TensorFlow (ending in Identity), teachflow selects between the image and its
# mirror (Select); TF ends a batch's resize_image_with_crop_or_pad with an Identity that
# carries its shape assertions, teachflow checks the shapes while building (Pad).
KNOWN_OP_DIFFERENCES = {
    ("random_flips", "lr_single"),
    ("random_flips", "ud_single"),
    ("crops_and_pads", "pad_or_crop"),
}


def check_case(name):
    """Values (dtype, shape, float32 rounding of a 4-term interpolation or a mean over an
    image), op types and static shapes of every tensor of case ``name``."""
    values, info = image_cases.run(tf, name)
    assert sorted(values) == sorted(OPS[name])
    for key, got in values.items():
        want = VALUES[f"{name}/{key}"]
        assert got.dtype == want.dtype and got.shape == want.shape, key
        if want.dtype.kind == "f":
            tol = 8 * np.finfo(np.float32).eps * np.sqrt(got[0].size)
            scale = max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)
        if (name, key) in KNOWN_OP_DIFFERENCES:
            assert info[key][1] == OPS[name][key][1], key  # the shape, not the op type
        else:
            assert info[key] == OPS[name][key], (key, info[key], OPS[name][key])
