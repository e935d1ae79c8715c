"""TensorFlow's record of the last tf.nn / tf.data / tf.linalg pieces
(tests/fixtures/tensorflow/record_nn_data_more.py), and the checks that teachflow builds
the same graph, computes the same values and raises the same errors. Used by
tests/ops/test_ctc_beam_search_ops.py, test_space_to_batch_convolution.py, test_rnn_raw.py,
tests/data/test_experimental_ops.py and tests/ops/test_eigh_tridiagonal.py."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.control_flow_nest import flatten

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parent / "fixtures/tensorflow/nn_data_more/nn_data_more.json"
    ).read_text()
)
PROGRAMS, ERRORS = RECORDS["programs"], RECORDS["errors"]


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, (list, tuple)):
        return [_attr(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, tf.TensorShape):
        return value.as_list() if value.ndims is not None else None
    return value


def build(name):
    """Run program ``name`` with teachflow: (graph, flat outs, values)."""
    record = PROGRAMS[name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        outs = flatten(scope["outs"])
        with tf.Session() as sess:
            if "init" in scope:
                sess.run(scope["init"])
            values = sess.run(outs)
    return g, outs, values


def check_program(name, check_shapes=True, ulps=64, renamed=None, skip_prefix=None):
    """teachflow builds TF's graph (op names and types, the recorded attrs) and computes
    its values: exact for integers, within ``ulps`` of the dtype's epsilon for floats.
    ``renamed`` maps a known teachflow node-name suffix to TF's; nodes whose names start
    with ``skip_prefix`` are not compared."""
    record = PROGRAMS[name]
    g, outs, values = build(name)
    got = [f"{op.name}:{op.type}" for op in g.get_operations()]
    for ours, theirs in (renamed or {}).items():
        got = [n.replace(ours, theirs) for n in got]
    want = record["ops"]
    if skip_prefix:
        got = [n for n in got if not n.startswith(skip_prefix)]
        want = [n for n in want if not n.startswith(skip_prefix)]
    assert sorted(got) == sorted(want)
    for op_name, want in record["attrs"].items():
        op = g.get_operation_by_name(op_name)
        got = {
            k: _attr(v)
            for k, v in sorted(op._attrs.items())
            if not k.startswith("_") and k not in ("f", "predicate")
        }
        assert got == want, op_name
    for t, shape in zip(outs, record["shapes"] if check_shapes else ()):
        assert (t.shape.as_list() if t.shape.ndims is not None else None) == shape, t.name
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got = np.asarray(got)
        assert got.dtype.name == dtype
        want = np.asarray(want, dtype)
        assert got.shape == want.shape
        if got.dtype.kind == "f":
            eps = ulps * np.finfo(got.dtype).eps
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * max(np.abs(want).max(), 1))
        else:
            np.testing.assert_array_equal(got, want)


def check_error(name):
    """Running error program ``name`` raises TF's error class with TF's message."""
    record = ERRORS[name]
    with tf.Graph().as_default():
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"])
    assert caught.value.message.split("\n\t [[")[0] == record["message"]
