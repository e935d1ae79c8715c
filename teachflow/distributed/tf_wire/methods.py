"""TensorFlow's gRPC methods: the path of each and its request and response messages.

The paths are TensorFlow's (``/tensorflow.MasterService/RunStep``); the messages are
TensorFlow's (see `teachflow.proto.tf_wire`). Servers build their handlers from these tables
and clients their stubs, so a method is spelled once.

    >>> from teachflow.distributed.tf_wire.methods import MASTER, path
    >>> path(MASTER, "RunStep")
    '/tensorflow.MasterService/RunStep'
    >>> MASTER.methods["RunStep"].request.DESCRIPTOR.name
    'RunStepRequest'
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from teachflow.proto.tf_wire import master_pb2, worker_pb2

__all__ = ["MASTER", "WORKER", "Method", "Service", "generic_handler", "path", "stub"]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    request: type
    response: type


@dataclass(frozen=True, slots=True)
class Service:
    name: str  # TensorFlow's full service name: "tensorflow.MasterService"
    methods: dict


def _service(name: str, module, method_names: list[str], messages=None) -> Service:
    messages = messages or {}
    methods = {}
    for method in method_names:
        request, response = messages.get(method, (f"{method}Request", f"{method}Response"))
        methods[method] = Method(method, getattr(module, request), getattr(module, response))
    return Service(name, methods)


MASTER = _service(
    "tensorflow.MasterService",
    master_pb2,
    [
        "CreateSession",
        "ExtendSession",
        "PartialRunSetup",
        "RunStep",
        "CloseSession",
        "ListDevices",
        "Reset",
        "MakeCallable",
        "RunCallable",
        "ReleaseCallable",
    ],
)

WORKER = _service(
    "tensorflow.WorkerService",
    worker_pb2,
    [
        "GetStatus",
        "CreateWorkerSession",
        "DeleteWorkerSession",
        "RegisterGraph",
        "DeregisterGraph",
        "RunGraph",
        "CleanupGraph",
        "CleanupAll",
        "RecvTensor",
        "Logging",
        "Tracing",
        "RecvBuf",
        "GetStepSequence",
        "MarkRecvFinished",
        "CompleteGroup",
        "CompleteInstance",
    ],
)


def path(service: Service, method: str) -> str:
    """The gRPC path of ``method``: ``/tensorflow.MasterService/RunStep``."""
    return f"/{service.name}/{method}"


def stub(channel: grpc.Channel, service: Service, method: str):
    """A unary-unary callable for ``method`` on ``channel``, (de)serializing its messages."""
    m = service.methods[method]
    return channel.unary_unary(
        path(service, method),
        request_serializer=m.request.SerializeToString,
        response_deserializer=m.response.FromString,
    )


def generic_handler(service: Service, implementations: dict) -> grpc.GenericRpcHandler:
    """A gRPC handler serving ``implementations`` (``{method: fn(request, context)}``);
    a method of the service left out answers UNIMPLEMENTED, naming it."""
    handlers = {}
    for name, m in service.methods.items():
        fn = implementations.get(name) or _unimplemented(service, name)
        handlers[name] = grpc.unary_unary_rpc_method_handler(
            fn,
            request_deserializer=m.request.FromString,
            response_serializer=m.response.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service.name, handlers)


def _unimplemented(service: Service, name: str):
    def answer(request, context):
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED, f"{service.name}.{name} is not implemented by teachflow"
        )

    return answer
