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
