"""``tensorflow.MasterService`` on a teachflow server: real TensorFlow clients, teachflow's
master.

An unmodified TensorFlow program opens ``tf.compat.v1.Session("grpc://host:port")`` on a
teachflow server; its C++ session speaks TensorFlow's master protocol (`methods.MASTER`:
CreateSession, ExtendSession, RunStep, MakeCallable...). This service translates each
request (`convert`) and hands it to the teachflow master that serves teachflow's own
clients (`teachflow.distributed.master.MasterService`): the same sessions, placer,
partitioner and workers, so a TF client's variables live in the same containers as a
teachflow client's, and its steps reach every live view like any other step.

    >>> import teachflow as tf
    >>> from teachflow.distributed.tf_wire import master_service
    >>> from teachflow.distributed.tf_wire.methods import MASTER, stub
    >>> from teachflow.distributed.worker_client import make_channel
    >>> from teachflow.proto.tf_wire import master_pb2
    >>> server = tf.train.Server.create_local_server()
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     _ = tf.multiply(tf.constant(1.0, name="a"), 3.0, name="c")
    >>> channel = make_channel(server.target[len("grpc://"):])
    >>> create = stub(channel, MASTER, "CreateSession")
    >>> handle = create(master_pb2.CreateSessionRequest(graph_def=g.as_graph_def())).session_handle
    >>> run = stub(channel, MASTER, "RunStep")
    >>> response = run(master_pb2.RunStepRequest(session_handle=handle, fetch=["c:0"]))
    >>> response.tensor[0].tensor.tensor_content
    b'\\x00\\x00@@'
    >>> channel.close(); server.stop()

What TensorFlow's master does and teachflow's mirrors (recorded from TF 2.21 in
tests/fixtures/tensorflow/wire/master/): graph versions count the ExtendSession calls (0
after CreateSession), a stale ``current_graph_version`` is ABORTED; ``request_id`` is
checked for duplicates; a client that sets ``store_errors_in_response_body`` (TF's does)
gets a step's error in ``status_code``/``status_error_message`` of an OK response;
``ListDevices`` lists every device of the cluster in ``local_device``, the master's own
first. Partial runs (PartialRunSetup, a RunStep with a ``partial_run_handle``) answer
UNIMPLEMENTED: a teachflow step runs its fetches at once.
"""

from __future__ import annotations

import collections
import secrets
import threading
from dataclasses import dataclass, field

from google.protobuf import text_format

from teachflow.distributed.protocol import graphs
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.status import abort_with
from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.methods import MASTER, generic_handler
from teachflow.framework import errors
from teachflow.framework.codecs import wire_graph_def
from teachflow.framework.importer import import_nodes
from teachflow.proto import messages
from teachflow.proto.tf_wire import master_pb2
from teachflow.runtime.cancellation import CancellationManager
from teachflow.runtime.step_stats import build_step_stats
from teachflow.runtime.step_stats_proto import to_proto as step_stats_to_proto

__all__ = ["TensorFlowMasterService", "RecentRequestIds"]

# TensorFlow's master remembers this many request ids (RecentRequestIds' default).
RECENT_REQUEST_IDS = 100_000


class RecentRequestIds:
    """The request ids seen lately: a retried or replayed request (the same nonzero id) is
    refused, as TensorFlow's master refuses it, rather than run twice."""

    def __init__(self, capacity: int = RECENT_REQUEST_IDS):
        self._order = collections.deque()
        self._seen = set()
        self._capacity = capacity
        self._lock = threading.Lock()

    def track_unique(self, request_id: int, method: str, request) -> None:
        if request_id == 0:  # 0: the client asked for no duplicate detection
            return
        with self._lock:
            if request_id in self._seen:
                text = text_format.MessageToString(request, as_one_line=True)
                raise errors.AbortedError(
                    None,
                    None,
                    f"The same {method} request was received twice. {text}",
                )
            self._seen.add(request_id)
            self._order.append(request_id)
            if len(self._order) > self._capacity:
                self._seen.discard(self._order.popleft())


