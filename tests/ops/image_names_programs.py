"""Replays tests/fixtures/tensorflow/record_image_names.py's programs with teachflow: the
graph's ops (name:type), the values and dtypes of ``outs``, and the errors. The test files
of the modules these programs exercise (test_colorspace_ops.py, ...) parametrize over the
programs of their own prefix."""

import json
import pathlib
import re

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/image_names/programs.json"
    ).read_text()
)


def programs(prefix):
    return sorted(n for n in RECORDS["programs"] if n.startswith(prefix + "/"))


def errors(prefix):
    return sorted(n for n in RECORDS["errors"] if n.startswith(prefix + "/"))


def _comparable(ops, unlike):
    # Gradient ops are named by the gradient functions of the ops inside (each tested
    # with its op); ``unlike`` are name prefixes or regular expressions ("name:type") where
    # teachflow's graph is knowingly not TensorFlow's (each caller says why).
    return sorted(
        op
        for op in ops
        if not op.startswith("gradients")
        and not any(op.startswith(p) or re.search(p, op) for p in unlike)
    )


def build(name):
    """The graph and the fetched values of program ``name`` built by teachflow."""
    record = RECORDS["programs"][name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(RECORDS["setup"] + record["program"], scope)
        with tf.Session() as sess:
            values = sess.run(scope["outs"])
    return g, values


def run_program(name, rtol_eps=64, unlike=(), int_atol=None):
    """Build and run program ``name``; floats within ``rtol_eps`` units of the dtype's
    epsilon (reordered arithmetic differs from Eigen's in the last bits), integers exactly
    (or within ``int_atol[i]`` for output ``i``)."""
    record = RECORDS["programs"][name]
    g, values = build(name)
    got_ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
    assert _comparable(got_ops, unlike) == _comparable(record["ops"], unlike)
    assert [np.asarray(v).dtype.name for v in values] == record["dtypes"]
    for i, (got, want, dtype) in enumerate(zip(values, record["values"], record["dtypes"])):
        got, want = np.asarray(got), np.asarray(want, dtype)
        assert got.shape == want.shape, i
        if got.dtype.kind in "fc":
            eps = rtol_eps * np.finfo(got.dtype).eps
            scale = max(1.0, float(np.nanmax(np.abs(want), initial=0.0)))
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * scale, err_msg=str(i))
        elif int_atol and int_atol.get(i):
            diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
            assert diff.max(initial=0) <= int_atol[i], i
        else:
            np.testing.assert_array_equal(got, want, err_msg=str(i))


def run_error(name):
    """The error TensorFlow raised (while building or running), class and last line."""
    record = RECORDS["errors"][name]
    builtin = {"TypeError": TypeError, "ValueError": ValueError}
    error = builtin.get(record["error"]) or getattr(tf.errors, record["error"])
    with tf.Graph().as_default():
        scope = {"tf": tf}
        with pytest.raises(error) as caught:
            exec(RECORDS["setup"] + record["program"], scope)
            with tf.Session() as sess:
                sess.run(scope["outs"])
    message = getattr(caught.value, "message", str(caught.value))
    # The first sentence, without TF 2's node text ("for '{{node ...}} = ...'"), spaces aside.
    want = record["message"].split(". ")[0].split(" for '")[0].replace(" ", "")
    assert want in message.replace(" ", "")
