"""The side channel: teachflow's "grpc+tcp" — calls and tensors over plain TCP.

Python's gRPC costs about half a millisecond per call and copies a tensor several times
(into a protobuf, a serialized message, and back). Like TensorFlow's ``grpc+verbs`` and
``grpc+mpi`` protocols, teachflow keeps gRPC as the front door (health, discovery, any
client) and moves the hot path to a side channel each server also listens on (its port
is in ``GetStatus.bulk_port``):

* **calls**: the same MasterService/WorkerService methods and protobuf messages, framed
  on a persistent connection instead of HTTP/2 (about 20 µs a round trip instead of
  500 µs);
* **tensors**: a receiving worker pulls a numeric tensor as raw bytes read straight into
  a preallocated numpy array.

Frames (big-endian). A connection opens with ``token_len:int32 | token``, answered by
``status:int32 | len:int32 | message`` (0: welcome; UNAUTHENTICATED for a wrong token,
RESOURCE_EXHAUSTED when the server holds too many connections). Then each request is one
of
``b"C" | method_len:int32 | method | len:int32 | request bytes`` (a call), answered by
``status:int32 | len:int32 | response bytes or error message``; or
``b"T" | step_id:int64 | timeout_ms:int64 | key_len:int32 | key`` (a tensor), answered by
``status:int32`` then ``dtype:int32 | ndim:int32 | dims:int64*ndim | nbytes:int64 | bytes``
(or ``len:int32 | message`` when status is not 0; dtype 0 with no dims and no bytes is a
dead tensor, a branch a Switch did not take). Nothing received is unpickled or
evaluated; only registered methods can be called.

One bad neighbour must not lock everyone out: the server keeps accepting after a transient
error (out of file descriptors: it backs off and logs), drops a connection that sends no
token within ``handshake_timeout`` seconds, holds at most ``max_connections`` and compares
tokens in constant time. A call whose connection closes while it runs (the client was
killed, or pressed Ctrl-C) is told so through ``context.add_callback`` (`peer_watch`), as
a cancelled gRPC call is: a RunStep then cancels its step everywhere.
"""

from __future__ import annotations

import errno
import hmac
import logging
import socket
import struct
import threading

import numpy as np

from teachflow.distributed.peer_watch import CallContext, PeerWatch, peer_connected
from teachflow.framework import dtypes, errors
from teachflow.ops.control_flow_primitives import DEAD

_MAX_NAME = 4096
_MAX_DIMS = 64
MAX_FRAME_BYTES = 1 << 30
# A connection that has not sent its token by then is dropped (it holds a thread).
HANDSHAKE_TIMEOUT_S = 10.0
# Connections one server holds at once; each is a thread. A client pools a few per peer.
MAX_CONNECTIONS = 256
# accept() failing (no file descriptors left...) is retried after this, doubling to the max.
_ACCEPT_BACKOFF_S = (0.01, 1.0)
_logger = logging.getLogger("teachflow.distributed")


_PREALLOCATE = 1 << 20


def _recv_exact(conn, n):
    """Exactly ``n`` bytes. Memory grows with the bytes that really arrive, so a frame that
    only *claims* to be huge costs nothing."""
    if n <= _PREALLOCATE:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = conn.recv_into(view[got:], n - got)
            if not k:
                raise ConnectionError("connection closed")
            got += k
        return bytes(buf)
    parts, got = [], 0
    while got < n:
        part = conn.recv(min(n - got, _PREALLOCATE))
        if not part:
            raise ConnectionError("connection closed")
        parts.append(part)
        got += len(part)
    return b"".join(parts)