@dataclass(slots=True)
class TensorFlowSession:
    """What a TensorFlow client's session has beyond teachflow's `MasterSession`: TF's
    graph version (one per ExtendSession) and its callables."""

    handle: str
    version: int = 0
    callables: dict = field(default_factory=dict)  # handle -> CallableOptions
    next_callable: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class TensorFlowMasterService:
    """TensorFlow's master service in front of teachflow's ``master`` (a
    `teachflow.distributed.master.MasterService`). `handler` is what a gRPC server adds."""

    def __init__(self, master):
        self.master = master
        self.sessions = {}  # handle -> TensorFlowSession
        self.request_ids = RecentRequestIds()

    def handler(self):
        """The gRPC handler serving every method of ``tensorflow.MasterService``."""
        return generic_handler(MASTER, {name: getattr(self, name) for name in MASTER.methods})

    # -- sessions ------------------------------------------------------------------------
    def _lookup(self, handle, missing=errors.AbortedError, hint=""):
        """(teachflow's session, TF's state) of ``handle``; a session teachflow's master
        closed (idle too long, or closed) is gone for TF's state too."""
        session = self.master.sessions.get(handle)
        state = self.sessions.get(handle)
        if session is None or state is None:
            self.sessions.pop(handle, None)
            raise missing(None, None, f"Session {handle} is not found.{hint}")
        session.last_used = self.master.clock()
        return session, state

    def _import(self, session, graph_def, check_new: bool):
        nodes = convert.node_defs(graph_def)
        with session.lock:
            if check_new:
                for nd in nodes:
                    if _has_op(session.graph, nd.name):
                        raise errors.InvalidArgumentError(
                            None,
                            None,
                            f"GraphDef argument to Extend includes node '{nd.name}', which "
                            "was created by a previous call to Create or Extend in this "
                            "session.",
                        )
            try:
                import_nodes(session.graph, nodes)
            except (ValueError, TypeError, KeyError) as e:
                raise errors.InvalidArgumentError(None, None, str(e)) from None

    def CreateSession(self, request, context):
        from teachflow.distributed.master import MasterSession

        self.master.collect_idle_sessions()
        # TF's state of the sessions the master closed while idle goes with them.
        for gone in [h for h in self.sessions if h not in self.master.sessions]:
            self.sessions.pop(gone, None)
        handle = secrets.token_hex(8)  # as TensorFlow writes its handles
        session = MasterSession(self.master, handle, convert.session_config(request.config))
        try:
            self._import(session, request.graph_def, check_new=False)
        except errors.OpError as e:
            abort_with(context, e)
        self.sessions[handle] = TensorFlowSession(handle)
        self.master.sessions[handle] = session
        return master_pb2.CreateSessionResponse(session_handle=handle, graph_version=0)

    def ExtendSession(self, request, context):
        try:
            session, state = self._lookup(request.session_handle)
            with state.lock:
                if request.current_graph_version != state.version:
                    raise errors.AbortedError(
                        None,
                        None,
                        f"Current version is {state.version} but caller expected "
                        f"{request.current_graph_version}.",
                    )
                self._import(session, request.graph_def, check_new=True)
                state.version += 1
                version = state.version
        except errors.OpError as e:
            abort_with(context, e)
        return master_pb2.ExtendSessionResponse(new_graph_version=version)

    def CloseSession(self, request, context):
        try:
            self._lookup(request.session_handle, hint=" Possibly, this master has restarted.")
        except errors.OpError as e:
            abort_with(context, e)
        self.sessions.pop(request.session_handle, None)
        self.master.CloseSession(
            pb.CloseSessionRequest(session_handle=request.session_handle), context
        )
        return master_pb2.CloseSessionResponse()

    # -- steps ---------------------------------------------------------------------------
    def RunStep(self, request, context):
        try:
            self.request_ids.track_unique(request.request_id, "RunStep (Master)", request)
            if request.partial_run_handle:
                raise _no_partial_runs("RunStep with a partial_run_handle")
            session, _ = self._lookup(request.session_handle)
            _check_names(session.graph, request.feed, request.fetch, request.target)
            wire = pb.RunStepRequest(
                session_handle=request.session_handle,
                fetch=list(request.fetch),
                target=list(request.target),
                options=convert.run_options(request.options),
            )
            for f in request.feed:
                wire.feed.add(name=f.name, tensor=convert.wire_tensor_from_tf(f.tensor))
            result = self._run(session, wire, context)
        except errors.OpError as e:
            if not request.store_errors_in_response_body:
                abort_with(context, e)
            code, message = convert.status_of(e)
            response = master_pb2.RunStepResponse(status_code=code, status_error_message=message)
            response.metadata.SetInParent()
            return response
        response = master_pb2.RunStepResponse()
        for t in result.tensor:
            response.tensor.add(name=t.name, tensor=convert.tf_tensor_from_wire(t.tensor))
        response.metadata.CopyFrom(_run_metadata(request.options, result))
        return response

    def _run(self, session, wire_request, context):
        """One step of teachflow's master, cancelled if the client goes away (as
        teachflow's own RunStep)."""
        cancellation = CancellationManager()
        if hasattr(context, "add_callback") and not context.add_callback(cancellation.cancel):
            cancellation.cancel()
        with session.lock:
            session.calls += 1
        try:
            return session.run_step(wire_request, cancellation)
        except (ValueError, TypeError, KeyError) as e:
            raise errors.InvalidArgumentError(None, None, f"{type(e).__name__}: {e}") from None
        finally:
            with session.lock:
                session.calls -= 1
            session.last_used = self.master.clock()

    # -- callables -----------------------------------------------------------------------
    def MakeCallable(self, request, context):
        try:
            self.request_ids.track_unique(request.request_id, "MakeCallable (Master)", request)
            session, state = self._lookup(request.session_handle)
            options = request.options
            if len(options.tensor_connection) or options.feed_devices or options.fetch_devices:
                raise errors.UnimplementedError(
                    None,
                    None,
                    "MakeCallable: teachflow's master runs callables without "
                    "tensor_connection, feed_devices or fetch_devices.",
                )
            _check_names(session.graph, options.feed, options.fetch, options.target)
            with state.lock:
                handle = state.next_callable
                state.next_callable += 1
                kept = state.callables[handle] = type(options)()
                kept.CopyFrom(options)
        except errors.OpError as e:
            abort_with(context, e)
        return master_pb2.MakeCallableResponse(handle=handle)

    def RunCallable(self, request, context):
        try:
            self.request_ids.track_unique(request.request_id, "RunCallable (Master)", request)
            session, state = self._lookup(request.session_handle)
            with state.lock:
                options = state.callables.get(request.handle)
                if options is None:
                    if request.handle < state.next_callable:
                        raise errors.InvalidArgumentError(
                            None,
                            None,
                            "Attempted to run callable after handle was released: "
                            f"{request.handle}",
                        )
                    raise errors.InvalidArgumentError(
                        None, None, f"No such callable handle: {request.handle}"
                    )
            if len(request.feed) != len(options.feed):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Invalid number of feed tensors for callable {request.handle}: expected "
                    f"{len(options.feed)}, got {len(request.feed)}.",
                )
            wire = pb.RunStepRequest(
                session_handle=request.session_handle,
                fetch=list(options.fetch),
                target=list(options.target),
                options=convert.run_options(options.run_options),
            )
            for name, tensor in zip(options.feed, request.feed):
                wire.feed.add(name=name, tensor=convert.wire_tensor_from_tf(tensor))
            result = self._run(session, wire, context)
        except errors.OpError as e:
            abort_with(context, e)
        response = master_pb2.RunCallableResponse()
        for t in result.tensor:
            response.fetch.append(convert.tf_tensor_from_wire(t.tensor))
        response.metadata.CopyFrom(_run_metadata(options.run_options, result))
        return response

    def ReleaseCallable(self, request, context):
        state = self.sessions.get(request.session_handle)
        if state is not None:
            with state.lock:
                state.callables.pop(request.handle, None)
        return master_pb2.ReleaseCallableResponse()

    def PartialRunSetup(self, request, context):
        abort_with(context, _no_partial_runs("PartialRunSetup"))

    # -- the cluster ---------------------------------------------------------------------
    def ListDevices(self, request, context):
        config = pb.SessionConfig()
        try:
            if request.session_handle:
                session, _ = self._lookup(
                    request.session_handle,
                    missing=errors.InvalidArgumentError,
                    hint=" Possibly, this master has restarted.",
                )
                config = session.config
            devices = self.master.cluster_devices(config)
        except errors.OpError as e:
            abort_with(context, e)
        own = self.master.task_name + "/"
        ordered = [d for d in devices if d.name.startswith(own)]
        ordered += [d for d in devices if not d.name.startswith(own)]
        response = master_pb2.ListDevicesResponse()
        for d in ordered:
            attrs = convert.device_attributes(graphs.device_attributes_to_proto(d.attributes))
            attrs.xla_global_id = -1  # TensorFlow's "no XLA id" for CPU and GPU devices
            response.local_device.append(attrs)
        return response

    def Reset(self, request, context):
        self.master.Reset(pb.ResetRequest(container=list(request.container)), context)
        return master_pb2.ResetResponse()


