"""Calling a task's WorkerService: over gRPC for another task, directly for our own.

The master uses these to discover devices, register partitions and run them; a worker
uses them to pull tensors from the task that produced them. A task that cannot be reached
gives `UnavailableError` naming the task and its address, within the timeout.
"""

from __future__ import annotations

import os
import threading

import grpc

from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.protocol import tensors
from teachflow.distributed.side_channel import SideChannelClient
from teachflow.distributed.status import to_op_error
from teachflow.framework import errors

MAX_MESSAGE_BYTES = 1 << 30
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    # A restarted task should be found again within a second, not after gRPC's default
    # backoff (which grows to two minutes).
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]
TOKEN_ENV = "TEACHFLOW_CLUSTER_TOKEN"
# Calls a task answers the same however often it gets them: after an UnavailableError they
# are repeated once the task is found healthy again (a restarted task is usable at once).
_REPEATABLE = frozenset(
    {"GetStatus", "RegisterGraph", "DeregisterGraph", "CleanupGraph", "CleanupAll"}
)
# How long a call waits for a task that just refused it to be healthy again: a little more
# than the longest reconnect back-off below, after which a restarted task is connected.
REACHABLE_AGAIN_S = 1.5
# TLS: a server with TEACHFLOW_TLS_CERT and TEACHFLOW_TLS_KEY (PEM files) serves TLS; a
# client with TEACHFLOW_TLS_CA (the PEM that signed the servers' certificates) uses it.
TLS_CA_ENV = "TEACHFLOW_TLS_CA"


def tls_enabled() -> bool:
    return bool(os.environ.get(TLS_CA_ENV))


def make_channel(address):
    """A channel to ``address``: TLS when TEACHFLOW_TLS_CA is set, else plain."""
    ca = os.environ.get(TLS_CA_ENV)
    if ca:
        with open(ca, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        return grpc.secure_channel(address, creds, options=CHANNEL_OPTIONS)
    return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)


def auth_metadata():
    token = os.environ.get(TOKEN_ENV)
    return (("authorization", f"Bearer {token}"),) if token else ()


