"""Closing a session cancels the queue ops it still waits on (no thread left behind)."""

import threading
import time

import pytest

import teachflow as tf
from teachflow.runtime.cancellation import CancellationManager

JOIN_S = 10.0


def _run_in_thread(sess, fetch):
    results = []

    def body():
        try:
            results.append(sess.run(fetch))
        except (tf.errors.OpError, RuntimeError) as e:
            results.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, results


def _wait_until(predicate, timeout=JOIN_S):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def _waiting_ops(cm):
    """Ops blocked under ``cm``: its callbacks, those of its steps' managers included."""
    count = 0
    for cb in list(cm._callbacks.values()):
        owner = getattr(cb, "__self__", None)
        count += _waiting_ops(owner) if isinstance(owner, CancellationManager) else 1
    return count


def test_manager_runs_callbacks_once_and_refuses_late_registrations():
    cm = CancellationManager()
    calls = []
    key = cm.register(lambda: calls.append(1))
    gone = cm.register(lambda: calls.append(2))
    cm.deregister(gone)
    cm.cancel()
    cm.cancel()
    assert calls == [1] and cm.cancelled and key is not None
    assert cm.register(lambda: calls.append(3)) is None


@pytest.mark.parametrize("op", ["dequeue", "enqueue", "reader", "take_grad"])
def test_close_cancels_a_blocked_op_with_tf_words(op):
    q = tf.FIFOQueue(1, tf.float32, shapes=[[]])
    filenames = tf.FIFOQueue(2, tf.string)
    fill = q.enqueue(1.0)
    fetch = {
        "dequeue": q.dequeue(),
        "enqueue": fill,
        "reader": tf.TextLineReader().read(filenames)[0],
        "take_grad": tf.ConditionalAccumulator(tf.float32, shape=[]).take_grad(1),
    }[op]
    sess = tf.Session()
    if op == "enqueue":
        sess.run(fill)  # now full: the next enqueue waits
    before = {t for t in threading.enumerate() if t.name.startswith("blocking-op")}
    t, results = _run_in_thread(sess, fetch)
    _wait_until(lambda: _waiting_ops(sess._cancellation) > 0)
    pool_threads = {t for t in threading.enumerate() if t.name.startswith("blocking-op")} - before
    start = time.monotonic()
    sess.close()
    t.join(JOIN_S)
    assert not t.is_alive()
    assert time.monotonic() - start < 2.0  # woken at once, not at the next poll
    (err,) = results
    verb = {"enqueue": "Enqueue", "take_grad": "TakeGrad"}.get(op, "Dequeue")
    assert isinstance(err, tf.errors.CancelledError)
    assert f"{verb} operation was cancelled" in err.message
    for th in pool_threads:
        th.join(JOIN_S)
        assert not th.is_alive()


def test_an_op_that_need_not_wait_is_not_cancelled_and_other_sessions_go_on():
    q = tf.FIFOQueue(3, tf.int32, shared_name="survivor")
    with tf.Session() as s1:
        s1.run(q.enqueue(7))
        assert s1.run(q.dequeue()) == 7
    with tf.Session() as s2:  # a new session: its own manager, not cancelled
        s2.run(q.enqueue(8))
        assert s2.run(q.dequeue()) == 8


def test_queue_runner_threads_end_when_the_session_closes_under_them():
    q = tf.FIFOQueue(2, tf.float32, shapes=[[]])
    qr = tf.train.QueueRunner(q, [q.enqueue(1.0)])
    sess = tf.Session()
    threads = qr.create_threads(sess, start=True)  # no coordinator: only close stops them
    _wait_until(lambda: _waiting_ops(sess._cancellation) > 0)  # queue full, enqueue waits
    sess.close()
    for t in threads:
        t.join(JOIN_S)
        assert not t.is_alive()


@pytest.fixture
def server():
    s = tf.train.Server.create_local_server()
    yield s
    s.stop()


def test_closing_a_remote_session_cancels_its_step_on_the_worker(server):
    q = tf.FIFOQueue(1, tf.float32, shared_name="remote_wait")
    sess = tf.Session(server.target)
    worker = server.worker_service
    t, results = _run_in_thread(sess, q.dequeue())
    _wait_until(lambda: any(_waiting_ops(r.cancellation) for r in list(worker._running.values())))
    sess.close()
    t.join(JOIN_S)
    assert not t.is_alive()
    (err,) = results
    assert isinstance(err, tf.errors.CancelledError)
    assert "Dequeue operation was cancelled" in err.message
    _wait_until(lambda: not worker._running)


def test_a_child_manager_is_cancelled_with_its_parent_and_alone():
    session = CancellationManager()
    step, other = session.child(), session.child()
    step.cancel()
    assert step.cancelled and not other.cancelled and not session.cancelled
    step.detach()
    session.cancel()
    assert other.cancelled
    assert session.child().cancelled  # a step of a closed session starts cancelled


def _interrupt_main_when(predicate):
    """A real SIGINT to the main thread once ``predicate()`` holds (what Ctrl-C does)."""
    import signal

    main = threading.main_thread().ident

    def body():
        _wait_until(predicate)
        signal.pthread_kill(main, signal.SIGINT)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="needs the main thread"
)
def test_ctrl_c_during_a_blocking_run_cancels_the_step_and_loses_no_element():
    q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
    taken = q.dequeue() * 2.0 + 1.0  # a plan with threads: the dequeue waits in the pool
    fill = q.enqueue(5.0)
    with tf.Session() as sess:
        kicker = _interrupt_main_when(lambda: _waiting_ops(sess._cancellation) > 0)
        with pytest.raises(KeyboardInterrupt):
            sess.run(taken)
        kicker.join(JOIN_S)
        # The interrupted step's dequeue is gone: the next element goes to the next run.
        _wait_until(lambda: _waiting_ops(sess._cancellation) == 0)
        sess.run(fill)
        assert sess.run(q.size()) == 1
        assert sess.run(taken, options=tf.RunOptions(timeout_in_ms=5000)) == 11.0
