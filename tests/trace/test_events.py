"""The event bus: subscribing and unsubscribing, and what a subscription costs nobody else."""

import queue

import teachflow as tf
from teachflow.trace.events import EventBus, OpEvent, bus


def test_a_bound_method_unsubscribes_although_each_access_makes_a_new_one():
    b = EventBus()
    q = queue.SimpleQueue()
    b.subscribe(q.put)
    assert b.active
    b.unsubscribe(q.put)  # another bound-method object, equal to the first
    assert not b.active


def test_unsubscribe_removes_only_that_callback():
    b = EventBus()
    seen_a, seen_b = [], []
    b.subscribe(seen_a.append)
    b.subscribe(seen_b.append)
    b.unsubscribe(seen_a.append)
    event = OpEvent(1, "/cpu:0", "a", "Const", 0, 1, 0, 4)
    b.publish(event)
    assert seen_a == [] and seen_b == [event]


def test_a_session_builds_events_only_while_someone_listens():
    x = tf.constant(1.0) + 1.0
    seen = []
    with tf.Session() as sess:
        sess.run(x)
        with bus.subscribed(seen.append):
            sess.run(x)
        n = len(seen)
        sess.run(x)
    assert n and len(seen) == n and not bus.active


def _kinds_seen(sess, fetch, kinds, **run_kwargs):
    seen = []
    with bus.subscribed(seen.append, kinds=kinds):
        sess.run(fetch, **run_kwargs)
    return {e.kind for e in seen}


def test_runs_skip_allocation_events_nobody_asked_for():
    # Inline (all cheap ops on the CPU) and general (a simulated GPU: threads) paths.
    for device, config in (("/cpu:0", None), ("/gpu:0", tf.ConfigProto(simulated_gpus=1))):
        with tf.Graph().as_default():
            with tf.device(device):
                fetch = tf.fill([100], 1.0) * 2.0
            with tf.Session(config=config) as sess:
                assert _kinds_seen(sess, fetch, ("op", "step")) == {"op", "step"}
                assert not bus.active and not bus.wants_memory
                assert "memory" in _kinds_seen(sess, fetch, None)
                # A traced run keeps its memory for RunMetadata whoever listens.
                md = tf.RunMetadata()
                trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
                _kinds_seen(sess, fetch, ("op",), options=trace, run_metadata=md)
                assert any(ns.memory for d in md.step_stats.dev_stats for ns in d.node_stats)


def test_an_op_event_counts_its_output_bytes_without_allocation_events():
    x = tf.fill([100], 1.0, name="x") * 2.0
    seen = []
    with tf.Session() as sess, bus.subscribed(seen.append, kinds=("op",)):
        sess.run(x)
    ops = {e.node: e.output_bytes for e in seen if e.kind == "op"}
    assert ops[x.op.name] == 400


def test_wants_memory_follows_the_subscribers():
    b = EventBus()
    a, c = [], []
    b.subscribe(a.append, kinds=("op",))
    assert not b.wants_memory
    b.subscribe(c.append)
    assert b.wants_memory
    b.unsubscribe(c.append)
    assert not b.wants_memory
