"""The side channel keeps serving with bad neighbours around.

It keeps accepting after accept() fails (out of file descriptors), drops connections that
never send their token, holds at most ``max_connections`` (saying so to the one refused)
and, like gRPC, tells a running call that its client went away.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.side_channel import SideChannelClient
from teachflow.framework import errors

pytestmark = pytest.mark.timeout(60)

WAIT_S = 15.0


def _wait_until(predicate, what, timeout=WAIT_S):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


@pytest.fixture
def server():
    s = tf.train.Server.create_local_server()
    yield s
    s.stop()


def _connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _handshake(sock, token=b""):
    sock.sendall(struct.pack("!i", len(token)) + token)
    status, n = struct.unpack("!ii", sock.recv(8, socket.MSG_WAITALL))
    return status, sock.recv(n, socket.MSG_WAITALL) if n else b""


def _run_a_step(target):
    with tf.Graph().as_default():
        x = tf.constant(2.0) * 21.0
        config = tf.ConfigProto(operation_timeout_in_ms=10000)
        with tf.Session(target, config=config) as sess:
            return sess.run(x)


def test_connections_that_send_no_token_are_dropped_after_the_handshake_timeout(server):
    side = server.worker_service.side_channel
    side.handshake_timeout = 0.2
    idle = [_connect(side.port) for _ in range(20)]
    try:
        _wait_until(lambda: side.connections == 0, "idle connections dropped")
        for sock in idle:
            assert sock.recv(1) == b""  # the server closed it
    finally:
        for sock in idle:
            sock.close()
    assert _run_a_step(server.target) == 42.0


def test_a_full_side_channel_refuses_with_a_clear_error_and_clients_take_grpc(server):
    side = server.worker_service.side_channel
    side.max_connections = 2
    held = [_connect(side.port) for _ in range(2)]
    try:
        for sock in held:
            assert _handshake(sock) == (0, b"")
        with _connect(side.port) as extra:
            status, message = _handshake(extra)
        assert status == errors.RESOURCE_EXHAUSTED
        assert b"2 connections" in message and b"limit" in message
        client = SideChannelClient("127.0.0.1", side.port)
        with pytest.raises(tf.errors.ResourceExhaustedError, match="limit"):
            client.call("WorkerService/GetStatus", None, None)
        # A session client that finds the side channel full takes gRPC, the front door.
        assert _run_a_step(server.target) == 42.0
    finally:
        for sock in held:
            sock.close()
    _wait_until(lambda: side.connections == 0, "held connections closed")
    side.max_connections = 256
    assert _run_a_step(server.target) == 42.0


_LOW_FD_SERVER = textwrap.dedent(
    """
    import os, resource, sys
    import teachflow as tf

    server = tf.train.Server.create_local_server()
    side = server.worker_service.side_channel
    side.handshake_timeout = 30.0  # connections hold their descriptors until we close them
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # A few descriptors to spare: the test's connections use them up.
    open_now = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 6, hard))
    print(server.target, side.port, flush=True)
    for line in sys.stdin:
        if line.strip() != "report":
            break
        print(side.accept_errors, side.connections, flush=True)
    server.stop()
    """
)


def test_accept_survives_running_out_of_file_descriptors():
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOW_FD_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    flood = []
    try:
        target, port = proc.stdout.readline().split()

        def report():
            proc.stdin.write("report\n")
            proc.stdin.flush()
            accept_errors, connections = map(int, proc.stdout.readline().split())
            return accept_errors, connections

        # More connections than the server has descriptors: accept() fails with EMFILE.
        flood = [_connect(int(port)) for _ in range(20)]
        _wait_until(lambda: report()[0] > 0, "accept() failing with EMFILE")
        for sock in flood:
            sock.close()
        flood = []
        _wait_until(lambda: report()[1] == 0, "the flood's connections closed")
        # The port is still served: a new client's handshake and a whole step work.
        with _connect(int(port)) as sock:
            assert _handshake(sock) == (0, b"")
        assert _run_a_step(target) == 42.0
    finally:
        for sock in flood:
            sock.close()
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(WAIT_S)
        proc.stdout.close()


def test_tasks_whose_peer_side_channel_is_full_call_it_over_grpc(cluster):
    c = cluster(ps=1, workers=1)
    c.server("ps", 0).worker_service.side_channel.max_connections = 0  # always full
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(np.arange(4, dtype=np.float32), name="w")
    with tf.device("/job:worker/task:0"):
        doubled = w * 2.0  # the worker pulls w from the ps
    with tf.Session(
        c.target("worker", 0), config=tf.ConfigProto(operation_timeout_in_ms=10000)
    ) as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(doubled), [0.0, 2.0, 4.0, 6.0])
