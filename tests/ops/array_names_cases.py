"""TensorFlow's recorded programs for the TF1 names added together
(tests/fixtures/tensorflow/record_array_names.py), and how a test runs one in teachflow.

Each program's key is ``module/name``: the test file of ``teachflow/ops/<module>.py`` runs the
programs of its module with `check_program` and the failing ones with `check_error`.
"""

import json
import pathlib
import re

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/array_names/array_names.json"
    ).read_text()
)


def programs(module):
    return sorted(k for k in RECORDS["programs"] if k.split("/")[0] == module)


def errors(module):
    return sorted(k for k in RECORDS["errors"] if k.split("/")[0] == module)


def _comparable(ops, gradients=True):
    # A shape known while building is a Const named Shape in teachflow, not
    # Shape/shape_as_tensor (see tests/ops/test_everyday_api.py).
    kept = [op for op in ops if gradients or not op.startswith("gradients")]
    return sorted(op.replace("/shape_as_tensor:", ":") for op in kept)


def run_program(key):
    """The ops, values and dtypes teachflow gives for the recorded program ``key``."""
    record = RECORDS["programs"][key]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        with tf.Session() as sess:
            if "init" in scope:
                sess.run(scope["init"])
            values = sess.run(scope["outs"], scope.get("feed"))
    return ops, values


def check_program(key, rtol_eps=4, gradient_names=True, graph=True):
    """Run ``key`` in teachflow and compare its graph and values with TensorFlow's.

    Floats agree to ``rtol_eps`` epsilons of their dtype (relative to the largest value);
    everything else exactly. ``gradient_names=False`` leaves out the ``gradients/`` ops, whose
    names come from the gradient functions of the ops inside (tested with those ops);
    ``graph=False`` compares only values (for graphs built by code outside the module)."""
    record = RECORDS["programs"][key]
    ops, values = run_program(key)
    if graph:
        assert _comparable(ops, gradient_names) == _comparable(record["ops"], gradient_names)
    assert len(values) == len(record["values"])
    for i, (got, want, dtype) in enumerate(zip(values, record["values"], record["dtypes"])):
        got = np.asarray(got, object if isinstance(got, bytes) else None)
        assert got.dtype.name == dtype, i
        if dtype == "object":  # strings, recorded as latin-1 text
            want = np.vectorize(lambda s: s.encode("latin-1"), otypes=[object])(
                np.asarray(want, object)
            )
        want = np.asarray(want, dtype)
        assert got.shape == want.shape, i
        if got.dtype.kind in "fc":
            eps = rtol_eps * np.finfo(got.dtype).eps
            scale = max(float(np.abs(want).max(initial=0.0)), 1.0)
            np.testing.assert_allclose(got, want, rtol=0, atol=eps * scale, err_msg=str(i))
        else:
            np.testing.assert_array_equal(got, want, err_msg=str(i))


def check_error(key, normalize=None):
    """Running ``key`` fails with TF's error class and message (``normalize``: a
    ``(pattern, replacement)`` applied to both messages, for names TF makes up)."""
    record = RECORDS["errors"][key]
    with tf.Graph().as_default():
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"], scope.get("feed"))
                sess.run(scope.get("outs2", []), scope.get("feed"))
    got, want = caught.value.message.split("\n\t [[")[0], record["message"]
    if normalize:
        got, want = (re.sub(*normalize, m) for m in (got, want))
    assert got == want
