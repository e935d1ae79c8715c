"""Large tensors between tasks over a plain TCP socket: bytes straight into numpy.

gRPC in Python copies a tensor several times (into a protobuf, a serialized message, and
back), which caps a 64 MiB transfer well below what the network can carry. Like
TensorFlow's ``grpc+verbs``/``grpc+mpi`` protocols, teachflow keeps gRPC for control and
moves large numeric payloads on a side channel: each worker serves its rendezvous on a
TCP port (advertised in ``GetStatus``), and the receiving worker reads the raw bytes
directly into a preallocated array. Strings and small tensors stay on ``RecvTensor``.

The wire format of one request on a connection (big-endian):
``step_id:int64 | timeout_ms:int64 | key_len:int32 | key | token_len:int32 | token``;
the answer is ``status:int32``, then either a message (``len:int32 | utf-8``) or
``dtype:int32 | ndim:int32 | dims:int64 * ndim | nbytes:int64 | raw bytes``.
Nothing received is unpickled or evaluated; a connection may carry many requests.
"""

from __future__ import annotations

import socket
import struct
import threading

import numpy as np

from teachflow.framework import dtypes, errors

# Tensors at least this large (with a known numeric dtype and shape) use the side channel.
BULK_THRESHOLD = 1 << 20
_MAX_KEY = 4096
_MAX_DIMS = 64


def _recv_exact(conn, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = conn.recv_into(view[got:], n - got)
        if not k:
            raise ConnectionError("connection closed")
        got += k
    return bytes(buf)


class BulkServer:
    """Serves a worker's rendezvous as raw bytes."""

    def __init__(self, rendezvous, host="127.0.0.1", token=None):
        self._rendezvous = rendezvous
        self._token = (token or "").encode()
        self._sock = socket.create_server((host, 0))
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        self._conns = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="bulk-accept", daemon=True).start()

    def _accept(self):
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.add(conn)
            threading.Thread(
                target=self._serve, args=(conn,), name="bulk-conn", daemon=True
            ).start()

    def _serve(self, conn):
        try:
            while not self._closed.is_set():
                try:
                    head = _recv_exact(conn, 20)
                except (ConnectionError, OSError):
                    return
                step_id, timeout_ms, key_len = struct.unpack("!qqi", head)
                if not 0 < key_len <= _MAX_KEY:
                    return  # not our protocol: drop the connection
                key = _recv_exact(conn, key_len).decode("utf-8", "replace")
                (token_len,) = struct.unpack("!i", _recv_exact(conn, 4))
                if not 0 <= token_len <= _MAX_KEY:
                    return
                token = _recv_exact(conn, token_len)
                if self._token and token != self._token:
                    self._error(conn, errors.UNAUTHENTICATED, "Missing or wrong cluster token")
                    return
                try:
                    value = self._rendezvous.recv(
                        step_id, key, timeout_ms / 1000.0 if timeout_ms else None
                    )
                    arr = np.ascontiguousarray(value)
                    if arr.dtype == object:
                        raise errors.InvalidArgumentError(
                            None, None, "string tensors do not use the bulk channel"
                        )
                    enum = dtypes.as_dtype(arr.dtype).enum
                except errors.OpError as e:
                    self._error(conn, e.error_code, e.message)
                    continue
                dims = arr.shape
                header = struct.pack(f"!iii{len(dims)}qq", 0, enum, len(dims), *dims, arr.nbytes)
                conn.sendall(header)
                if arr.nbytes:
                    # Native byte order: both ends are teachflow workers on one kind of host.
                    conn.sendall(memoryview(arr.reshape(-1)).cast("B"))
        except (ConnectionError, OSError):
            return
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    @staticmethod
    def _error(conn, code, message):
        data = message.encode()
        conn.sendall(struct.pack("!ii", code, len(data)) + data)

    def close(self):
        self._closed.set()
        self._sock.close()
        with self._lock:
            for c in list(self._conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class BulkClient:
    """Pulls tensors from one peer's BulkServer, reusing idle connections."""

    def __init__(self, host, port, token=None):
        self._addr = (host, port)
        self._token = (token or "").encode()
        self._idle = []
        self._lock = threading.Lock()

    def _connection(self, timeout):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = socket.create_connection(self._addr, timeout=timeout or 30.0)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def recv(self, step_id, key, timeout):
        conn = self._connection(timeout)
        conn.settimeout(timeout)
        try:
            k = key.encode()
            conn.sendall(
                struct.pack("!qqi", step_id, int((timeout or 0) * 1000), len(k))
                + k
                + struct.pack("!i", len(self._token))
                + self._token
            )
            (status,) = struct.unpack("!i", _recv_exact(conn, 4))
            if status:
                (n,) = struct.unpack("!i", _recv_exact(conn, 4))
                message = _recv_exact(conn, n).decode("utf-8", "replace")
                with self._lock:
                    self._idle.append(conn)
                raise errors.exception_type_from_error_code(status)(None, None, message)
            enum, ndim = struct.unpack("!ii", _recv_exact(conn, 8))
            if not 0 <= ndim <= _MAX_DIMS:
                raise errors.DataLossError(None, None, f"bad tensor header from {self._addr}")
            dims = struct.unpack(f"!{ndim}q", _recv_exact(conn, 8 * ndim)) if ndim else ()
            (nbytes,) = struct.unpack("!q", _recv_exact(conn, 8))
            dtype = np.dtype(dtypes.as_dtype(enum).as_numpy_dtype)
            arr = np.empty(dims, dtype)
            if arr.nbytes != nbytes:
                raise errors.DataLossError(
                    None,
                    None,
                    f"tensor header says {nbytes} bytes, shape {dims} needs {arr.nbytes}",
                )
            view = memoryview(arr).cast("B") if arr.nbytes else None
            got = 0
            while got < nbytes:
                n = conn.recv_into(view[got:], nbytes - got)
                if not n:
                    raise ConnectionError("connection closed mid-tensor")
                got += n
        except (OSError, ConnectionError) as e:
            conn.close()
            if isinstance(e, TimeoutError) or isinstance(e, socket.timeout):
                raise errors.DeadlineExceededError(
                    None, None, f"Timed out receiving {key}"
                ) from None
            raise errors.UnavailableError(
                None,
                None,
                f"Lost the connection to {self._addr[0]}:{self._addr[1]} receiving {key}: {e}",
            ) from None
        with self._lock:
            self._idle.append(conn)
        return arr[()] if arr.ndim == 0 else arr

    def close(self):
        with self._lock:
            for c in self._idle:
                c.close()
            self._idle.clear()
