"""tf.train.Coordinator: stop requests, the first exception, join and stuck threads."""

import threading

import pytest

import teachflow as tf
from teachflow.framework import errors


def test_request_stop_sets_should_stop_and_wait():
    coord = tf.train.Coordinator()
    assert not coord.should_stop()
    assert not coord.wait_for_stop(0.01)
    coord.request_stop()
    assert coord.should_stop()
    assert coord.wait_for_stop(0.01)


def test_join_reraises_first_exception_from_a_thread():
    coord = tf.train.Coordinator()

    def worker(msg):
        with coord.stop_on_exception():
            raise ValueError(msg)

    t = threading.Thread(target=worker, args=("first",))
    t.start()
    t.join(5)
    coord.request_stop(RuntimeError("second"))
    with pytest.raises(ValueError, match="first"):
        coord.join([t], stop_grace_period_secs=5)
    assert coord.joined


def test_out_of_range_is_a_clean_stop():
    coord = tf.train.Coordinator()
    coord.request_stop(errors.OutOfRangeError(None, None, "done"))
    assert coord.should_stop()
    coord.join([], stop_grace_period_secs=1)  # no exception


def test_clean_stop_exception_types_can_be_changed():
    coord = tf.train.Coordinator(clean_stop_exception_types=(KeyError,))
    coord.request_stop(KeyError("k"))
    coord.join([])
    coord2 = tf.train.Coordinator(clean_stop_exception_types=())
    coord2.request_stop(errors.OutOfRangeError(None, None, "x"))
    with pytest.raises(errors.OutOfRangeError):
        coord2.join([])


def test_join_names_a_stuck_thread():
    coord = tf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, args=(10,), name="stuck-worker")
    t.start()
    try:
        coord.request_stop()
        with pytest.raises(RuntimeError, match="threads still running: stuck-worker"):
            coord.join([t], stop_grace_period_secs=0.05)
        # ignore_live_threads only logs.
        coord.join([t], stop_grace_period_secs=0.01, ignore_live_threads=True)
    finally:
        release.set()
        t.join(5)
    assert not t.is_alive()


def test_registered_threads_and_clear_stop():
    coord = tf.train.Coordinator()
    t = threading.Thread(target=coord.wait_for_stop, args=(10,))
    coord.register_thread(t)
    t.start()
    coord.request_stop()
    coord.join(stop_grace_period_secs=5)
    assert not t.is_alive()
    coord.clear_stop()
    assert not coord.should_stop() and not coord.joined


def test_request_stop_after_join_raises_the_exception():
    coord = tf.train.Coordinator()
    coord.request_stop()
    coord.join([])
    with pytest.raises(ValueError, match="late"):
        coord.request_stop(ValueError("late"))


def test_looper_thread_runs_until_stop():
    coord = tf.train.Coordinator()
    calls = []
    enough = threading.Event()

    def target():
        calls.append(1)
        if len(calls) >= 3:
            enough.set()

    looper = tf.train.LooperThread.loop(coord, 0.001, target)
    assert enough.wait(5)
    coord.request_stop()
    coord.join(stop_grace_period_secs=5)
    assert not looper.is_alive() and len(calls) >= 3