class SideChannelServer:
    """Serves registered methods and a worker's rendezvous on one TCP port.

    ``max_connections``, ``handshake_timeout`` (s) and ``max_frame_bytes`` bound what any
    client can hold; they are plain attributes, read at each use."""

    def __init__(self, rendezvous, host="127.0.0.1", token=None, max_frame_bytes=None):
        self._rendezvous = rendezvous
        self._token = (token or "").encode()
        self._methods = {}
        self.max_connections = MAX_CONNECTIONS
        self.handshake_timeout = HANDSHAKE_TIMEOUT_S
        self.max_frame_bytes = max_frame_bytes or MAX_FRAME_BYTES
        self._sock = socket.create_server((host, 0))
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        self._conns = set()
        self._lock = threading.Lock()
        self._watch = PeerWatch()
        self.accept_errors = 0  # transient accept() failures survived (for tests, status)
        threading.Thread(target=self._accept, name="side-accept", daemon=True).start()

    def add_methods(self, methods):
        """``{"WorkerService/RunGraph": (bound method, request class), ...}``"""
        self._methods.update(methods)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def _accept(self):
        backoff = _ACCEPT_BACKOFF_S[0]
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError as e:
                if self._closed.is_set() or e.errno in (errno.EBADF, errno.EINVAL):
                    return  # the socket was closed: the server is stopping
                # EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: the port must stay alive (GetStatus
                # keeps advertising it), so wait a little and accept again.
                self.accept_errors += 1
                _logger.warning(
                    "side channel on port %d: accept failed (%s); retrying in %.2f s",
                    self.port,
                    e,
                    backoff,
                )
                self._closed.wait(backoff)
                backoff = min(backoff * 2, _ACCEPT_BACKOFF_S[1])
                continue
            backoff = _ACCEPT_BACKOFF_S[0]
            with self._lock:
                full = len(self._conns) >= self.max_connections
                if not full:
                    self._conns.add(conn)
            if full:
                self._refuse(conn)
                continue
            try:
                threading.Thread(
                    target=self._serve, args=(conn,), name="side-conn", daemon=True
                ).start()
            except RuntimeError:  # no thread to be had: drop this one, keep accepting
                with self._lock:
                    self._conns.discard(conn)
                conn.close()

    def _refuse(self, conn):
        # Said in the handshake's answer, which the client reads first: a clear error
        # instead of a connection that silently dies.
        try:
            conn.settimeout(0.5)
            _send_error(
                conn,
                errors.RESOURCE_EXHAUSTED,
                f"The side channel on port {self.port} already holds {self.max_connections} "
                "connections (its limit); close idle sessions or clients and retry",
            )
        except OSError:
            pass
        conn.close()

    def _handshake(self, conn) -> bool:
        """Read the token, within the handshake timeout; say welcome or refuse."""
        conn.settimeout(self.handshake_timeout)
        (n,) = struct.unpack("!i", _recv_exact(conn, 4))
        if not 0 <= n <= _MAX_NAME:
            return False
        given = _recv_exact(conn, n)
        # Constant time: how much of a guess was right must not show in how long it took.
        if self._token and not hmac.compare_digest(given, self._token):
            _send_error(conn, errors.UNAUTHENTICATED, "Missing or wrong cluster token")
            return False
        conn.settimeout(None)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(struct.pack("!ii", 0, 0))
        return True

    def _serve(self, conn):
        try:
            if not self._handshake(conn):
                return
            while not self._closed.is_set():
                kind = conn.recv(1)
                if kind == b"C":
                    self._call(conn)
                elif kind == b"T":
                    self._tensor(conn)
                else:
                    return  # closed, or not our protocol: drop the connection
        except (ConnectionError, OSError):
            return  # includes the handshake's timeout
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _call(self, conn):
        (n,) = struct.unpack("!i", _recv_exact(conn, 4))
        if not 0 < n <= _MAX_NAME:
            raise ConnectionError("bad method name length")
        method = _recv_exact(conn, n).decode("ascii", "replace")
        (size,) = struct.unpack("!i", _recv_exact(conn, 4))
        if not 0 <= size <= MAX_FRAME_BYTES:
            raise ConnectionError("bad frame length")  # not a frame of ours: drop
        if size > self.max_frame_bytes:
            # Over this server's limit: read past it (memory stays small) and say why, in
            # gRPC's words for the same.
            _discard(conn, size)
            _send_error(
                conn,
                errors.RESOURCE_EXHAUSTED,
                f"Received message larger than max ({size} vs. {self.max_frame_bytes})",
            )
            return
        payload = _recv_exact(conn, size)
        entry = self._methods.get(method)
        if entry is None:
            _send_error(conn, errors.UNIMPLEMENTED, f"Unknown method {method!r}")
            return
        fn, request_cls = entry
        context = CallContext(conn, self._watch)
        try:
            request = request_cls.FromString(payload)
            response = fn(request, context)
            data = response.SerializeToString()
        except errors.OpError as e:
            _send_error(conn, e.error_code, e.message)
            return
        except Exception as e:  # noqa: BLE001 - a bad request must not kill the server
            _send_error(conn, errors.INVALID_ARGUMENT, f"{type(e).__name__}: {e}")
            return
        finally:
            context.finish()
        conn.sendall(struct.pack("!ii", 0, len(data)) + data)

    def _tensor(self, conn):
        step_id, timeout_ms, key_len = struct.unpack("!qqi", _recv_exact(conn, 20))
        if not 0 < key_len <= _MAX_NAME:
            raise ConnectionError("bad key length")
        key = _recv_exact(conn, key_len).decode("utf-8", "replace")
        try:
            value = self._rendezvous.recv(
                step_id,
                key,
                timeout_ms / 1000.0 if timeout_ms else None,
                still_wanted=lambda: peer_connected(conn),
            )
            if value is DEAD:  # a branch not taken: dtype 0 (DT_INVALID), no bytes
                conn.sendall(struct.pack("!iiiq", 0, 0, 0, 0))
                return
            arr = np.asarray(value)  # not ascontiguousarray: it turns 0-d into 1-d
            if not arr.flags.c_contiguous:
                arr = arr.copy()
            if arr.dtype == object:
                raise errors.InvalidArgumentError(
                    None, None, "string tensors are not sent on the side channel"
                )
            enum = dtypes.as_dtype(arr.dtype).enum
        except errors.OpError as e:
            _send_error(conn, e.error_code, e.message)
            return
        dims = arr.shape
        conn.sendall(struct.pack(f"!iii{len(dims)}qq", 0, enum, len(dims), *dims, arr.nbytes))
        if arr.nbytes:
            # Native byte order: both ends are teachflow workers on one kind of host.
            conn.sendall(memoryview(arr.reshape(-1)).cast("B"))

    def close(self):
        self._closed.set()
        # close() alone leaves a thread blocked in accept() asleep on Linux; shutdown wakes it.
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._watch.close()
        with self._lock:
            for c in list(self._conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _discard(conn, n):
    buf = bytearray(min(n, _PREALLOCATE))
    while n > 0:
        k = conn.recv_into(buf, min(n, len(buf)))
        if not k:
            raise ConnectionError("connection closed")
        n -= k


def _send_error(conn, code, message):
    data = message.encode()
    conn.sendall(struct.pack("!ii", code, len(data)) + data)


class SideChannelClient:
    """Calls and tensor pulls to one server's side channel, reusing idle connections."""

    def __init__(self, host, port, token=None):
        self.address = f"{host}:{port}"
        self._addr = (host, port)
        self._token = (token or "").encode()
        self._idle = []
        self._lock = threading.Lock()

    def _connection(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            conn = socket.create_connection(self._addr, timeout=30.0)
        except OSError as e:
            lost = errors.UnavailableError(None, None, f"Cannot connect to {self.address}: {e}")
            lost.connection_lost = True
            raise lost from None
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn.sendall(struct.pack("!i", len(self._token)) + self._token)
            status, n = struct.unpack("!ii", _recv_exact(conn, 8))
            message = _recv_exact(conn, n).decode("utf-8", "replace") if n else ""
        except (OSError, ConnectionError) as e:
            raise self._fail(conn, e, "connecting", HANDSHAKE_TIMEOUT_S) from None
        except (KeyboardInterrupt, SystemExit):
            conn.close()
            raise
        if status:
            conn.close()
            refused = errors.exception_type_from_error_code(status)(
                None, None, f"{message} ({self.address})"
            )
            # The server is full: the caller may take gRPC, the front door, instead.
            refused.side_channel_full = status == errors.RESOURCE_EXHAUSTED
            raise refused
        return conn

    def _release(self, conn):
        with self._lock:
            self._idle.append(conn)

    def _fail(self, conn, e, what, timeout):
        conn.close()
        if isinstance(e, (TimeoutError, socket.timeout)):
            return errors.DeadlineExceededError(
                None, None, f"Timed out after {timeout} s while {what} ({self.address})"
            )
        lost = errors.UnavailableError(
            None, None, f"Lost the connection to {self.address} while {what}: {e}"
        )
        lost.connection_lost = True  # the peer itself is gone, not an error it reported
        return lost

    def _status(self, conn):
        status, n = struct.unpack("!ii", _recv_exact(conn, 8))
        return status, n

    def call(self, method, request, response_cls, timeout=None):
        conn = self._connection()
        conn.settimeout(timeout)
        try:
            name = method.encode()
            data = request.SerializeToString()
            conn.sendall(
                b"C" + struct.pack("!i", len(name)) + name + struct.pack("!i", len(data)) + data
            )
            status, n = self._status(conn)
            payload = _recv_exact(conn, n)
        except (OSError, ConnectionError) as e:
            raise self._fail(conn, e, f"calling {method}", timeout) from None
        except (KeyboardInterrupt, SystemExit):
            # Ctrl-C while the server works: closing the connection tells the server that
            # nobody waits for the answer any more, and it cancels the step.
            conn.close()
            raise
        self._release(conn)
        if status:
            raise errors.exception_type_from_error_code(status)(
                None, None, payload.decode("utf-8", "replace")
            )
        return response_cls.FromString(payload)

    def recv_tensor(self, step_id, key, timeout):
        conn = self._connection()
        conn.settimeout(timeout)
        try:
            k = key.encode()
            conn.sendall(
                b"T" + struct.pack("!qqi", step_id, int((timeout or 0) * 1000), len(k)) + k
            )
            (status,) = struct.unpack("!i", _recv_exact(conn, 4))
            if status:
                (n,) = struct.unpack("!i", _recv_exact(conn, 4))
                message = _recv_exact(conn, n).decode("utf-8", "replace")
                self._release(conn)
                raise errors.exception_type_from_error_code(status)(None, None, message)
            enum, ndim = struct.unpack("!ii", _recv_exact(conn, 8))
            if not 0 <= ndim <= _MAX_DIMS:
                raise errors.DataLossError(None, None, f"bad tensor header from {self.address}")
            dims = struct.unpack(f"!{ndim}q", _recv_exact(conn, 8 * ndim)) if ndim else ()
            (nbytes,) = struct.unpack("!q", _recv_exact(conn, 8))
            if enum == 0:  # DT_INVALID: a dead tensor
                self._release(conn)
                return DEAD
            arr = np.empty(dims, np.dtype(dtypes.as_dtype(enum).as_numpy_dtype))
            if arr.nbytes != nbytes:
                raise errors.DataLossError(
                    None,
                    None,
                    f"tensor header says {nbytes} bytes, shape {dims} needs {arr.nbytes}",
                )
            if nbytes:
                view = memoryview(arr.reshape(-1)).cast("B")
                got = 0
                while got < nbytes:
                    n = conn.recv_into(view[got:], nbytes - got)
                    if not n:
                        raise ConnectionError("connection closed mid-tensor")
                    got += n
        except (OSError, ConnectionError) as e:
            raise self._fail(conn, e, f"receiving {key}", timeout) from None
        except (KeyboardInterrupt, SystemExit):
            conn.close()
            raise
        self._release(conn)
        return arr[()] if arr.ndim == 0 else arr

    def close(self):
        with self._lock:
            for c in self._idle:
                c.close()
            self._idle.clear()
