"""Calling a task's ``tensorflow.WorkerService``: how a teachflow task talks to a TF one.

When a TensorFlow master runs a step across a teachflow task and TensorFlow tasks, a
``_Recv`` on the teachflow task pulls its tensor from the task that sent it with TF's own
``RecvTensor`` (teachflow tasks serve it too, so the same client works for either). The
same client registers and runs partitions when teachflow's master drives a TF worker.
A failed call raises the `tf.errors` class of its status, naming the task and the call.

    >>> from teachflow.distributed.tf_wire.worker_client import TFWorkerClient
    >>> client = TFWorkerClient("/job:worker/replica:0/task:0", "127.0.0.1:1")
    >>> client.task
    '/job:worker/replica:0/task:0'
    >>> client.close()
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import grpc

from teachflow.distributed.status import to_op_error
from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.methods import WORKER, stub
from teachflow.distributed.worker_client import auth_metadata, make_channel
from teachflow.framework import errors
from teachflow.ops.control_flow_primitives import DEAD
from teachflow.proto.tf_wire import worker_pb2

__all__ = ["TFPeers", "TFWorkerClient"]

# Calls other than RecvTensor answer at once; a task that does not within this is down.
CALL_TIMEOUT_S = 60.0


class TFWorkerClient:
    """Another task's ``tensorflow.WorkerService``, at ``address``."""

    def __init__(self, task: str, address: str):
        self.task = task
        self.address = address
        self._channel = make_channel(address)
        self._stubs = {name: stub(self._channel, WORKER, name) for name in WORKER.methods}
        self._md = auth_metadata()

    def call(
        self, method: str, request, timeout: float | None = CALL_TIMEOUT_S, wait_for_ready=False
    ):
        """Call ``method`` with ``request`` (TF's message); the `tf.errors` class of a
        failed call's status is raised, naming the task. ``wait_for_ready``: wait (within
        ``timeout``) for a task that is not up yet rather than fail at once."""
        try:
            return self._stubs[method](
                request, timeout=timeout, metadata=self._md, wait_for_ready=wait_for_ready
            )
        except grpc.RpcError as e:
            raise to_op_error(e, f"calling {method} on {self.task} at {self.address}") from None

    def recv_tensor(self, step_id: int, key: str, timeout: float | None = None):
        """The value the step's ``_Send`` on that task left under rendezvous ``key``."""
        request = worker_pb2.RecvTensorRequest(
            step_id=step_id,
            rendezvous_key=key,
            # TF's worker drops a repeated request_id (a retried RPC); a random one is new.
            request_id=random.getrandbits(63),
        )
        response = self.call("RecvTensor", request, timeout)
        if response.is_dead:
            return DEAD  # a branch not taken by a Switch there: dead here too
        return convert.to_numpy(response.tensor)

    # teachflow's _Recv asks for numeric tensors in bulk; TF has one RecvTensor for both.
    recv_tensor_bulk = recv_tensor

    def close(self) -> None:
        self._channel.close()


class TFPeers:
    """task name -> `TFWorkerClient` of that task, made once; ``address_of(task)`` says
    where a task listens. The callable a step's ``_Recv`` nodes ask for their senders."""

    def __init__(self, address_of: Callable[[str], str]):
        self._address_of = address_of
        self._clients = {}
        self._lock = threading.Lock()

    def __call__(self, task: str) -> TFWorkerClient:
        with self._lock:
            client = self._clients.get(task)
            if client is None:
                try:
                    address = self._address_of(task)
                except (KeyError, ValueError, IndexError):
                    raise errors.InvalidArgumentError(
                        None, None, f"Task {task} is not in the cluster of this session"
                    ) from None
                client = self._clients[task] = TFWorkerClient(task, address)
            return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            c.close()
