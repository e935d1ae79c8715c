"""TensorFlow's recorded answers for tests/image_spatial_cases.py
(tests/fixtures/tensorflow/record_image_spatial.py) and the check that teachflow's run of
the same case gives them."""

import json
import pathlib

import numpy as np

import teachflow as tf
from tests import image_spatial_cases

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "image_spatial"
VALUES = dict(np.load(HERE / "values.npz"))
OPS = json.loads((HERE / "ops.json").read_text())["ops"]

# Where the last op differs, the values being equal: TF builds rot90 as a cond on k
# (ending in the cond's Identity) even for a Python k; teachflow builds the one turn asked
# for (Transpose or ReverseV2), and a tensor k as tf.case (Merge). TF's cond leaves the
# turned height and width unknown; teachflow knows them for a Python k.
KNOWN_OP_DIFFERENCES = {
    ("rotations", "rot1"),
    ("rotations", "rot2"),
    ("rotations", "rot3"),
    ("rotations", "rot_tensor_k"),
}


def check_case(name):
    """Values (dtype, shape; floats to a few float32 roundings of the terms summed),
    op types and static shapes of every tensor of case ``name``."""
    values, info = image_spatial_cases.run(tf, name)
    assert sorted(values) == sorted(OPS[name])
    for key, got in values.items():
        want = VALUES[f"{name}/{key}"]
        assert got.dtype == want.dtype and got.shape == want.shape, key
        if want.dtype.kind == "f":
            # Sums of up to ~121 terms (an 11x11 window), in another order than TF's.
            tol = 64 * np.finfo(np.float32).eps
            scale = max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)
        if (name, key) in KNOWN_OP_DIFFERENCES:
            want_shape = OPS[name][key][1]
            assert len(info[key][1]) == len(want_shape), key
            assert all(w is None or g == w for g, w in zip(info[key][1], want_shape)), key
        else:
            assert info[key] == OPS[name][key], (key, info[key], OPS[name][key])