def _no_partial_runs(what: str) -> errors.UnimplementedError:
    return errors.UnimplementedError(
        None,
        None,
        f"{what}: teachflow's master does not run partial runs (Session.partial_run_setup); "
        "run the fetches in one Session.run instead.",
    )


def _check_names(graph, feeds, fetches, targets) -> None:
    """NotFound for a feed, fetch or target the session's graph lacks, in TensorFlow's
    words (the master checks before it prunes)."""
    for f in feeds:
        name = f if isinstance(f, str) else f.name
        if not _has_tensor(graph, name):
            raise errors.NotFoundError(None, None, f"FeedInputs: unable to find feed output {name}")
    for name in fetches:
        if not _has_tensor(graph, name):
            raise errors.NotFoundError(None, None, f"FetchOutputs node {name}: not found")
    missing = [t for t in targets if not _has_op(graph, t)]
    if missing:
        raise errors.NotFoundError(
            None, None, f"PruneForTargets: Some target nodes not found: {', '.join(missing)}"
        )


def _has_tensor(graph, name: str) -> bool:
    try:
        graph.get_tensor_by_name(name)
    except (KeyError, ValueError):
        return False
    return True


def _has_op(graph, name: str) -> bool:
    try:
        graph.get_operation_by_name(name)
    except (KeyError, ValueError):
        return False
    return True


def _run_metadata(options, result) -> messages.RunMetadata:
    """TensorFlow's ``RunMetadata`` of a step: step stats from its events when traced,
    the partition graphs as TF ``GraphDef``s when asked for. Present (maybe empty) in
    every response, as TF's master sends it."""
    meta = messages.RunMetadata()
    if options.trace_level > 0:
        events = [graphs.event_from_proto(e) for e in result.events]
        # The master already put every task's event times on its own epoch clock.
        meta.step_stats.CopyFrom(step_stats_to_proto(build_step_stats(events, [], 0)))
    if options.output_partition_graphs:
        meta.partition_graphs.extend(
            wire_graph_def.to_tensorflow(g) for g in result.partition_graph
        )
    return meta
