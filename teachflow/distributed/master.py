"""The master service: sessions, placement across the cluster, and running steps.

A client sends its graph (``CreateSession``, then only new nodes with ``ExtendSession``)
and asks for steps (``RunStep``). For each step signature the master prunes the graph,
places every node on a device of some task (unpinned ops on its own task, as in TF), cuts
the graph into one partition per task with send/recv pairs, registers each partition
with its worker once, and then runs all partitions with one step id per step.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import random
import sys
import threading
import time

from teachflow.distributed.partitioner import partition
from teachflow.distributed.protocol import graphs
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.status import abort_with
from teachflow.framework import dtypes, errors
from teachflow.framework.graph import Graph
from teachflow.framework.importer import import_nodes
from teachflow.runtime.cancellation import CancellationManager
from teachflow.runtime.placement_reason import PlacementReason, PlacementRule
from teachflow.runtime.placer import PlacementRecord, Placer

DEFAULT_CONNECT_TIMEOUT_S = 30.0
# A session no client has used for this long is closed (TF's master has the same knob,
# session_gc_seconds, off in its gRPC server; a classroom server must not keep the sessions
# of every notebook that never called close(), ~75 KB each). 0 or less: never.
DEFAULT_SESSION_GC_SECONDS = 24 * 3600.0
_ENUMS = {d.enum for d in dtypes.ALL_DTYPES}


class ClusterDevice:
    """A device of some task, as the master's placer sees it."""

    def __init__(self, attrs):
        from teachflow.framework.device_spec import DeviceSpec

        self.name = attrs.name
        self.device_type = attrs.device_type
        self.index = DeviceSpec.from_string(attrs.name).device_index
        self.incarnation = attrs.incarnation
        self.attributes = attrs


