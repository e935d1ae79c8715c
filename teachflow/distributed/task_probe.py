"""Is a task up, and what devices does it have? The question a cluster view asks.

Views (teachflow.viz.topology) draw a cluster's tasks and colour each by its state; they
ask here rather than building gRPC clients themselves, so every call to a server stays in
the distributed layer. A task is *up* when its gRPC health service answers SERVING (or
refuses the cluster token: something is listening), *down* when nothing answers in time.

    >>> from teachflow.distributed.ports import free_ports
    >>> probe = probe_task("/job:worker/replica:0/task:0", f"localhost:{free_ports(1)[0]}", 0.5)
    >>> probe.state, probe.devices
    ('down', [])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from teachflow.distributed.protocol import graphs
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.worker_client import WorkerClient, auth_metadata, make_channel
from teachflow.framework import errors


@dataclass(slots=True)
class TaskProbe:
    """One task's answer: its state, why (when not plainly up) and its devices."""

    state: str  # "up" or "down"
    detail: str = ""  # "unreachable", "no answer within the timeout", ...
    devices: list = field(default_factory=list)  # DeviceAttributes, when it told them


def probe_task(name: str, address: str, timeout: float) -> TaskProbe:
    """Ask the task at ``address`` (``host:port``) whether it serves, waiting at most
    ``timeout`` seconds per call; a serving task is also asked for its devices."""
    channel = make_channel(address)
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            res = stub.Check(
                health_pb2.HealthCheckRequest(service=""),
                timeout=timeout,
                metadata=auth_metadata(),
            )
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNAUTHENTICATED:
                return TaskProbe("up", "refused: wrong cluster token")
            return TaskProbe("down", _why_down(e))
        if res.status != health_pb2.HealthCheckResponse.SERVING:
            return TaskProbe("down", "not serving (shutting down)")
        return TaskProbe("up", "", _devices_of(name, address, timeout))
    finally:
        channel.close()


@dataclass(slots=True)
class WorkerStatus:
    """A task's ``GetStatus`` answer (devices, sessions, running steps, resources), or why
    there is none."""

    state: str  # "up" or "down"
    detail: str = ""
    response: pb.GetStatusResponse | None = None


def worker_status(address: str, timeout: float, include_resources: bool = True) -> WorkerStatus:
    """Ask the worker service at ``address`` for its status, waiting at most ``timeout`` s."""
    channel = make_channel(address)
    try:
        stub = pb_grpc.WorkerServiceStub(channel)
        res = stub.GetStatus(
            pb.GetStatusRequest(include_resources=include_resources),
            timeout=timeout,
            metadata=auth_metadata(),
        )
    except grpc.RpcError as e:
        code = e.code()
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return WorkerStatus("down", f"no answer within {timeout:g} s")
        if code == grpc.StatusCode.UNAUTHENTICATED:
            return WorkerStatus("up", "refused: wrong cluster token")
        return WorkerStatus("down", "unreachable")
    finally:
        channel.close()
    return WorkerStatus("up", "", res)


def _why_down(error) -> str:
    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "no answer within the timeout"
    return "unreachable"


def _devices_of(name, address, timeout) -> list:
    client = WorkerClient(name, address)
    try:
        status = client.get_status(timeout)
        return [graphs.device_attributes_from_proto(d) for d in status.device_attributes]
    except errors.OpError:
        return []
    finally:
        client.close()
