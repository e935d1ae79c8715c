"""The worker service: run the partitions of graphs that masters register here.

A worker holds its task's devices, the resources (variables) that live on them — shared
by every session of every client — and one executor, the same one a local Session uses.
A master registers a partition once (``RegisterGraph``) and runs it once per step
(``RunGraph``); tensors cut at a task boundary wait in this worker's rendezvous until the
receiving worker pulls them (``RecvTensor``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
import time
from dataclasses import dataclass

from teachflow.distributed import send_recv  # noqa: F401 - registers _Send/_Recv
from teachflow.distributed.protocol import graphs, tensors
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.protocol.resources import resource_infos
from teachflow.distributed.rendezvous import Rendezvous, StepFrame, current_step
from teachflow.distributed.side_channel import SideChannelServer
from teachflow.distributed.status import abort_with
from teachflow.framework import errors
from teachflow.framework.graph import Graph
from teachflow.framework.importer import import_nodes
from teachflow.ops import file_access, kernel_context
from teachflow.runtime.cancellation import CancellationManager
from teachflow.runtime.executor import Executor, StepContext
from teachflow.runtime.kernel_lookup import kernel_constructor
from teachflow.runtime.partition import partition_node_defs
from teachflow.runtime.plan import build_plan
from teachflow.runtime.resources import ResourceManager
from teachflow.trace import events as trace_events

CHUNK_BYTES = 4 << 20
# Long-lived calls each hold a gRPC handler thread for as long as they last; each kind has
# its own budget (the server's pool has room for them *and* for short calls), so 64 live
# timelines or receives without a deadline cannot starve GetStatus, RunStep...
MAX_EVENT_STREAMS = 64
MAX_PENDING_RECVS = 128
# StreamEvents' initial metadata: sent once the stream listens to the event bus.
STREAM_SUBSCRIBED_KEY = "teachflow-subscribed"
STREAM_TASK_KEY = "teachflow-task"


@dataclass(slots=True)
class RunningStep:
    """A step running on this worker: whose it is, how to cancel it, when it must end."""

    session: str
    cancellation: CancellationManager
    deadline: float | None  # time.monotonic() value


@dataclass(slots=True)
class PartitionStep:
    """What one RunGraph asks of a registered partition, whichever protocol carried it."""

    step_id: int
    session: str
    feed_names: list  # tensors of the partition that the step feeds
    values: list  # their values, in order
    fetch_names: list  # tensors whose values the step returns
    timeout_ms: int  # 0: the session's operation timeout
    traced: bool  # record the step's events (RunMetadata, step stats)
    report_allocations: bool


class OpSegment:
    """The kernels of one session's stateful nodes, shared by all its partitions (TF's
    OpSegment): a queue, reader or iterator without ``shared_name`` is one object for
    every step of the session, whatever each step fetches."""

    def __init__(self):
        self.kernels = {}
        self.lock = threading.Lock()
        self.graphs = 0  # registered partitions still using it

    def kernel(self, op, device, make):
        key = (op.name, device.name)
        with self.lock:
            k = self.kernels.get(key)
            if k is None:
                k = self.kernels[key] = make(op, device)
            return k


class RegisteredGraph:
    """A partition a master registered: its graph, kernels and (one) plan."""

    def __init__(self, handle, graph, devices_by_name, config, segment=None, session=""):
        self.handle = handle
        self.graph = graph
        self.devices = devices_by_name
        self.config = config
        self.segment = segment if segment is not None else OpSegment()
        self.session = session
        self.kernels = {}
        self.plans = {}
        self.lock = threading.Lock()

    def plan_for(self, feed_names, fetch_names, default_device):
        key = (tuple(feed_names), tuple(fetch_names))
        plan = self.plans.get(key)
        if plan is not None:
            return plan
        with self.lock:
            g = self.graph
            feeds = [g.get_tensor_by_name(n) for n in feed_names]
            fetches = [g.get_tensor_by_name(n) for n in fetch_names]
            # A partition holds exactly what the step needs: run all of it, except the
            # placeholders whose values the step feeds.
            fed = set(feeds)
            targets = [
                op
                for op in g.get_operations()
                if not (op._outputs and all(t in fed for t in op._outputs))
            ]

            def device_for(op):
                try:
                    return self.devices[op.device]
                except KeyError:
                    raise errors.InvalidArgumentError(
                        op.node_def,
                        op,
                        f"Node {op.name} was assigned to unknown device {op.device!r}",
                    ) from None

            def kernel_for(op, device):
                k = self.kernels.get(op)
                if k is None:
                    make = kernel_constructor(op, device)
                    if op._op_def.stateful:
                        make = functools.partial(self.segment.kernel, make=make)
                    k = self.kernels[op] = make(op, device)
                return k

            plan = build_plan(fetches, targets, feeds, kernel_for, device_for, default_device)
            self.plans[key] = plan
            return plan


class WorkerService(pb_grpc.WorkerServiceServicer):
    def __init__(
        self,
        task_name,
        devices,
        resources: ResourceManager,
        peers,
        inter_op_threads=0,
        bulk_host="127.0.0.1",
        token=None,
    ):
        self.task_name = task_name
        self.devices = devices
        self.devices_by_name = {d.name: d for d in devices}
        self.resources = resources
        self.rendezvous = Rendezvous()
        self.side_channel = SideChannelServer(self.rendezvous, bulk_host, token)
        self.side_channel.add_methods(
            {
                f"WorkerService/{name}": (getattr(self, name), getattr(pb, f"{name}Request"))
                for name in (
                    "GetStatus",
                    "RegisterGraph",
                    "RunGraph",
                    "DeregisterGraph",
                    "CleanupGraph",
                    "CleanupAll",
                )
            }
        )
        self.peers = peers  # callable(task name) -> PeerWorker
        # Blocking receives each hold a pool thread: keep enough of them.
        self.executor = Executor(max(inter_op_threads, 16))
        self._graphs = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # Running steps: step id -> RunningStep. Closing a session (DeregisterGraph),
        # abandoning a step (CleanupGraph) or the caller of RunGraph going away cancels
        # its waiting ops, as TF's worker cancels the step's CancellationManager.
        self._running = {}
        self._streams = set()  # the bus callbacks of the StreamEvents calls being served
        self._segments = {}  # session handle -> OpSegment
        self._stream_slots = threading.BoundedSemaphore(MAX_EVENT_STREAMS)
        self._recv_slots = threading.BoundedSemaphore(MAX_PENDING_RECVS)
        self.master_sessions = lambda: 0  # set by the Server: its master's open sessions
        self.file_root = None  # a real path: the steps' file ops stay under it (file_access)

    def running_steps(self) -> int:
        """How many steps run on this worker now."""
        with self._lock:
            return len(self._running)

    # -- RPCs ------------------------------------------------------------------------------
    def GetStatus(self, request, context):
        return pb.GetStatusResponse(
            device_attributes=[
                graphs.device_attributes_to_proto(d.attributes()) for d in self.devices
            ],
            time_ns=time.time_ns(),
            task=self.task_name,
            bulk_port=self.side_channel.port,
            resources=(
                resource_infos(self.resources, self.devices) if request.include_resources else ()
            ),
            master_sessions=self.master_sessions(),
            worker_sessions=len(self._segments),
            running_steps=self.running_steps(),
        )

    def RegisterGraph(self, request, context):
        try:
            nodes = [graphs.node_def_from_proto(n) for n in request.graph_def.node]
            graph = Graph()
            import_nodes(graph, nodes)
            for op in graph.get_operations():
                if op.device not in self.devices_by_name:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Node {op.name} was assigned to {op.device!r}, which is not a device of "
                        f"{self.task_name}",
                    )
        except Exception as e:  # noqa: BLE001 - any malformed graph is a bad request
            abort_with(context, e)
        handle = self.register_partition(graph, request.session_handle, request.config)
        return pb.RegisterGraphResponse(graph_handle=handle)

    def register_partition(self, graph, session_handle, config) -> str:
        """Keep ``graph`` (a partition whose nodes are all on this task's devices) for the
        session's steps; returns its handle. ``config`` needs ``operation_timeout_in_ms``."""
        handle = f"{self.task_name}/graph_{next(self._ids)}"
        with self._lock:
            segment = self._segments.setdefault(session_handle, OpSegment())
            segment.graphs += 1
            self._graphs[handle] = RegisteredGraph(
                handle, graph, self.devices_by_name, config, segment, session_handle
            )
        return handle

    def registered(self, handle):
        """The `RegisteredGraph` of ``handle``, or None."""
        return self._graphs.get(handle)

    def DeregisterGraph(self, request, context):
        with self._lock:
            reg = self._graphs.pop(request.graph_handle, None)
            if reg is not None:
                reg.segment.graphs -= 1
                if reg.segment.graphs <= 0:
                    self._segments.pop(reg.session, None)
            doomed = [
                r.cancellation
                for r in self._running.values()
                if r.session == request.session_handle
            ]
        for cm in doomed:
            cm.cancel()
        return pb.DeregisterGraphResponse()

    def RunGraph(self, request, context):
        reg = self._graphs.get(request.graph_handle)
        if reg is None:
            # Receivers of this step on other tasks must not wait for us.
            self.rendezvous.abort(request.step_id)
            abort_with(
                context,
                errors.NotFoundError(
                    None, None, f"Graph handle {request.graph_handle!r} is not registered"
                ),
            )
        try:
            return self._run_graph(reg, request, context)
        except errors.OpError as e:
            self.rendezvous.abort(request.step_id, e)
            abort_with(context, e)
        except (ValueError, KeyError, TypeError) as e:
            # A request naming tensors that the registered graph does not have.
            self.rendezvous.abort(request.step_id)
            abort_with(context, e)

    def _run_graph(self, reg, request, context):
        feed_names = [t.name for t in request.send]
        values = [tensors.from_proto(t.tensor) for t in request.send]
        opts = request.options
        results, ctx, plan = self.run_partition(
            reg,
            PartitionStep(
                request.step_id,
                request.session_handle,
                feed_names,
                values,
                list(request.recv_key),
                opts.timeout_in_ms,
                opts.trace_level > 0,
                opts.report_tensor_allocations_upon_oom,
            ),
            context,
        )
        traced = opts.trace_level > 0
        response = pb.RunGraphResponse()
        for name, value in zip(request.recv_key, results):
            response.recv.add(name=name, tensor=tensors.to_proto(_host_value(value)))
        if traced:
            offset = time.time_ns() - time.perf_counter_ns()
            for ev in ctx.events():
                response.events.append(graphs.event_to_proto(_to_epoch(ev, offset), self.task_name))
        if opts.output_partition_graphs:
            # One graph per device of this task, as TF's workers partition: the cluster's
            # cut between tasks and this task's own cuts between its devices.
            for nodes in partition_node_defs(plan):
                wire = response.partition_graph.add()
                wire.node.extend(graphs.node_def_to_proto(n) for n in nodes)
        return response

    def run_partition(self, reg, step: PartitionStep, context, peers=None):
        """Run one step of the registered partition ``reg``; returns (fetched values, the
        step's StepContext, the plan). ``peers`` (task -> client with ``recv_tensor``)
        says whom the step's ``_Recv`` nodes ask; by default this server's own clients."""
        plan = reg.plan_for(step.feed_names, step.fetch_names, self.devices[0])
        timeout = step.timeout_ms or reg.config.operation_timeout_in_ms
        publish = trace_events.bus.publish if trace_events.bus.active else None
        ctx = StepContext(
            step.step_id,
            timeout,
            record=step.traced,
            publish=publish,
            report_allocations=step.report_allocations,
        )
        deadline = ctx.deadline
        frame = StepFrame(step.step_id, self.rendezvous, deadline, peers or self.peers)
        cm = CancellationManager()
        with self._lock:
            # A step abandoned before its RunGraph arrived (CleanupGraph came first) must
            # not start: a dequeue of it would take an element nobody will ever see.
            if self.rendezvous.ended(step.step_id):
                raise errors.CancelledError(
                    None, None, f"Step {step.step_id} was cancelled before it started here"
                )
            self._running[step.step_id] = RunningStep(step.session, cm, deadline)
        if hasattr(context, "add_callback") and not context.add_callback(cm.cancel):
            cm.cancel()  # the caller is already gone
        token = current_step.set(frame)
        cancel_token = kernel_context.cancellation.set(cm)
        root_token = file_access.current_root.set(self.file_root)
        try:
            results = self.executor.run(plan, step.values, ctx)
        finally:
            file_access.current_root.reset(root_token)
            kernel_context.cancellation.reset(cancel_token)
            current_step.reset(token)
            with self._lock:
                self._running.pop(step.step_id, None)
        return results, ctx, plan

    def RecvTensor(self, request, context):
        with self.pending_recv(context):
            value = self._recv(request, context)
        yield from tensors.chunks(_host_value(value), CHUNK_BYTES)

    @contextlib.contextmanager
    def pending_recv(self, context):
        """Hold one of the MAX_PENDING_RECVS slots for a waiting RecvTensor (of either
        protocol); with none left the call ends with ResourceExhaustedError."""
        if not self._recv_slots.acquire(blocking=False):
            abort_with(
                context,
                errors.ResourceExhaustedError(
                    None,
                    None,
                    f"{self.task_name} already serves {MAX_PENDING_RECVS} pending RecvTensor "
                    "calls; retry later",
                ),
            )
        try:
            yield
        finally:
            self._recv_slots.release()

    def _recv(self, request, context):
        timeout = request.timeout_ms / 1000.0 if request.timeout_ms else None
        return self.recv_local(request.step_id, request.rendezvous_key, timeout, context)

    def recv_local(self, step_id, rendezvous_key, timeout, context):
        """Wait for the tensor a ``_Send`` of ``step_id`` left here under ``rendezvous_key``:
        at most ``timeout`` s (None: the step's deadline) and the caller's gRPC deadline;
        a failure ends the call with its `tf.errors` status."""
        remaining = context.time_remaining() if hasattr(context, "time_remaining") else None
        if remaining is not None and (timeout is None or remaining < timeout):
            timeout = remaining  # the caller's gRPC deadline bounds the wait too
        request_key = rendezvous_key

        def still_wanted():
            # A receive with no deadline of its own ends with the step's deadline here.
            # (No lock: this runs under the rendezvous' lock, and a dict read is atomic.)
            running = self._running.get(step_id)
            if running is not None and running.deadline is not None:
                if time.monotonic() >= running.deadline:
                    raise errors.DeadlineExceededError(
                        None,
                        None,
                        f"Timed out waiting for tensor {request_key} of step "
                        f"{step_id}: the step's deadline passed",
                    )
            return context.is_active()

        try:
            return self.rendezvous.recv(step_id, request_key, timeout, still_wanted=still_wanted)
        except errors.OpError as e:
            abort_with(context, e)

    def CleanupGraph(self, request, context):
        # The rendezvous first: a RunGraph of this step that registers after our look at
        # the running steps finds the step ended and does not start.
        self.rendezvous.abort(request.step_id)
        self.rendezvous.cleanup(request.step_id)
        with self._lock:
            running = self._running.get(request.step_id)
        if running is not None:
            running.cancellation.cancel()
        return pb.CleanupGraphResponse()

    def CleanupAll(self, request, context):
        self.resources.clear(list(request.container) or None)
        return pb.CleanupAllResponse()

    def StreamEvents(self, request, context):
        if not self._stream_slots.acquire(blocking=False):
            abort_with(
                context,
                errors.ResourceExhaustedError(
                    None,
                    None,
                    f"{self.task_name} already streams events to {MAX_EVENT_STREAMS} clients "
                    "(its limit); close an unused live timeline and retry",
                ),
            )
        try:
            yield from self._stream_events(context)
        finally:
            self._stream_slots.release()

    def _stream_events(self, context):
        import queue

        q = queue.SimpleQueue()
        put = q.put  # one object: subscribed, then unsubscribed by the same
        trace_events.bus.subscribe(put)
        # Unsubscribe the moment the call ends (the client cancelled, the server stops),
        # not at the loop's next look: no event is built for a stream nobody reads.
        with self._lock:
            self._streams.add(put)
        if hasattr(context, "add_callback"):
            context.add_callback(lambda: self._end_stream(put))
        offset = time.time_ns() - time.perf_counter_ns()
        try:
            # The headers go out now, before any event: a client that waits for them
            # knows the subscription is in place, so no event of a step it starts after
            # that is missed.
            context.send_initial_metadata(
                ((STREAM_SUBSCRIBED_KEY, "1"), (STREAM_TASK_KEY, self.task_name))
            )
            while context.is_active():
                try:
                    ev = q.get(timeout=0.25)
                except queue.Empty:
                    continue
                yield graphs.event_to_proto(_to_epoch(ev, offset), self.task_name)
        finally:
            self._end_stream(put)

    def _end_stream(self, put):
        trace_events.bus.unsubscribe(put)
        with self._lock:
            self._streams.discard(put)

    def close(self):
        with self._lock:
            streams = list(self._streams)
        for put in streams:
            self._end_stream(put)
        # Connections first: a client whose step is cut short by the stop learns that the
        # server went away (UnavailableError), not the cancellation that frees its threads.
        self.side_channel.close()
        with self._lock:
            doomed = [r.cancellation for r in self._running.values()]
        for cm in doomed:
            cm.cancel()
        self.rendezvous.close()
        self.executor.close()


def _host_value(value):
    from teachflow.runtime.feeds import fetch_value

    return fetch_value(value)


def _to_epoch(ev, offset):
    """Events carry perf_counter times of this process; the wire carries epoch times."""
    import dataclasses

    changes = {}
    for f in ("start_ns", "end_ns", "time_ns"):
        if hasattr(ev, f):
            changes[f] = getattr(ev, f) + offset
    return dataclasses.replace(ev, **changes) if changes else ev
