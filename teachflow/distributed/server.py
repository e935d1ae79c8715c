"""``tf.train.Server``: one task of a cluster, serving the master and worker services.

    >>> import teachflow as tf
    >>> server = tf.train.Server.create_local_server()
    >>> with tf.Session(server.target) as sess:
    ...     print(sess.run(tf.constant(1.0) * 3))
    3.0
    >>> server.stop()

Every server is both a *master* (clients open sessions on it) and a *worker* (it runs the
partitions that masters give it). Its variables live here, shared by every session.
Beyond TensorFlow, ``stop()`` ends a server (and ``join()`` returns), so a notebook can
restart a cluster without restarting its kernel. A server binds 127.0.0.1 unless given
``bind_address`` (e.g. "0.0.0.0" to serve other machines).

A server runs whatever graphs its clients send (see the README's "Security"): ``token``
keeps out clients without the cluster's token, ``file_root`` confines file ops (readers,
ReadFile, WriteFile, MatchingFiles, Save/Restore) to one directory, and
``max_message_bytes`` bounds one request. Sessions a client never closed are closed after
``session_gc_seconds`` idle (a day by default; 0: never, as TensorFlow's own server).
"""

from __future__ import annotations

import concurrent.futures
import hmac
import os
import threading

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.master import DEFAULT_SESSION_GC_SECONDS, MasterService
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.tf_wire.master_service import TensorFlowMasterService
from teachflow.distributed.tf_wire.tf_task import PeerClient
from teachflow.distributed.tf_wire.worker_service import TFWorkerService
from teachflow.distributed.worker import MAX_EVENT_STREAMS, MAX_PENDING_RECVS, WorkerService
from teachflow.distributed.worker_client import (
    CHANNEL_OPTIONS,
    TOKEN_ENV,
    LocalWorkerClient,
)
from teachflow.ops.file_access import resolve_root
from teachflow.proto.server_def import ServerDef
from teachflow.runtime.config import ConfigProto
from teachflow.runtime.devices import make_local_devices
from teachflow.runtime.resources import ResourceManager

# The largest request a server decodes (gRPC and side channel): a feed bigger than this
# fails with ResourceExhaustedError. grpcio keeps memory of requests it cannot decode, so the
# bound also bounds what a malformed request costs.
DEFAULT_MAX_MESSAGE_BYTES = 256 << 20
# Handler threads for short calls (GetStatus, RunStep, RegisterGraph...); long-lived calls
# (StreamEvents, RecvTensor) have their own budgets on top, so they can never take these.
SHORT_CALL_THREADS = 64


class _TokenCheck(grpc.ServerInterceptor):
    """Refuse calls without the cluster's shared token (when one is set)."""

    def __init__(self, token):
        self._expected = f"Bearer {token}".encode()

        def deny(request, context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Missing or wrong cluster token")

        self._deny = grpc.unary_unary_rpc_method_handler(deny)

    def intercept_service(self, continuation, handler_call_details):
        if handler_call_details.method.startswith("/grpc.health.v1.Health/"):
            return continuation(handler_call_details)  # probes need no token
        md = dict(handler_call_details.invocation_metadata or ())
        given = md.get("authorization", "")
        given = given.encode() if isinstance(given, str) else bytes(given)
        # Constant time, and before any handler exists: a refused request is never decoded
        # (the deny handler has no deserializer).
        if not hmac.compare_digest(given, self._expected):
            return self._deny
        return continuation(handler_call_details)


def _tls_configured() -> bool:
    return bool(os.environ.get("TEACHFLOW_TLS_CERT") and os.environ.get("TEACHFLOW_TLS_KEY"))


def _add_port(grpc_server, address):
    """Serve TLS when TEACHFLOW_TLS_CERT and TEACHFLOW_TLS_KEY name PEM files."""
    cert, key = os.environ.get("TEACHFLOW_TLS_CERT"), os.environ.get("TEACHFLOW_TLS_KEY")
    if cert and key:
        with open(key, "rb") as k, open(cert, "rb") as c:
            creds = grpc.ssl_server_credentials([(k.read(), c.read())])
        return grpc_server.add_secure_port(address, creds)
    return grpc_server.add_insecure_port(address)


def _resolve_task(cluster: ClusterSpec, job_name, task_index) -> tuple[str, int]:
    """The task this server is, as TF's ``_make_server_def`` fills in a missing job or
    index: allowed only when the cluster leaves a single choice."""
    if job_name is None:
        jobs = cluster.jobs
        if len(jobs) != 1:
            raise ValueError("Must specify an explicit `job_name`.")
        job_name = jobs[0]
    if task_index is None:
        indices = cluster.task_indices(job_name)
        if len(indices) != 1:
            raise ValueError("Must specify an explicit `task_index`.")
        task_index = indices[0]
    return job_name, int(task_index)


def _make_grpc_server(token, max_message_bytes) -> grpc.Server:
    interceptors = [_TokenCheck(token)] if token else []
    threads = SHORT_CALL_THREADS + MAX_EVENT_STREAMS + MAX_PENDING_RECVS
    return grpc.server(
        concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="grpc-server"),
        # Without so_reuseport=0, gRPC lets a second server share a port already taken.
        options=[o for o in CHANNEL_OPTIONS if o[0] != "grpc.max_receive_message_length"]
        + [
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", int(max_message_bytes)),
        ],
        interceptors=interceptors,
    )


