"""ConditionalAccumulator: TF's ops, names, staleness, averaging, blocking takes, sharing.

Expected values and messages were checked against TensorFlow 1.x (tf.compat.v1).
"""

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.ops.accumulator_resources import ConditionalAccumulatorState

JOIN_S = 10.0


def _feedable(dtype=tf.float32, shape=(2,), **kwargs):
    acc = tf.ConditionalAccumulator(dtype, shape=shape, **kwargs)
    g = tf.placeholder(dtype)
    step = tf.placeholder(tf.int64)
    return acc, g, step, acc.apply_grad(g, local_step=step)


def test_graph_ops_names_types_and_shapes():
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    assert acc.accumulator_ref.op.type == "ResourceConditionalAccumulator"
    assert acc.name == "conditional_accumulator" and acc.dtype == tf.float32
    apply = acc.apply_grad([1.0, 2.0])
    assert apply.type == "ResourceAccumulatorApplyGradient" and apply.name == apply.type
    # local_step is cast to int64, as TF does (a Python 0 becomes an int32 Const first).
    assert apply.inputs[1].op.type == "Cast" and apply.inputs[1].dtype == tf.int64
    n = acc.num_accumulated()
    assert n.name == "conditional_accumulator_NumAccumulated:0" and n.dtype == tf.int32
    take = acc.take_grad(2)
    assert take.op.type == "ResourceAccumulatorTakeGradient"
    assert take.op.inputs[1].name == "ResourceAccumulatorTakeGradient/num_required:0"
    assert take.shape.as_list() == [2] and take.dtype == tf.float32
    assert acc.set_global_step(3).type == "ResourceAccumulatorSetGlobalStep"
    assert tf.ConditionalAccumulator(tf.float64, shape=[2, None]).take_grad(1).shape.as_list() == [
        2,
        None,
    ]


def test_static_checks_raise_at_graph_construction():
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        acc.apply_grad([1.0, 2.0, 3.0])
    with pytest.raises((TypeError, ValueError), match="float32"):
        acc.apply_grad(tf.constant([1, 2]))
    with pytest.raises(ValueError, match=r"'reduction_type'.*'MAX' not in: \"MEAN\", \"SUM\""):
        tf.ConditionalAccumulator(tf.float32, reduction_type="MAX")


def test_mean_of_gradients_then_stale_ones_are_dropped(sess):
    acc, g, step, apply = _feedable()
    n = acc.num_accumulated()
    sess.run(apply, {g: [1.0, 2.0], step: 0})
    sess.run(apply, {g: [3.0, 4.0], step: 0})
    assert sess.run(n) == 2 and isinstance(sess.run(n), np.int32)
    out = sess.run(acc.take_grad(2))
    np.testing.assert_array_equal(out, [2.0, 3.0])
    assert out.dtype == np.float32
    assert sess.run(n) == 0
    # The take advanced the time step to 1: a gradient of step 0 is stale, silently dropped
    # (even one of the wrong shape: TF drops before checking).
    sess.run(apply, {g: [1.0, 2.0], step: 0})
    sess.run(apply, {g: [1.0, 2.0, 3.0], step: 0})
    assert sess.run(n) == 0
    sess.run(apply, {g: [1.0, 2.0], step: 1})
    assert sess.run(n) == 1


def test_set_global_step_moves_the_time_step_both_ways(sess, caplog):
    acc, g, step, apply = _feedable()
    n = acc.num_accumulated()
    sess.run(apply, {g: [1.0, 2.0], step: 0})
    sess.run(acc.set_global_step(3))
    assert sess.run(n) == 1  # setting the step keeps what was added
    sess.run(apply, {g: [9.0, 9.0], step: 2})
    assert sess.run(n) == 1  # stale against step 3
    with caplog.at_level("WARNING", logger="teachflow"):
        sess.run(acc.set_global_step(0))
    assert "Attempt to set current_global_step_ to smaller value" in caplog.text
    sess.run(apply, {g: [5.0, 5.0], step: 0})
    np.testing.assert_array_equal(sess.run(acc.take_grad(2)), [3.0, 3.5])


def test_shape_errors_name_expected_and_received(sess):
    acc, g, step, apply = _feedable(shape=[2, None])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Shape mismatch: expected \[2,\?\], got \[3,3\]"
    ):
        sess.run(apply, {g: np.zeros([3, 3]), step: 0})
    sess.run(apply, {g: np.zeros([2, 3]), step: 0})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected \[2,3\], got \[2,4\]") as e:
        sess.run(apply, {g: np.zeros([2, 4]), step: 0})
    assert "ResourceAccumulatorApplyGradient" in str(e.value)


def test_sum_reduction_float16_and_unknown_shape(sess):
    acc = tf.ConditionalAccumulator(tf.float16, reduction_type="SUM")
    g = tf.placeholder(tf.float16)
    apply = acc.apply_grad(g)
    sess.run(apply, {g: [1.0, 2.0]})
    sess.run(apply, {g: [3.0, 4.0]})
    out = sess.run(acc.take_grad(2))
    np.testing.assert_array_equal(out, [4.0, 6.0])
    assert out.dtype == np.float16
    mean = tf.ConditionalAccumulator(tf.float16, shape=[])
    add = mean.apply_grad(1.5)
    sess.run([add])
    sess.run([add])
    sess.run(mean.apply_grad(2.0))
    r = sess.run(mean.take_grad(3))
    assert isinstance(r, np.float16) and r == np.float16(5.0) / np.float16(3)  # TF: 1.667


