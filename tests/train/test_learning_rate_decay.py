"""Learning-rate schedules and gradient clipping against TensorFlow (values recorded by
tests/fixtures/tensorflow/record_schedules.py), evaluated at many global steps."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/schedules/cases.json").read_text()
)
EPS32 = np.finfo(np.float32).eps
# TF's names come from its own op counting inside these two; teachflow names the output op
# differently there (piecewise_constant selects with where, not tf.case).
NAMES_DIFFER = {"cosine_decay", "piecewise_constant"}


def _id(case):
    return f"{case['fn']}-{json.dumps(case['kwargs'], sort_keys=True)}"


@pytest.mark.parametrize("case", RECORD["schedules"], ids=_id)
def test_schedule_matches_tensorflow(case):
    step = tf.placeholder(tf.int64, [], name="global_step")
    if case["fn"] == "piecewise_constant":
        lr = tf.train.piecewise_constant(step, **case["kwargs"])
    else:
        lr = getattr(tf.train, case["fn"])(global_step=step, **case["kwargs"])
    assert lr.dtype.name == case["dtype"]
    if case["fn"] not in NAMES_DIFFER:
        assert (lr.op.name, lr.op.type) == (case["name"], case["type"])
    with tf.Session() as sess:
        got = [float(sess.run(lr, {step: s})) for s in RECORD["steps"]]
    # A handful of float32 ops per value (pow, cos): a few ulps of the rate.
    np.testing.assert_allclose(got, case["values"], rtol=16 * EPS32, atol=16 * EPS32 * 0.1)


def test_schedule_follows_a_variable_global_step_and_drives_an_optimizer():
    global_step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(1.0, global_step, 1, 0.5, staircase=True)
    w = tf.Variable(0.0)
    train = tf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=global_step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(w) == 1.0 + 0.5 + 0.25 and sess.run(global_step) == 3


@pytest.mark.parametrize(
    "fn", ["exponential_decay", "inverse_time_decay", "natural_exp_decay", "polynomial_decay"]
)
def test_global_step_is_required(fn):
    with pytest.raises(ValueError, match=f"global_step is required for {fn}"):
        getattr(tf.train, fn)(0.1, None, 10, 0.5)


def test_piecewise_constant_checks_its_lists():
    with pytest.raises(ValueError, match="1 less than the length of values"):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [0.1, 0.2])


def _const(arg):
    return tf.constant(np.asarray(arg, np.float32))


def _weights(o):
    return tf.reshape(tf.cast(tf.range(1, 1 + tf.size(o)), o.dtype), tf.shape(o))


@pytest.mark.parametrize("case", RECORD["clips"], ids=_id)
def test_clipping_matches_tensorflow(case):
    if case["list_arg"]:
        inputs = [[None if a is None else _const(a) for a in case["args"][0]]]
        flat = [t for t in inputs[0] if t is not None]
    else:
        inputs = [_const(a) for a in case["args"]]
        flat = inputs
    out = getattr(tf, case["fn"])(*inputs, **case["kwargs"])
    if case["fn"] == "clip_by_global_norm":
        assert [o is None for o in out[0]] == [a is None for a in inputs[0]]
        outs = [o for o in out[0] if o is not None] + [out[1]]
    else:
        outs = [out]
    assert [o.op.name for o in outs] == case["names"]
    loss = tf.add_n([tf.reduce_sum(o * _weights(o)) for o in outs])
    grads = [g for g in tf.gradients(loss, flat) if g is not None]
    with tf.Session() as sess:
        values, grad_values = sess.run([outs, grads])
    for got, expected in zip(values, case["outputs"]):
        np.testing.assert_allclose(got, expected, rtol=8 * EPS32, atol=8 * EPS32)
    assert len(grad_values) == len(case["grads"])
    for got, expected in zip(grad_values, case["grads"]):
        np.testing.assert_allclose(got, expected, rtol=32 * EPS32, atol=32 * EPS32)


def test_clip_by_global_norm_keeps_none_and_refuses_a_tensor():
    clipped, _ = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None], 1.0)
    assert clipped[1] is None
    with pytest.raises(TypeError, match="`t_list` should be a sequence of tensors"):
        tf.clip_by_global_norm(tf.constant([3.0, 4.0]), 1.0)


def test_infinite_global_norm_clips_to_nan():
    clipped, norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    with tf.Session() as sess:
        values, n = sess.run([clipped[0], norm])
    assert np.isinf(n) and np.isnan(values).all()
