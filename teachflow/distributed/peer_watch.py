"""Seeing a client go away while its call runs on the side channel.

A gRPC server tells a servicer that its caller went away (``context.add_callback`` runs
when the call is cancelled); a side-channel call gets the same through `CallContext`:
while a call that asked for callbacks runs, `PeerWatch` (one thread per server, asleep in
epoll) watches its connection, and when the connection closes (the client was killed, or
pressed Ctrl-C) the callbacks run. A RunStep then cancels its step on every task.

    >>> import socket
    >>> server_end, client_end = socket.socketpair()
    >>> watch = PeerWatch()
    >>> gone = []
    >>> context = CallContext(server_end, watch)
    >>> context.add_callback(lambda: gone.append(True))
    True
    >>> client_end.close()
    >>> import time; end = time.monotonic() + 5
    >>> while not gone and time.monotonic() < end: time.sleep(0.01)
    >>> gone, context.is_active()
    ([True], False)
    >>> context.finish(); watch.close(); server_end.close()
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading

from teachflow.framework import errors

_logger = logging.getLogger("teachflow.distributed")


class CallContext:
    """The context a servicer method gets on the side channel: abort raises; callbacks
    added run when the connection closes before the call ends (a client that went away)."""

    __slots__ = ("_conn", "_watch", "_callbacks", "_gone")

    def __init__(self, conn, watch):
        self._conn, self._watch = conn, watch
        self._callbacks = None
        self._gone = False

    def abort(self, code, details):
        raise errors.exception_type_from_error_code(code.value[0])(None, None, details)

    def is_active(self):
        return not self._gone

    def add_callback(self, callback) -> bool:
        if self._callbacks is None:
            self._callbacks = []
            self._watch.watch(self._conn, self)
        self._callbacks.append(callback)
        return True

    def peer_gone(self):
        self._gone = True
        for cb in self._callbacks or ():
            try:
                cb()
            except Exception:  # noqa: BLE001 - one callback must not stop the others
                _logger.exception("side channel: a cancellation callback failed")

    def finish(self):
        if self._callbacks is not None:
            self._watch.unwatch(self._conn)


class PeerWatch:
    """One thread that sees connections close while their calls run.

    A client sends nothing while it waits for an answer, so a connection that becomes
    readable mid-call has been closed (its call is told) or broke the protocol (it is no
    longer watched). epoll sees a connection registered while it waits, so the thread
    sleeps until something happens."""

    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread = None
        self._closed = False

    def watch(self, conn, context):
        with self._lock:
            if self._closed:
                return
            self._selector.register(conn, selectors.EVENT_READ, context)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="side-watch", daemon=True)
                self._thread.start()

    def unwatch(self, conn):
        with self._lock:
            try:
                self._selector.unregister(conn)
            except (KeyError, ValueError, OSError):
                pass  # already reported gone

    def _run(self):
        while not self._closed:
            try:
                ready = self._selector.select()
            except OSError:
                continue
            for key, _ in ready:
                if key.data is None:
                    continue  # the wake-up of close()
                gone = not peer_connected(key.fileobj)
                self.unwatch(key.fileobj)
                if gone:
                    key.data.peer_gone()
        self._selector.close()
        self._wake_r.close()

    def close(self):
        with self._lock:
            self._closed = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._wake_w.close()
        if self._thread is None:
            self._selector.close()
            self._wake_r.close()


def peer_connected(conn) -> bool:
    """False once the other end has closed the connection (a pending read sees EOF)."""
    import select

    try:
        readable, _, _ = select.select([conn], [], [], 0)
        if not readable:
            return True
        return conn.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False
