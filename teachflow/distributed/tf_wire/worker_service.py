"""``tensorflow.WorkerService`` on a teachflow server: a TF master can use it as a worker.

Every teachflow `Server` serves TensorFlow's worker protocol beside its own, on the same
port (gRPC tells them apart by method path), so a cluster may mix TensorFlow and teachflow
tasks: e.g. a teachflow ps, whose variables, events and traffic can be inspected, with
real TensorFlow workers training against it. What a TF master sends (recorded in
``tests/fixtures/tensorflow/wire/worker/``) and what this service does with it:

- ``GetStatus``: this task's devices with their incarnations;
- ``CreateWorkerSession``/``DeleteWorkerSession``: a session's graphs live and die with it;
- ``RegisterGraph``: a TF partition graph (`partition.from_tensorflow`) becomes a
  partition of teachflow's worker — the same executor, kernels, resources and rendezvous
  that teachflow's own masters use;
- ``RunGraph``: the sends go into the rendezvous, the partition runs, the recv keys come
  back; with ``store_errors_in_response_body`` (TF's masters set it) a failed step answers
  OK with the status inside, as TF's worker does; step stats when the step is traced;
- ``RecvTensor``: a tensor a ``_Send`` left here, for the TF (or teachflow) task whose
  ``_Recv`` pulls it; the incarnation in the key must be this device's;
- ``CleanupGraph``, ``CleanupAll``, ``DeregisterGraph``, ``Logging``/``Tracing`` (empty,
  as TF's open-source worker answers), ``GetStepSequence``, ``MarkRecvFinished``;
- ``RecvBuf``, ``CompleteGroup``, ``CompleteInstance``: collectives, UNIMPLEMENTED.

A server with a cluster token refuses TF peers too (they send none): a mixed cluster runs
without one, as TensorFlow's own servers do.

    >>> import teachflow as tf
    >>> from teachflow.distributed.tf_wire.methods import WORKER, stub
    >>> from teachflow.proto.tf_wire import worker_pb2
    >>> import grpc
    >>> server = tf.train.Server.create_local_server()
    >>> channel = grpc.insecure_channel(server.target[len("grpc://"):])
    >>> status = stub(channel, WORKER, "GetStatus")(worker_pb2.GetStatusRequest(), timeout=10)
    >>> status.device_attributes[0].name
    '/job:localhost/replica:0/task:0/device:CPU:0'
    >>> channel.close(); server.stop()
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.status import abort_with
from teachflow.distributed.tf_wire import convert, partition
from teachflow.distributed.tf_wire.methods import WORKER, generic_handler
from teachflow.distributed.tf_wire.worker_client import TFPeers
from teachflow.distributed.worker import PartitionStep, WorkerService
from teachflow.framework import errors
from teachflow.framework.graph import Graph
from teachflow.framework.importer import import_nodes
from teachflow.ops.control_flow_primitives import DEAD
from teachflow.proto import messages
from teachflow.proto.tf_wire import worker_pb2
from teachflow.runtime import step_stats_proto
from teachflow.runtime.step_stats import build_step_stats

__all__ = ["TFWorkerService"]

COLLECTIVES = ("RecvBuf", "CompleteGroup", "CompleteInstance")


@dataclass(slots=True)
class WorkerSession:
    """A TF master's session on this worker (TF's ``WorkerSession``)."""

    handle: str
    master_task: str
    master_incarnation: int
    peers: TFPeers  # whom the session's _Recv nodes pull from


@dataclass(slots=True)
class TFGraph:
    """A partition a TF master registered: teachflow's handle and TF's node names."""

    handle: str  # the teachflow worker's handle
    session: str
    partition: partition.TFPartition
    graph_def: messages.GraphDef  # as TF sent it: RunGraph's partition_graph


@dataclass(slots=True)
class _Deregister:
    # What the teachflow worker's DeregisterGraph reads of a request.
    graph_handle: str
    session_handle: str


class TFWorkerService:
    """TensorFlow's WorkerService over a teachflow `WorkerService` (see the module)."""

    def __init__(self, worker: WorkerService, address_of):
        self.worker = worker
        self._address_of = address_of  # task -> "host:port" in this server's cluster
        self._default_peers = TFPeers(address_of)
        self._sessions = {}  # handle -> WorkerSession
        self._graphs = {}  # TF's graph handle -> TFGraph
        self._step_sequences = {}  # graph_key -> next step id
        self._lock = threading.Lock()

    def handler(self):
        """The gRPC handler serving TF's WorkerService methods."""
        served = {
            name: getattr(self, name)
            for name in WORKER.methods
            if name not in COLLECTIVES and hasattr(self, name)
        }
        for name in COLLECTIVES:
            served[name] = _collectives_unsupported(name)
        return generic_handler(WORKER, served)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for s in sessions:
            s.peers.close()
        self._default_peers.close()

    # -- sessions ----------------------------------------------------------------------------
    def GetStatus(self, request, context):
        response = worker_pb2.GetStatusResponse()
        for d in self.worker.devices:
            attrs = convert.device_attributes(d.attributes())
            attrs.xla_global_id = -1  # as TF's CPU devices report: not in an XLA cluster
            response.device_attributes.append(attrs)
        return response

    def CreateWorkerSession(self, request, context):
        cluster = request.server_def.cluster
        if len(cluster.job):
            # The master named the cluster: the session's peers are where it says.
            spec = ClusterSpec({job.name: dict(job.tasks) for job in cluster.job})

            def address_of(task, spec=spec):
                parts = dict(p.split(":", 1) for p in task.strip("/").split("/"))
                return spec.task_address(parts["job"], int(parts["task"]))

            peers = TFPeers(address_of)
        else:
            # No cluster: the session uses this server's own (TF's SessionMgr does too).
            peers = self._default_peers
        session = WorkerSession(
            request.session_handle, request.master_task, request.master_incarnation, peers
        )
        with self._lock:
            self._sessions[request.session_handle] = session
        return worker_pb2.CreateWorkerSessionResponse()

    def DeleteWorkerSession(self, request, context):
        with self._lock:
            session = self._sessions.pop(request.session_handle, None)
            doomed = [h for h, g in self._graphs.items() if g.session == request.session_handle]
        for handle in doomed:
            self._deregister(handle)
        if session is not None and session.peers is not self._default_peers:
            session.peers.close()
        return worker_pb2.DeleteWorkerSessionResponse()

    def _session(self, handle: str, created: bool) -> WorkerSession | None:
        """The session of ``handle``: TF's legacy session ("") when the master created none."""
        if not created or not handle:
            return None
        with self._lock:
            session = self._sessions.get(handle)
        if session is None:
            raise errors.AbortedError(
                None,
                None,
                f"Session handle is not found: {handle}. Possibly this worker "
                f'("{self.worker.task_name}") just restarted.',
            )
        return session

    # -- graphs ------------------------------------------------------------------------------
    def RegisterGraph(self, request, context):
        try:
            self._session(request.session_handle, request.create_worker_session_called)
            part = partition.from_tensorflow(request.graph_def)
            graph = Graph()
            import_nodes(graph, part.node_defs)
            for op in graph.get_operations():
                if op.device not in self.worker.devices_by_name:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Node {part.tf_name(op.name)} was assigned to {op.device!r}, which is "
                        f"not a device of {self.worker.task_name}",
                    )
        except Exception as e:  # noqa: BLE001 - any malformed graph is a bad request
            abort_with(context, e)
        handle = self.worker.register_partition(graph, request.session_handle, request.config_proto)
        tf_handle = f"{random.getrandbits(64):016x}"
        with self._lock:
            self._graphs[tf_handle] = TFGraph(
                handle, request.session_handle, part, request.graph_def
            )
        return worker_pb2.RegisterGraphResponse(graph_handle=tf_handle)

    def DeregisterGraph(self, request, context):
        if not self._deregister(request.graph_handle):
            abort_with(context, _graph_not_found(request.graph_handle))
        return worker_pb2.DeregisterGraphResponse()

    def _deregister(self, tf_handle: str) -> bool:
        with self._lock:
            g = self._graphs.pop(tf_handle, None)
        if g is None:
            return False
        self.worker.DeregisterGraph(_Deregister(g.handle, g.session), None)
        return True

    # -- steps -------------------------------------------------------------------------------
    def RunGraph(self, request, context):
        response = worker_pb2.RunGraphResponse()
        try:
            self._run_graph(request, context, response)
        except (errors.OpError, ValueError, KeyError, TypeError) as e:
            # Receivers of this step on other tasks must not wait for us.
            self.worker.rendezvous.abort(request.step_id, _as_op_error(e))
            if not request.store_errors_in_response_body:
                abort_with(context, e)
            code, message = convert.status_of(e)
            response = worker_pb2.RunGraphResponse(status_code=code, status_error_message=message)
            response.cost_graph.SetInParent()
        return response

    def _run_graph(self, request, context, response) -> None:
        session = self._session(request.session_handle, request.create_worker_session_called)
        if request.is_partial:
            raise errors.UnimplementedError(
                None,
                None,
                "Partial runs (RunGraph with is_partial) are not supported by teachflow's "
                f"workers ({self.worker.task_name})",
            )
        with self._lock:
            g = self._graphs.get(request.graph_handle)
        reg = self.worker.registered(g.handle) if g is not None else None
        if reg is None:
            raise _graph_not_found(request.graph_handle)
        # TF's master feeds a partition through its rendezvous: each send is the value of
        # a client-terminated _Recv, named by its key.
        for sent in request.send:
            partition.parse_key(sent.name)
            value = convert.to_numpy(sent.tensor)
            self.worker.rendezvous.send(request.step_id, sent.name, value)
        opts = request.exec_opts
        traced = opts.record_timeline or opts.record_costs
        step = PartitionStep(
            request.step_id,
            request.session_handle,
            [],
            [],
            [],
            0,
            traced,
            opts.report_tensor_allocations_upon_oom,
        )
        peers = session.peers if session is not None else self._default_peers
        _, ctx, _ = self.worker.run_partition(reg, step, context, peers=peers)
        for key in request.recv_key:
            # A client-terminated _Send of this step left it here; the step has ended.
            value = self.worker.rendezvous.recv(request.step_id, key, timeout=0)
            response.recv.add(name=key, tensor=convert.to_tensor_proto(_host(value)))
        response.cost_graph.SetInParent()  # TF's worker always answers one, empty here
        if traced:
            offset = time.time_ns() - time.perf_counter_ns()
            stats = step_stats_proto.to_proto(
                build_step_stats(ctx.events(), self.worker.devices, offset)
            )
            for dev in stats.dev_stats:
                for ns in dev.node_stats:
                    ns.node_name = g.partition.tf_name(ns.node_name)
            response.step_stats.CopyFrom(stats)
        if opts.record_partition_graphs:
            response.partition_graph.append(g.graph_def)

    def RecvTensor(self, request, context):
        try:
            key = partition.parse_key(request.rendezvous_key)
            device = self.worker.devices_by_name.get(key.src_device)
            if device is None:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"RecvTensor asks for {key.src_device}, which is not a device of "
                    f"{self.worker.task_name}",
                )
            if partition.unsigned(device.incarnation) != key.src_incarnation:
                raise errors.AbortedError(
                    None,
                    None,
                    "RecvTensor expects a different device incarnation: "
                    f"{key.src_incarnation} vs. {partition.unsigned(device.incarnation)}. Your "
                    f'worker job ("{self.worker.task_name}") was probably restarted. Check '
                    "your worker job for the reason why it was restarted.",
                )
        except errors.OpError as e:
            abort_with(context, e)
        with self.worker.pending_recv(context):
            value = self.worker.recv_local(request.step_id, request.rendezvous_key, None, context)
        if value is DEAD:  # a branch not taken: TF's peer learns it from is_dead
            return worker_pb2.RecvTensorResponse(
                is_dead=True, send_start_micros=time.time_ns() // 1000
            )
        tensor = convert.to_tensor_proto(_host(value))
        if not tensor.tensor_shape.dim:
            # TF's RecvTensor encoder writes a scalar's shape not at all (grpc_tensor_coding).
            tensor.ClearField("tensor_shape")
        return worker_pb2.RecvTensorResponse(
            tensor=tensor, is_dead=False, send_start_micros=time.time_ns() // 1000
        )

    def CleanupGraph(self, request, context):
        self.worker.CleanupGraph(request, context)
        return worker_pb2.CleanupGraphResponse()

    def CleanupAll(self, request, context):
        self.worker.resources.clear(list(request.container) or None)
        return worker_pb2.CleanupAllResponse()

    # -- the rest of TF's protocol -----------------------------------------------------------
    def Logging(self, request, context):
        # TF's open-source worker keeps no RPC log to hand back: an empty answer.
        return worker_pb2.LoggingResponse()

    def Tracing(self, request, context):
        return worker_pb2.TracingResponse()

    def GetStepSequence(self, request, context):
        """The next step id of each graph key, as TF's collective executor's leader keeps
        them (a random start, then one more per call)."""
        response = worker_pb2.GetStepSequenceResponse()
        with self._lock:
            for key in request.graph_key:
                next_id = self._step_sequences.setdefault(key, random.getrandbits(62))
                self._step_sequences[key] = next_id + 1
                response.step_sequence.add(graph_key=key, next_step_id=next_id)
        return response

    def MarkRecvFinished(self, request, context):
        # TF uses it to forget a RecvBuf's request id; teachflow keeps none.
        return worker_pb2.MarkRecvFinishedResponse()


def _collectives_unsupported(method: str):
    def answer(request, context):
        abort_with(
            context,
            errors.UnimplementedError(
                None,
                None,
                f"tensorflow.WorkerService.{method} is not supported by teachflow: collective "
                "ops (all-reduce, MultiWorkerMirroredStrategy) need TensorFlow's own workers",
            ),
        )

    return answer


def _graph_not_found(handle: str) -> errors.AbortedError:
    return errors.AbortedError(
        None, None, f"Graph handle is not found: {handle}. Possibly, this worker just restarted."
    )


def _as_op_error(e: Exception) -> errors.OpError:
    if isinstance(e, errors.OpError):
        return e
    return errors.InvalidArgumentError(None, None, f"{type(e).__name__}: {e}")


def _host(value):
    from teachflow.runtime.feeds import fetch_value

    return fetch_value(value)