def test_num_required_must_be_positive(sess):
    acc = tf.ConditionalAccumulator(tf.float32, shape=[])
    for n in (0, -1):
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match=f"Argument num_required must be positive, but was {n}",
        ):
            sess.run(acc.take_grad(n))


def test_integer_accumulators_have_no_kernel(sess):
    acc = tf.ConditionalAccumulator(tf.int32, shape=[])
    with pytest.raises(tf.errors.InvalidArgumentError, match="No OpKernel was registered"):
        sess.run(acc.num_accumulated())


def test_take_blocks_until_enough_gradients_arrive(sess):
    acc, g, step, apply = _feedable()
    take = acc.take_grad(2)
    out = []
    t = threading.Thread(target=lambda: out.append(sess.run(take)), daemon=True)
    t.start()
    sess.run(apply, {g: [1.0, 1.0], step: 0})
    t.join(0.2)
    assert t.is_alive()  # one gradient is not enough
    sess.run(apply, {g: [3.0, 5.0], step: 0})
    t.join(JOIN_S)
    assert not t.is_alive()
    np.testing.assert_array_equal(out[0], [2.0, 3.0])


def test_blocked_take_times_out_and_takes_nothing_later(sess):
    acc, g, step, apply = _feedable()
    with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out waiting for notification"):
        sess.run(acc.take_grad(1), options=tf.RunOptions(timeout_in_ms=100))
    sess.run(apply, {g: [1.0, 1.0], step: 0})
    # The timed-out take left nothing behind: the gradient is still there for the next one.
    assert sess.run(acc.num_accumulated()) == 1


def test_cancel_take_grads_fails_the_waiting_takes(sess):
    acc = tf.ConditionalAccumulator(tf.float32, shape=[])
    take = acc.take_grad(1)
    errs = []

    def body():
        try:
            sess.run(take)
        except tf.errors.OpError as e:
            errs.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    state = _wait_for_state(sess, acc)
    deadline = time.monotonic() + JOIN_S
    while not state._attempts and time.monotonic() < deadline:
        time.sleep(0.005)
    sess.run(acc.cancel_take_grads())
    t.join(JOIN_S)
    assert isinstance(errs[0], tf.errors.CancelledError)
    assert "TakeGrad operation was cancelled" in errs[0].message
    # Only the takes waiting then: the accumulator still works.
    sess.run(acc.apply_grad(4.0))
    assert sess.run(acc.take_grad(1)) == 4.0


def _wait_for_state(sess, acc):
    sess.run(acc.num_accumulated())  # creates the accumulator in this session's device
    device = sess._devices[0]
    (state,) = [
        r
        for r in device.resources.resources("").values()
        if isinstance(r, ConditionalAccumulatorState)
    ]
    return state


def test_shared_name_shares_one_accumulator_between_sessions():
    graph = tf.get_default_graph()
    acc = tf.ConditionalAccumulator(tf.float32, shape=[], shared_name="w/grad_accum")
    with tf.Session(graph=graph) as a, tf.Session(graph=graph) as b:
        a.run(acc.apply_grad(1.0))
        # Sessions of one process each own their devices; sharing across sessions is the
        # cluster's job (tests/train/test_sync_replicas_cluster.py). Here: one session sees 1.
        assert a.run(acc.num_accumulated()) == 1
        assert b.run(acc.num_accumulated()) == 0


def test_takes_are_served_in_arrival_order():
    state = ConditionalAccumulatorState("acc", np.float32, (), "MEAN")
    order = []

    def take(n, tag):
        state.take_grad(n, time.monotonic() + JOIN_S)
        order.append(tag)

    first = threading.Thread(target=take, args=(3, "first"), daemon=True)
    first.start()
    while not state._attempts:
        time.sleep(0.001)
    second = threading.Thread(target=take, args=(1, "second"), daemon=True)
    second.start()
    while len(state._attempts) < 2:
        time.sleep(0.001)
    state.apply_grad(0, np.float32(1.0))
    time.sleep(0.05)
    assert order == []  # the second (needs 1) waits behind the first (needs 3)
    state.apply_grad(0, np.float32(1.0))
    state.apply_grad(0, np.float32(1.0))
    first.join(JOIN_S)
    assert order[0] == "first"
    state.apply_grad(1, np.float32(1.0))
    second.join(JOIN_S)
    assert order == ["first", "second"] and state.global_step == 2


@settings(max_examples=25, deadline=None)
@given(
    grads=st.lists(
        st.lists(st.floats(-100, 100, width=32), min_size=3, max_size=3), min_size=1, max_size=6
    ),
    steps=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    global_step=st.integers(0, 3),
)
def test_take_is_the_mean_of_the_fresh_gradients(grads, steps, global_step):
    state = ConditionalAccumulatorState("acc", np.float32, (3,), "MEAN")
    state.set_global_step(global_step)
    fresh = []
    for g, s in zip(grads, steps):
        added = state.apply_grad(s, np.array(g, np.float32))
        assert added == (s >= global_step)
        if added:
            fresh.append(np.array(g, np.float32))
    assert state.num_accumulated() == len(fresh)
    if fresh:
        out = state.take_grad(len(fresh), None)
        expected = np.sum(fresh, axis=0, dtype=np.float32) / np.float32(len(fresh))
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-5)
        assert state.global_step == global_step + 1 and state.num_accumulated() == 0
