"""Replays tests/fixtures/tensorflow/record_linalg_image_names.py's programs with
teachflow: the graph's ops (name:type), the values and dtypes of ``outs``, and the errors.
The test files of the modules these programs exercise (test_lu_ops.py, ...) parametrize
over the programs of their own prefix."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/linalg_image_names/programs.json"
    ).read_text()
)


def programs(prefix):
    return sorted(n for n in RECORDS["programs"] if n.startswith(prefix + "/"))


def errors(prefix):
    return sorted(n for n in RECORDS["errors"] if n.startswith(prefix + "/"))


def _comparable(ops):
    # Gradient ops are named by the gradient functions of the ops inside (each tested
    # with its op), and a shape known while building is a Const, not Shape/shape_as_tensor.
    return sorted(
        op.replace("/shape_as_tensor:", ":") for op in ops if not op.startswith("gradients")
    )


def _expected(value, dtype):
    if isinstance(value, dict):
        return np.asarray(value["real"]) + 1j * np.asarray(value["imag"])
    return np.asarray(value, dtype)


def run_program(name, rtol_eps=64):
    """Build and run program ``name``; values within ``rtol_eps`` units of the dtype's
    epsilon (LAPACK-backed or reordered arithmetic differs from Eigen's in the last bits),
    integers exactly."""
    record = RECORDS["programs"][name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(RECORDS["setup"] + record["program"], scope)
        assert _comparable(f"{op.name}:{op.type}" for op in g.get_operations()) == _comparable(
            record["ops"]
        )
        with tf.Session() as sess:
            values = sess.run(scope["outs"])
    assert [np.asarray(v).dtype.name for v in values] == record["dtypes"]
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got, want = np.asarray(got), _expected(want, dtype)
        assert got.shape == want.shape
        if got.dtype.kind in "fc":
            eps = rtol_eps * np.finfo(got.dtype).eps
            scale = max(1.0, float(np.nanmax(np.abs(want), initial=0.0)))
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * scale)
        else:
            np.testing.assert_array_equal(got, want)


def run_error(name):
    """The error TensorFlow raised (while building or running), class and last line."""
    record = RECORDS["errors"][name]
    builtin = {"LookupError": LookupError, "TypeError": TypeError, "ValueError": ValueError}
    error = builtin.get(record["error"]) or getattr(tf.errors, record["error"])
    with tf.Graph().as_default():
        scope = {"tf": tf}
        with pytest.raises(error) as caught:
            exec(RECORDS["setup"] + record["program"], scope)
            with tf.Session() as sess:
                sess.run(scope["outs"])
    message = getattr(caught.value, "message", str(caught.value))
    # The first sentence, spaces aside (TF writes "operation'Lu'" for a missing gradient).
    want = record["message"].split(". ")[0].replace(" ", "")
    assert want in message.replace(" ", "")