class MasterSession:
    def __init__(self, master, handle, config):
        self.master = master
        self.handle = handle
        self.config = config
        self.graph = Graph()
        self.lock = threading.Lock()
        self.placer = None
        self.steps = {}  # signature -> (partitions, {task: graph handle}, fetch_task, senders)
        self.feed_types = {}  # fed tensor name -> dtype, looked up once
        self.log = []
        # Placement records not yet sent to the client, and the transfers already told.
        self.unsent_records = []
        self.told_transfers = set()
        self.last_used = master.clock()
        self.calls = 0  # calls in flight: a session running a long step is not idle

    def extend(self, graph_def):
        nodes = [graphs.node_def_from_proto(n) for n in graph_def.node]
        with self.lock:
            import_nodes(self.graph, nodes, skip_existing=True)
        return self.graph.version

    def run_step(self, request, cancellation=None):
        """Run one step; ``cancellation`` (a CancellationManager) is cancelled when the
        caller goes away, and then the step is cancelled on every task."""
        try:
            return self._run_step(request, cancellation)
        except errors.NotFoundError as e:
            if "is not registered" not in e.message:
                raise
            # A worker restarted and forgot our partitions: register them again, once.
            with self.lock:
                self.steps.clear()
            return self._run_step(request, cancellation)

    def _run_step(self, request, cancellation=None):
        with self.lock:
            step = self._prepare(request)
        partitions, handles, fetch_task, senders = step
        step_id = random.getrandbits(62)
        feeds = {t.name: t.tensor for t in request.feed}
        self._check_feed_types(request.feed)
        opts = request.options
        timeout = (opts.timeout_in_ms or self.config.operation_timeout_in_ms) / 1000.0 or None
        requests = {}
        for task, part in partitions.items():
            req = pb.RunGraphRequest(
                session_handle=self.handle,
                graph_handle=handles[task],
                step_id=step_id,
                recv_key=part.fetches,
                options=opts,
            )
            for local_name, client_name in part.feeds:
                req.send.add(name=local_name, tensor=feeds[client_name])
            requests[task] = req
        # TF cancels the step of a RunStep call that is cancelled: its blocked ops fail
        # with CancelledError everywhere, so none of them takes what a live client waits for.
        key = None
        if cancellation is not None:
            key = cancellation.register(lambda: self._abandon(partitions, step_id))
            if key is None:
                raise errors.CancelledError(None, None, "The RunStep call was cancelled")
        try:
            results, error = self._run_partitions(requests, timeout, step_id)
        finally:
            if cancellation is not None:
                cancellation.deregister(key)
        if cancellation is not None and cancellation.cancelled and error is None:
            error = errors.CancelledError(None, None, "The RunStep call was cancelled")
        # Tensors left in the rendezvous of tasks that sent some are dropped.
        for task in partitions if error is not None else senders:
            self._cleanup(task, step_id)
        if error is not None:
            raise error
        response = pb.RunStepResponse(step_id=step_id)
        by_name = {}
        for task, res in results.items():
            for t in res.recv:
                by_name[t.name] = t.tensor
            offset = self.master.clock_offsets.get(task, 0)
            for ev in res.events:
                for f in ("start_ns", "end_ns"):
                    if getattr(ev, f):
                        setattr(ev, f, getattr(ev, f) - offset)
                response.events.append(ev)
        for name in request.fetch:
            tensor = feeds[name] if fetch_task.get(name) is None else by_name[name]
            response.tensor.add(name=name, tensor=tensor)
        if opts.output_partition_graphs:
            for res in results.values():
                response.partition_graph.extend(res.partition_graph)
        if self.log:
            response.placement_log.extend(self.log)
            self.log = []
        if self.unsent_records:
            response.placement.extend(
                pb.PlacementRecordProto(
                    node=r.node,
                    op_type=r.op_type,
                    requested=r.requested,
                    device=r.device,
                    reason=str(r.reason),
                    group=r.group,
                )
                for r in self.unsent_records
            )
            self.unsent_records = []
        return response

    def _check_feed_types(self, feeds):
        for f in feeds:
            want = self.feed_types.get(f.name)
            if want is None:
                want = self.feed_types[f.name] = self.graph.get_tensor_by_name(
                    f.name
                ).dtype.base_dtype
            if f.tensor.dtype != want.enum:
                got = dtypes.as_dtype(f.tensor.dtype).name if f.tensor.dtype in _ENUMS else "?"
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Expected type of {want.name} for feed {f.name}, got a tensor of type {got}",
                )

    def _run_partitions(self, requests, timeout, step_id):
        """Run every partition; the first real error wins and aborts the others."""
        tasks = list(requests)
        # A single partition runs on the calling thread (no hand-off for a local step);
        # with several, all go to the pool so that the first failure is seen at once.
        own = tasks[0] if len(tasks) == 1 else None
        futures = {
            self.master.pool.submit(self.master.worker(t).run_graph, requests[t], timeout): t
            for t in tasks
            if t != own
        }
        results, error = {}, None

        def failed(task, e):
            nonlocal error
            if error is None or (_is_consequence(error) and not _is_consequence(e)):
                error = e
            # One partition failed: every other task abandons this step.
            for other in tasks:
                if other != task:
                    self.master.pool.submit(self.master.worker(other).cleanup_graph, step_id)

        if own is not None:
            try:
                results[own] = self.master.worker(own).run_graph(requests[own], timeout)
            except errors.OpError as e:
                failed(own, e)
        for fut in concurrent.futures.as_completed(futures):
            task = futures[fut]
            try:
                results[task] = fut.result()
            except errors.OpError as e:
                failed(task, e)
        return results, error

    def _abandon(self, partitions, step_id):
        """The caller went away: cancel the step on every task (our own at once)."""
        for task in partitions:
            if task == self.master.task_name:
                self.master.worker(task).cleanup_graph(step_id)
            else:
                self.master.pool.submit(self.master.worker(task).cleanup_graph, step_id)

    def _cleanup(self, task, step_id):
        worker = self.master.worker(task)
        if task == self.master.task_name:
            worker.cleanup_graph(step_id)
        else:
            self.master.pool.submit(worker.cleanup_graph, step_id)

    def _prepare(self, request):
        feed_names = tuple(t.name for t in request.feed)
        key = (feed_names, tuple(request.fetch), tuple(request.target), self.graph.version)
        found = self.steps.get(key)
        if found is not None:
            return found
        g = self.graph
        try:
            fetches = [g.get_tensor_by_name(n) for n in request.fetch]
            targets = [g.get_operation_by_name(n) for n in request.target]
            feeds = [g.get_tensor_by_name(n) for n in feed_names]
        except (KeyError, ValueError) as e:
            raise errors.NotFoundError(None, None, str(e.args[0] if e.args else e)) from None
        if self.placer is None:
            devices = self.master.cluster_devices(self.config)
            log = self.log.append if self.config.log_device_placement else None
            self.placer = Placer(
                devices,
                self.master.task_name,
                allow_soft_placement=self.config.allow_soft_placement,
                log=log,
            )
        self.unsent_records.extend(self.placer.place_new_ops(g))
        incarnations = {d.name: d.incarnation for d in self.master.devices_cache}
        parts, fetch_task = partition(
            g, self.placer.placement, fetches, targets, feeds, incarnations
        )
        handles = {}
        for task, part in parts.items():
            gd = pb.GraphDef(node=[graphs.node_def_to_proto(n) for n in part.nodes])
            handles[task] = self.master.worker(task).register_graph(self.handle, gd, self.config)
        senders = [t for t, p in parts.items() if any(n.op == "_Send" for n in p.nodes)]
        self._record_transfers(parts)
        step = (parts, handles, fetch_task, senders)
        self.steps[key] = step
        return step

    def _record_transfers(self, parts):
        """Placement records for the _Send/_Recv pairs the partitioner added: a client's
        placement view shows them as the local placer's view shows its transfers."""
        for p in parts.values():
            for n in p.nodes:
                if n.op not in ("_Send", "_Recv") or n.name in self.told_transfers:
                    continue
                self.told_transfers.add(n.name)
                if n.op == "_Send":
                    reason = PlacementReason(
                        PlacementRule.TRANSFER_SEND,
                        node=n.input[0],
                        peer=str(n.attr["recv_device"]),
                    )
                else:
                    reason = PlacementReason(
                        PlacementRule.TRANSFER_RECV, peer=str(n.attr["send_device"])
                    )
                self.unsent_records.append(
                    PlacementRecord(n.name, n.op, "", n.device, reason, n.name)
                )