def _bind(grpc_server, bind_host, port, task_name) -> int:
    """Listen on ``bind_host:port``; returns the port bound (the OS's choice for port 0)."""
    try:
        bound = _add_port(grpc_server, f"{bind_host}:{int(port)}")
    except RuntimeError as e:
        raise OSError(f"Could not bind {bind_host}:{port} for {task_name}: {e}") from None
    if bound == 0:
        raise OSError(f"Could not bind {bind_host}:{port} for {task_name}")
    return bound


def _with_address(cluster: ClusterSpec, job_name, task, address) -> ClusterSpec:
    """``cluster`` with this task's address replaced: port 0 asked the OS for a free port,
    and the cluster must learn the real one."""
    spec = cluster.as_dict()
    tasks = spec[job_name]
    tasks = list(tasks) if isinstance(tasks, list) else dict(tasks)
    tasks[task] = address
    spec[job_name] = tasks
    return ClusterSpec(spec)


# The master's methods a client may call over the side channel (its hot path).
_SIDE_CHANNEL_MASTER_METHODS = (
    "CreateSession",
    "ExtendSession",
    "RunStep",
    "CloseSession",
    "ListDevices",
    "Reset",
)


class Server:
    """An in-process TensorFlow server: one task of ``cluster``."""

    def __init__(
        self,
        server_or_cluster_def,
        job_name=None,
        task_index=None,
        protocol=None,
        config=None,
        start=True,
        bind_address=None,
        token=None,
        file_root=None,
        session_gc_seconds=DEFAULT_SESSION_GC_SECONDS,
        max_message_bytes=DEFAULT_MAX_MESSAGE_BYTES,
    ):
        if protocol not in (None, "grpc"):
            raise ValueError(f"Unsupported protocol {protocol!r}: teachflow speaks 'grpc'")
        cluster = ClusterSpec(server_or_cluster_def)
        self._job, self._task = _resolve_task(cluster, job_name, task_index)
        self._config = config or ConfigProto()
        self.task_name = f"/job:{self._job}/replica:0/task:{self._task}"
        self._token = token if token is not None else os.environ.get(TOKEN_ENV)
        self.file_root = resolve_root(file_root)
        host, _, port = cluster.task_address(self._job, self._task).rpartition(":")
        bind_host = bind_address or os.environ.get("TEACHFLOW_BIND_ADDRESS") or "127.0.0.1"
        self._grpc = _make_grpc_server(self._token, max_message_bytes)
        self._port = _bind(self._grpc, bind_host, port, self.task_name)
        self._address = f"{host}:{self._port}"
        self._cluster = _with_address(cluster, self._job, self._task, self._address)
        self._make_services(bind_host, session_gc_seconds, max_message_bytes)
        self._started = False
        self._stopped = threading.Event()
        if start:
            self.start()

    def _make_services(self, bind_host, session_gc_seconds, max_message_bytes) -> None:
        """This task's devices and state, its worker and master services on the gRPC
        server and the side channel, and gRPC's health service."""
        self.resources = ResourceManager()
        self.devices = make_local_devices(self._config, self.task_name, self.resources)
        self._clients = {}
        self._clients_lock = threading.Lock()
        worker = self.worker_service = WorkerService(
            self.task_name,
            self.devices,
            self.resources,
            self.worker_client,
            self._config.inter_op_parallelism_threads,
            bulk_host=bind_host,
            token=self._token,
        )
        worker.side_channel.max_frame_bytes = int(max_message_bytes)
        worker.file_root = self.file_root
        self.master_service = MasterService(self, session_gc_seconds)
        worker.master_sessions = self._master_sessions
        if _tls_configured():
            # The side channel is plain TCP: a TLS server keeps everything inside gRPC.
            worker.side_channel.close()
            worker.side_channel.port = 0
        worker.side_channel.add_methods(
            {
                f"MasterService/{name}": (
                    getattr(self.master_service, name),
                    getattr(pb, f"{name}Request"),
                )
                for name in _SIDE_CHANNEL_MASTER_METHODS
            }
        )
        pb_grpc.add_WorkerServiceServicer_to_server(worker, self._grpc)
        pb_grpc.add_MasterServiceServicer_to_server(self.master_service, self._grpc)
        # TensorFlow's WorkerService on the same port: a TF master can use this task.
        self.tf_worker_service = TFWorkerService(worker, self.address_of)
        self._grpc.add_generic_rpc_handlers((self.tf_worker_service.handler(),))
        # TensorFlow's MasterService too: an unmodified TF client (tf.compat.v1.Session on
        # this target) runs on teachflow's master, sharing its sessions and state.
        self.tf_master_service = TensorFlowMasterService(self.master_service)
        self._grpc.add_generic_rpc_handlers((self.tf_master_service.handler(),))
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._grpc)

    # -- TF's API --------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return f"grpc://{self._address}"

    @property
    def server_def(self) -> ServerDef:
        """This server's ``ServerDef``; prints as TensorFlow prints it (protobuf text)."""
        config = self._config if self._config != ConfigProto() else None
        return ServerDef(
            self._cluster.as_cluster_def(),
            self._job,
            self._task,
            "grpc",
            default_session_config=config,
        )

    def start(self) -> None:
        if self._stopped.is_set():
            raise RuntimeError("A stopped server cannot be started again; create a new one.")
        if not self._started:
            self._grpc.start()
            self._health.set("", health_pb2.HealthCheckResponse.SERVING)
            self._started = True

    def join(self) -> None:
        """Block until the server stops (``stop()`` from another thread, or a signal)."""
        self._stopped.wait()

    def stop(self, grace: float | None = 0.5) -> None:
        """teachflow's addition: shut the server down and release its port."""
        if self._stopped.is_set():
            return
        self._health.enter_graceful_shutdown()
        self._grpc.stop(grace).wait()
        self.master_service.close()
        self.worker_service.close()
        self.tf_worker_service.close()
        with self._clients_lock:
            for c in self._clients.values():
                c.close()
            self._clients.clear()
        self._stopped.set()

    @staticmethod
    def create_local_server(config=None, start=True):
        """A single-task cluster on a free local port."""
        return Server({"localhost": ["localhost:0"]}, protocol="grpc", config=config, start=start)

    # -- the cluster as this task sees it ----------------------------------------------------
    @property
    def cluster(self) -> ClusterSpec:
        return self._cluster

    def cluster_tasks(self) -> list[str]:
        tasks = []
        for job in self._cluster.jobs:
            for i in self._cluster.task_indices(job):
                tasks.append(f"/job:{job}/replica:0/task:{i}")
        return tasks

    def address_of(self, task: str) -> str:
        parts = dict(p.split(":", 1) for p in task.strip("/").split("/"))
        return self._cluster.task_address(parts["job"], int(parts["task"]))

    def worker_client(self, task: str):
        with self._clients_lock:
            c = self._clients.get(task)
            if c is None:
                if task == self.task_name:
                    c = LocalWorkerClient(self.worker_service)
                else:
                    # teachflow's protocol, or TensorFlow's for a TF server (a mixed cluster).
                    c = PeerClient(task, self.address_of(task))
                self._clients[task] = c
            return c

    def _master_sessions(self) -> int:
        self.master_service.collect_idle_sessions()
        return len(self.master_service.sessions)

    def __repr__(self):
        return f"<teachflow Server {self.task_name} at {self.target}>"