class WorkerClient:
    """Another task's WorkerService."""

    def __init__(self, task, address):
        self.task = task
        self.address = address
        self._channel = make_channel(address)
        self._stub = pb_grpc.WorkerServiceStub(self._channel)
        self._md = auth_metadata()
        self._side = None  # the task's side channel, once GetStatus has told us its port
        self._side_lost = False  # it was lost: look for the task's new one before a call
        self._rediscover = threading.Lock()

    def _reachable_again(self, timeout) -> bool:
        """Whether the task answers GetStatus within ``timeout`` (at most REACHABLE_AGAIN_S).

        ``wait_for_ready`` makes the channel connect now instead of failing fast during
        gRPC's reconnect back-off, which is what made the first steps after a restart fail
        with "Connection refused"; the answer also tells us its new side channel."""
        try:
            self.get_status(min(timeout or REACHABLE_AGAIN_S, REACHABLE_AGAIN_S))
        except errors.OpError:
            return False
        return True

    def _call(self, method, request, timeout, doing, wait_for_ready=False, again=True):
        probed = None  # whether the task answered a status probe made for this call
        if self._side_lost and method != "GetStatus" and not tls_enabled():
            probed = self._reachable_again(timeout)
        if self._side is not None and method != "GetStatus":
            response_cls = getattr(pb, f"{method}Response")
            try:
                return self._on_side(
                    lambda side: side.call(
                        f"WorkerService/{method}", request, response_cls, timeout
                    ),
                    timeout,
                )
            except errors.UnavailableError as e:
                if not getattr(e, "connection_lost", False):
                    raise
                raise errors.UnavailableError(
                    None, None, f"{e.message} ({doing} on {self.task} at {self.address})"
                ) from None
            except errors.DeadlineExceededError as e:
                raise type(e)(None, None, f"{e.message} ({doing} on {self.task})") from None
            except errors.ResourceExhaustedError as e:
                if not getattr(e, "side_channel_full", False):
                    raise  # the call's own answer
                # Other clients hold every side-channel connection: gRPC still serves us.
        try:
            return getattr(self._stub, method)(
                request, timeout=timeout, metadata=self._md, wait_for_ready=wait_for_ready
            )
        except grpc.RpcError as e:
            if (
                again
                and probed is not False  # a task just found down is not waited for twice
                and e.code() == grpc.StatusCode.UNAVAILABLE
                and method != "GetStatus"
                and (method in _REPEATABLE or _never_sent(e))
                and self._reachable_again(timeout)
            ):
                # The task is back (a restart): the call is safe to make again.
                return self._call(method, request, timeout, doing, again=False)
            if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and (
                method == "GetStatus"
            ):
                raise errors.UnavailableError(
                    None,
                    None,
                    f"Could not reach {self.task} at {self.address} within {timeout:.1f} s "
                    f"({e.details()}). Is its server started?",
                ) from None
            raise to_op_error(e, f"{doing} on {self.task} ({self.address})") from None

    def get_status(self, timeout):
        # Wait for a task that is still starting, but never past the timeout.
        status = self._call("GetStatus", pb.GetStatusRequest(), timeout, "getting status", True)
        # The side channel is plain TCP: with TLS on, everything stays inside gRPC.
        if self._side is None and status.bulk_port and not tls_enabled():
            host = self.address.rpartition(":")[0].strip("[]")
            self._side = SideChannelClient(host, status.bulk_port, os.environ.get(TOKEN_ENV))
            self._side_lost = False
        return status

    def register_graph(self, session_handle, graph_def, config):
        req = pb.RegisterGraphRequest(
            session_handle=session_handle, graph_def=graph_def, config=config
        )
        return self._call("RegisterGraph", req, 60.0, "registering a graph").graph_handle

    def run_graph(self, request, timeout):
        return self._call("RunGraph", request, timeout, "running a step")

    def cleanup_graph(self, step_id):
        try:
            self._stub.CleanupGraph(
                pb.CleanupGraphRequest(step_id=step_id), timeout=5.0, metadata=self._md
            )
        except grpc.RpcError:
            pass  # a task that is gone has nothing left to clean up

    def cleanup_all(self, containers):
        self._call(
            "CleanupAll", pb.CleanupAllRequest(container=containers), 10.0, "resetting containers"
        )

    def deregister_graph(self, session_handle, graph_handle):
        try:
            req = pb.DeregisterGraphRequest(
                session_handle=session_handle, graph_handle=graph_handle
            )
            self._stub.DeregisterGraph(req, timeout=5.0, metadata=self._md)
        except grpc.RpcError:
            pass

    def recv_tensor(self, step_id, key, timeout):
        req = pb.RecvTensorRequest(
            step_id=step_id, rendezvous_key=key, timeout_ms=int(timeout * 1000) if timeout else 0
        )
        try:
            return tensors.from_chunks(
                self._stub.RecvTensor(req, timeout=timeout, metadata=self._md)
            )
        except grpc.RpcError as e:
            tensor = key.split(";")[3] if key.count(";") >= 3 else key
            raise to_op_error(e, f"receiving {tensor} from {self.task} ({self.address})") from None

    def recv_tensor_bulk(self, step_id, key, timeout):
        """A numeric tensor as raw bytes over the task's side channel."""
        if self._side is None:
            self.get_status(timeout or 30.0)
            if self._side is None:
                return self.recv_tensor(step_id, key, timeout)
        try:
            return self._on_side(lambda side: side.recv_tensor(step_id, key, timeout), timeout)
        except errors.UnavailableError as e:
            raise errors.UnavailableError(None, None, f"{e.message} (from {self.task})") from None
        except errors.ResourceExhaustedError as e:
            if not getattr(e, "side_channel_full", False):
                raise
            return self.recv_tensor(step_id, key, timeout)

    def _on_side(self, use, timeout):
        """``use(side channel)``; when the connection is lost, once more on the task's
        current side channel: a restarted task listens on a new port, so the old one is
        forgotten and the task asked where it is now (once, by whichever caller notices
        first). Raises the last UnavailableError (``connection_lost`` set) otherwise."""
        side = self._side
        try:
            return use(side)
        except errors.UnavailableError as e:
            if not getattr(e, "connection_lost", False):
                raise
            with self._rediscover:
                if self._side is side:
                    self._side = None
                    self._side_lost = True
                    side.close()
                    self._reachable_again(timeout)
            fresh = self._side
            if fresh is None or fresh is side:
                raise
        return use(fresh)

    def close(self):
        if self._side is not None:
            self._side.close()
        self._channel.close()


def _never_sent(rpc_error) -> bool:
    """An UNAVAILABLE that gRPC reports before the request left this process (no
    connection could be made): the task never saw the call, so it may be repeated."""
    details = (rpc_error.details() or "").lower()
    return "failed to connect" in details or "connection refused" in details


class _DirectContext:
    """Stands in for a gRPC context when a task calls its own servicer."""

    def abort(self, code, details):
        number = code.value[0]
        raise errors.exception_type_from_error_code(number)(None, None, details)

    def is_active(self):
        return True


class LocalWorkerClient:
    """This task's own WorkerService, called without a network hop."""

    def __init__(self, service):
        self.service = service
        self.task = service.task_name
        self._ctx = _DirectContext()

    def get_status(self, timeout):
        return self.service.GetStatus(pb.GetStatusRequest(), self._ctx)

    def register_graph(self, session_handle, graph_def, config):
        req = pb.RegisterGraphRequest(
            session_handle=session_handle, graph_def=graph_def, config=config
        )
        return self.service.RegisterGraph(req, self._ctx).graph_handle

    def run_graph(self, request, timeout):
        return self.service.RunGraph(request, self._ctx)

    def cleanup_graph(self, step_id):
        self.service.CleanupGraph(pb.CleanupGraphRequest(step_id=step_id), self._ctx)

    def cleanup_all(self, containers):
        self.service.CleanupAll(pb.CleanupAllRequest(container=containers), self._ctx)

    def deregister_graph(self, session_handle, graph_handle):
        req = pb.DeregisterGraphRequest(session_handle=session_handle, graph_handle=graph_handle)
        self.service.DeregisterGraph(req, self._ctx)

    def recv_tensor(self, step_id, key, timeout):
        return self.service.rendezvous.recv(step_id, key, timeout)

    recv_tensor_bulk = recv_tensor

    def close(self):
        pass
