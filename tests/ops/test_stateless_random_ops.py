"""Stateless random ops against TensorFlow's recorded graphs, values (bit for bit) and errors
(tests/fixtures/tensorflow/record_stateless_random.py, tensorflow-cpu 2.21): uniform floats
and ints, normal, truncated normal, categorical, Poisson, gamma, binomial, parameterized
truncated normal, fold_in, split, create_rng_state and all_candidate_sampler."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.stateless_random_ops import key_counter_from_seed

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1]
        / "fixtures/tensorflow/stateless_random/stateless_random.json"
    ).read_text()
)


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    return value


def _run(record):
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(record["program"], scope)
        with tf.Session() as sess:
            values = sess.run(scope["outs"], scope.get("feed"))
    return g, scope, values


def _same_values(values, record):
    for i, (got, want, dtype, shape) in enumerate(
        zip(values, record["values"], record["dtypes"], record["shapes"], strict=True)
    ):
        got = np.asarray(got)
        assert got.dtype.name == dtype, i
        assert list(got.shape) == shape, i
        want = np.asarray(want, dtype=np.float64 if got.dtype.kind == "f" else dtype)
        # Every value exactly: float16/32 values were recorded as the float64 they widen to.
        np.testing.assert_array_equal(got, want.astype(dtype).reshape(shape), err_msg=f"output {i}")


@pytest.mark.parametrize("name", sorted(RECORDS["programs"]))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS["programs"][name]
    g, scope, values = _run(record)
    assert sorted(f"{op.name}:{op.type}" for op in g.get_operations()) == record["ops"]
    for op_name, want in record["attrs"].items():
        op = g.get_operation_by_name(op_name)
        got = {k: _attr(v) for k, v in sorted(op._attrs.items()) if not k.startswith("_")}
        assert {k: got.get(k) for k in want} == want, op_name
    for t, shape in zip(scope["outs"], record["static_shapes"], strict=True):
        assert (t.shape.as_list() if t.shape.dims else None) == shape, t.name
    _same_values(values, record)


@pytest.mark.parametrize("name", sorted(RECORDS["values_only"]))
def test_values_are_tensorflows(name):
    record = RECORDS["values_only"][name]
    _same_values(_run(record)[2], record)


@pytest.mark.parametrize("name", sorted(RECORDS["errors"]))
def test_errors_are_tensorflows(name):
    record = RECORDS["errors"][name]
    with tf.Graph().as_default():
        scope = {"tf": tf}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"], scope.get("feed"))
    assert caught.value.message.split("\n\t [[")[0] == record["message"]


def test_the_same_seed_gives_the_same_numbers_in_every_run_and_session():
    with tf.Graph().as_default():
        x = tf.random.stateless_normal([5], seed=[3, 4])
        with tf.Session() as sess:
            first, second = sess.run(x), sess.run(x)
        with tf.Session() as sess:
            third = sess.run(x)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, third)


def test_an_int32_seed_is_sign_extended_like_an_int64_one():
    assert key_counter_from_seed(np.array([-1, -7], np.int32)) == key_counter_from_seed(
        np.array([-1, -7], np.int64)
    )


def test_arguments_are_checked_while_building():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must be both None or not None"):
            tf.random.stateless_uniform([2], [1, 2], minval=0, dtype=tf.int32)
        with pytest.raises(ValueError, match="Please don't use unsigned integers"):
            tf.random.stateless_uniform([2], [1, 2], minval=0, maxval=3, dtype=tf.uint32)
        with pytest.raises(ValueError, match="Accepted dtypes are"):
            tf.random.stateless_categorical([[0.0]], 2, [1, 2], dtype=tf.float32)
        with pytest.raises(ValueError, match="unsupported value"):
            tf.random.stateless_normal([2], [1, 2], alg="mersenne")
        with pytest.raises(NotImplementedError, match="auto_select"):
            tf.random.stateless_normal([2], [1, 2], alg="threefry")


def test_stateless_ops_have_no_gradient():
    with tf.Graph().as_default():
        mean = tf.constant(1.0)
        x = tf.random.stateless_normal([3], [1, 2], mean=mean)
        assert tf.gradients(tf.reduce_sum(x), mean)[0] is not None  # through the AddV2
        rnd = x.op.inputs[0].op.inputs[0]
        assert rnd.op.type == "StatelessRandomNormalV2"
        assert tf.gradients(rnd, rnd.op.inputs[0]) == [None]
