"""Graphs teachflow must build node for node as TF 2.21 does (names, op types, inputs,
control inputs, output dtypes), with TF's values: the programs of
tests/fixtures/tensorflow/graph_fidelity_programs.py as record_graph_fidelity.py recorded
them."""

import json
import pathlib
import sys

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/graph_fidelity/graph_fidelity.json"
    ).read_text()
)["programs"]

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "fixtures/tensorflow"))
from graph_fidelity_programs import EPS_MULTIPLE  # noqa: E402


def node_line(op):
    inputs = [t.name for t in op.inputs] + ["^" + c.name for c in op.control_inputs]
    dtypes = ",".join(t.dtype.name for t in op.outputs)
    return f"{op.name}:{op.type}({dtypes}) <- {', '.join(inputs)}"


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _eps(name, dtype):
    # Transcendentals (log, log1p) may differ from Eigen's by an ulp or two, and a
    # reduction of a handful of them by as many as it has terms.
    return EPS_MULTIPLE.get(name, 16) * np.finfo(dtype).eps


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS[name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        got = sorted(node_line(op) for op in g.get_operations())
        missing = sorted(set(record["nodes"]) - set(got))
        extra = sorted(set(got) - set(record["nodes"]))
        assert (missing, extra) == ([], [])
        with tf.Session() as sess:
            values = list(_flat(sess.run(scope["outs"], scope.get("feed"))))
    assert len(values) == len(record["values"])
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got = np.asarray(got)
        assert got.dtype.name == dtype
        want = np.asarray(want, dtype)
        assert got.shape == want.shape
        if got.dtype.kind == "f":
            eps = _eps(name, got.dtype)
            scale = max(np.abs(want).max(initial=0.0), 1.0)
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * scale)
        else:
            np.testing.assert_array_equal(got, want)


def test_big_softmaxes_take_numpys_exp_small_ones_eigens():
    # Eigen's exp (TF's bits) costs ~25 numpy passes: only arrays a notebook prints get it.
    from teachflow.ops import activation_ops, eigen_math

    small = np.float32([[-8 / 7, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert activation_ops._exp(np, small).tolist() == eigen_math.exp(small).tolist()
    big = np.zeros((activation_ops.EIGEN_MATH_MOST + 1,), np.float32) - np.float32(8 / 7)
    assert activation_ops._exp(np, big).tolist() == np.exp(big).tolist()
    with tf.Session() as sess:
        rows = sess.run(tf.nn.softmax(tf.constant(np.ones((200, 100), np.float32))))
    np.testing.assert_allclose(rows, 0.01, rtol=4 * np.finfo(np.float32).eps)
