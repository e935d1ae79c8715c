"""The tf.nn names teachflow added to match TF 2.21's tf.compat.v1.nn, against
TensorFlow's recorded graphs, attrs, values and errors
(tests/fixtures/tensorflow/record_nn_names.py)."""

import json
import pathlib
import re

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/nn_names/nn_names.json").read_text()
)


# What teachflow builds differently from TF 2.21 for reasons outside these functions: a
# shape known while building is a Const named Shape, not Shape/shape_as_tensor.
def _comparable(ops):
    return sorted(op.replace("/shape_as_tensor:", ":") for op in ops)


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, (list, tuple)):
        return [_attr(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, tf.TensorShape):  # recorded as its proto's dims: none when unknown
        return [] if value.ndims is None else [-1 if d is None else d for d in value.as_list()]
    return value


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _check_attrs(g, recorded):
    for op_name, want in recorded.items():
        op = g.get_operation_by_name(op_name)
        # get_attr, as in TF, also gives the attrs that follow from dtypes and defaults.
        assert {k: _attr(op.get_attr(k)) for k in want} == want, op_name


@pytest.mark.parametrize("name", sorted(RECORDS["programs"]))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS["programs"][name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        got_ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        assert _comparable(got_ops) == _comparable(record["ops"])
        _check_attrs(g, record["attrs"])
        with tf.Session() as sess:
            values = list(_flat(sess.run(scope["outs"], scope.get("feed"))))
    assert len(values) == len(record["values"])
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got = np.asarray(got)
        assert got.dtype.name == dtype
        want = np.asarray(want, dtype)
        assert got.shape == want.shape
        if got.dtype.kind == "f":
            # Sums of a few dozen products in the dtype, in any order.
            eps = 64 * np.finfo(got.dtype).eps
            np.testing.assert_allclose(got, want, rtol=eps, atol=eps * max(np.abs(want).max(), 1))
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(RECORDS["errors"]))
def test_run_errors_are_tensorflows(name):
    record = RECORDS["errors"][name]
    with tf.Graph().as_default():
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"], scope.get("feed"))
    got = caught.value.message.split("\n\t [[")[0]
    assert _attrs_sorted(got) == _attrs_sorted(record["message"])


def _attrs_sorted(message):
    """A no-kernel message with its attrs sorted: TF lists them in a hash map's order."""

    def by_name(match):
        return "with these attrs: [" + ", ".join(sorted(re.split(r", (?=\w+=)", match[1]))) + "]"

    return re.sub(r"with these attrs: \[(.*)\]", by_name, message)


@pytest.mark.parametrize("name", sorted(RECORDS["build_errors"]))
def test_build_errors_are_tensorflows(name):
    record = RECORDS["build_errors"][name]
    with tf.Graph().as_default():
        with pytest.raises((ValueError, TypeError)) as caught:
            exec(record["program"], {"tf": tf, "np": np})
    assert type(caught.value).__name__ == record["error"]
    assert str(caught.value) == record["message"]