def _is_consequence(e) -> bool:
    """Errors that other tasks see *because* one task failed."""
    return isinstance(e, (errors.AbortedError, errors.CancelledError))


class MasterService(pb_grpc.MasterServiceServicer):
    def __init__(self, server, session_gc_seconds=DEFAULT_SESSION_GC_SECONDS):
        self.server = server
        self.task_name = server.task_name
        self.sessions = {}
        self.session_gc_seconds = session_gc_seconds
        self.clock = time.monotonic  # what idleness is measured with (a test may wind it)
        self._ids = itertools.count(1)
        self.pool = concurrent.futures.ThreadPoolExecutor(32, thread_name_prefix="master")
        self.devices_cache = []
        self.clock_offsets = {}
        self._discover_lock = threading.Lock()

    def worker(self, task):
        return self.server.worker_client(task)

    def cluster_devices(self, config):
        """Every device of every task (GetStatus on each), waiting for tasks to come up."""
        with self._discover_lock:
            if self.devices_cache:
                return self.devices_cache
            timeout = (config.operation_timeout_in_ms / 1000.0) or DEFAULT_CONNECT_TIMEOUT_S
            devices = []
            for task in self.server.cluster_tasks():
                status = self._status_of(task, timeout)
                devices.extend(
                    ClusterDevice(graphs.device_attributes_from_proto(d))
                    for d in status.device_attributes
                )
            self.devices_cache = devices
            return devices

    def _status_of(self, task, timeout):
        """GetStatus of ``task``, saying (on stderr) which task we wait for; sets the
        task's clock offset from the fastest of three round trips."""
        worker = self.worker(task)
        start = time.monotonic()
        try:
            worker.get_status(min(1.0, timeout))
        except errors.UnavailableError:
            log_waiting(task, getattr(worker, "address", "?"))
            worker.get_status(max(timeout - (time.monotonic() - start), 0.001))
        best = None
        for _ in range(3):
            t0 = time.time_ns()
            status = worker.get_status(timeout)
            t1 = time.time_ns()
            if best is None or t1 - t0 < best[0]:
                # NTP-style: the task's clock minus ours at the midpoint of the call.
                best = (t1 - t0, status.time_ns - (t0 + t1) // 2, status)
        self.clock_offsets[task] = best[1]
        return best[2]

    # -- sessions nobody closed --------------------------------------------------------------
    def collect_idle_sessions(self) -> int:
        """Close the sessions idle for more than ``session_gc_seconds``; returns how many.

        Sessions only accumulate through CreateSession, which sweeps first (so does
        GetStatus): no timer thread is needed to keep their number bounded."""
        if not self.session_gc_seconds or self.session_gc_seconds <= 0:
            return 0
        now = self.clock()
        idle = [
            h
            for h, s in list(self.sessions.items())
            if s.calls == 0 and now - s.last_used > self.session_gc_seconds
        ]
        for handle in idle:
            self._close(handle)
        return len(idle)

    def _close(self, handle):
        s = self.sessions.pop(handle, None)
        if s is not None:
            for task, graph in {
                t: h for _, hs, _, _ in s.steps.values() for t, h in hs.items()
            }.items():
                self.pool.submit(self.worker(task).deregister_graph, s.handle, graph)

    # -- RPCs ------------------------------------------------------------------------------
    def CreateSession(self, request, context):
        self.collect_idle_sessions()
        handle = f"{self.task_name}/session_{next(self._ids)}_{random.getrandbits(32):08x}"
        session = MasterSession(self, handle, request.config)
        try:
            version = session.extend(request.graph_def)
        except Exception as e:  # noqa: BLE001 - any malformed graph is a bad request
            abort_with(context, e)
        self.sessions[handle] = session
        return pb.CreateSessionResponse(session_handle=handle, graph_version=version)

    def _session(self, handle, context):
        s = self.sessions.get(handle)
        if s is None:
            abort_with(
                context,
                errors.AbortedError(
                    None,
                    None,
                    f"Session {handle} is not found. Possibly, this master has restarted "
                    "(or closed the session after it was idle for "
                    f"{self.session_gc_seconds:g} s).",
                ),
            )
        s.last_used = self.clock()
        return s

    def ExtendSession(self, request, context):
        s = self._session(request.session_handle, context)
        try:
            version = s.extend(request.graph_def)
        except Exception as e:  # noqa: BLE001 - any malformed graph is a bad request
            abort_with(context, e)
        return pb.ExtendSessionResponse(new_graph_version=version)

    def RunStep(self, request, context):
        s = self._session(request.session_handle, context)
        # Cancelled when the call ends; while the step runs, that means the client is gone.
        cancellation = CancellationManager()
        if hasattr(context, "add_callback") and not context.add_callback(cancellation.cancel):
            cancellation.cancel()
        with s.lock:
            s.calls += 1
        try:
            return s.run_step(request, cancellation)
        except errors.OpError as e:
            abort_with(context, e)
        except (ValueError, TypeError, KeyError) as e:
            abort_with(context, e)
        finally:
            with s.lock:
                s.calls -= 1
            s.last_used = self.clock()

    def CloseSession(self, request, context):
        self._close(request.session_handle)
        return pb.CloseSessionResponse()

    def ListDevices(self, request, context):
        session = self.sessions.get(request.session_handle)
        config = session.config if session is not None else pb.SessionConfig()
        try:
            devices = self.cluster_devices(config)
        except errors.OpError as e:
            abort_with(context, e)
        local = [
            graphs.device_attributes_to_proto(d.attributes)
            for d in devices
            if d.name.startswith(self.task_name + "/")
        ]
        remote = [
            graphs.device_attributes_to_proto(d.attributes)
            for d in devices
            if not d.name.startswith(self.task_name + "/")
        ]
        return pb.ListDevicesResponse(local_device=local, remote_device=remote)

    def Reset(self, request, context):
        containers = list(request.container)
        try:
            for task in self.server.cluster_tasks():
                self.worker(task).cleanup_all(containers)
        except errors.OpError as e:
            abort_with(context, e)
        return pb.ResetResponse()

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)


def log_waiting(task, address):
    print(f"teachflow: waiting for {task} at {address} ...", file=sys.stderr, flush=True)
