"""A client that goes away takes no data with it.

Clients blocked in ``dequeue()`` on a shared queue are killed (``kill -9``) or interrupted
(Ctrl-C): the master sees their RunStep call end, cancels the step on every task, and the
blocked dequeues fail with CancelledError without taking an element. Every element
enqueued afterwards reaches a live consumer, and no server thread is left waiting.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import teachflow as tf

WAIT_S = 20.0

_CLIENT = textwrap.dedent(
    """
    import sys
    import teachflow as tf

    q = tf.FIFOQueue(16, tf.float32, shapes=[[]], shared_name="shared_work")
    taken = q.dequeue()
    with tf.Session(sys.argv[1]) as sess:
        try:
            print("got", sess.run(taken), flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.stdin.readline()  # stay alive (its session open) until the test is done
    """
)


def _wait_until(predicate, what, timeout=WAIT_S):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


def _spawn_clients(target, n):
    return [
        subprocess.Popen(
            [sys.executable, "-c", _CLIENT, target],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]


def _reap(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=WAIT_S)
        for pipe in (p.stdin, p.stdout):
            pipe.close()


@pytest.fixture(params=["side_channel", "grpc"])
def server(request):
    """A server whose clients call it over the side channel, or over gRPC only (as with
    TLS): a departed client is noticed either way."""
    s = tf.train.Server.create_local_server()
    if request.param == "grpc":
        s.worker_service.side_channel.port = 0  # GetStatus advertises none
    yield s
    s.stop()


def _shared_queue():
    return tf.FIFOQueue(16, tf.float32, shapes=[[]], shared_name="shared_work")


def test_killed_clients_blocked_on_a_shared_queue_take_no_element(server):
    worker = server.worker_service
    clients = _spawn_clients(server.target, 3)
    try:
        _wait_until(lambda: worker.running_steps() == 3, "3 clients blocked in dequeue")
        for p in clients:
            p.send_signal(signal.SIGKILL)
        # Their steps are cancelled: no server thread keeps waiting for them.
        _wait_until(lambda: worker.running_steps() == 0, "the dead clients' steps cancelled")
    finally:
        _reap(clients)
    q = _shared_queue()
    with tf.Session(server.target) as sess:
        sess.run(q.enqueue_many([[1.0, 2.0, 3.0, 4.0]]))
        assert sess.run(q.size()) == 4  # nothing eaten by a step whose client is gone
        got = sess.run(q.dequeue_many(4), options=tf.RunOptions(timeout_in_ms=5000))
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0, 4.0])


def test_ctrl_c_in_a_remote_client_cancels_its_step_and_the_next_element_goes_on(server):
    worker = server.worker_service
    (client,) = _spawn_clients(server.target, 1)
    try:
        _wait_until(lambda: worker.running_steps() == 1, "the client blocked in dequeue")
        client.send_signal(signal.SIGINT)
        assert client.stdout.readline().strip() == "interrupted"
        _wait_until(lambda: worker.running_steps() == 0, "the interrupted step cancelled")
        q = _shared_queue()
        with tf.Session(server.target) as sess:
            sess.run(q.enqueue(7.0))
            assert sess.run(q.dequeue(), options=tf.RunOptions(timeout_in_ms=5000)) == 7.0
    finally:
        client.stdin.close()
        _reap([client])
