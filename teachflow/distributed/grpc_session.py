"""The client side of ``tf.Session("grpc://host:port")``.

The session sends its graph to the master once (``CreateSession``) and then only the
nodes added since (``ExtendSession``); each ``run`` is one ``RunStep`` carrying feeds and
the names of fetches and targets. Errors come back as the same `tf.errors` classes.

The same target may be a real TensorFlow server: the first call that looks for the
master's side channel (``teachflow.WorkerService/GetStatus``) is answered UNIMPLEMENTED
there, and the session then speaks TensorFlow's ``MasterService``
(`tf_wire.master_client`). teachflow servers are told apart by that one call, which they
answered anyway, so their sessions cost nothing more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import grpc

from teachflow.distributed.protocol import graphs, tensors
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.protocol import teachflow_pb2_grpc as pb_grpc
from teachflow.distributed.side_channel import SideChannelClient
from teachflow.distributed.status import to_op_error
from teachflow.distributed.tf_wire import master_client as tf_master
from teachflow.distributed.worker_client import TOKEN_ENV, auth_metadata, make_channel, tls_enabled
from teachflow.framework import errors
from teachflow.runtime.placement_reason import PlacementReason
from teachflow.runtime.placer import PlacementRecord


def parse_target(target: str) -> str:
    if not target.startswith("grpc://"):
        raise errors.NotFoundError(
            None,
            None,
            f"No session factory registered for the given session options: {{target: {target!r}}}",
        )
    address = target[len("grpc://") :]
    if not address or ":" not in address:
        raise errors.InvalidArgumentError(
            None, None, f"Bad session target {target!r}: expected grpc://host:port"
        )
    return address


@dataclass
class RemoteStep:
    """What a remote step reports besides its values (times are client-clock ns)."""

    placement_log: list
    events: list
    partition_graphs: list
    # A TensorFlow server's own StepStats of a traced step (teachflow's come as events).
    step_stats: object = None


# How long a client looks for a restarted master after losing its connection.
REDISCOVER_S = 2.0


class MasterClient:
    """One remote session on a master."""

    def __init__(self, target, graph, config):
        self.address = parse_target(target)
        self._target = target
        self._graph = graph
        self._config = config
        self._channel = make_channel(self.address)
        self._stub = pb_grpc.MasterServiceStub(self._channel)
        self._md = auth_metadata()
        self._handle = None
        self._sent = 0  # graph ops already known to the master
        self._side = None  # the master's side channel (see side_channel), once discovered
        self._discovered = False
        self._tensorflow = None  # the session on a TensorFlow master, when it is one
        # Why the master placed each node, as it told us (node name -> PlacementRecord).
        self._placement = {}

    def _session_config(self):
        c = self._config
        return pb.SessionConfig(
            log_device_placement=c.log_device_placement,
            allow_soft_placement=c.allow_soft_placement,
            operation_timeout_in_ms=c.operation_timeout_in_ms,
            inter_op_parallelism_threads=c.inter_op_parallelism_threads,
        )

    def _discover(self, timeout=None):
        """Ask the server (its WorkerService, over gRPC) for its side-channel port, waiting
        for it to come up at most ``timeout`` (default ``operation_timeout_in_ms``, or 30 s)."""
        if tls_enabled():
            self._discovered = True
            return
        default = self._config.operation_timeout_in_ms / 1000.0 or 30.0
        timeout = default if timeout is None else min(timeout, default)
        try:
            status = pb_grpc.WorkerServiceStub(self._channel).GetStatus(
                pb.GetStatusRequest(), timeout=timeout, metadata=self._md, wait_for_ready=True
            )
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                # A TensorFlow server: it has no teachflow services.
                self._tensorflow = tf_master.TensorFlowMasterClient(
                    self.address, self._graph, self._config, self._channel, self._target
                )
                self._discovered = True
                return
            if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise errors.UnavailableError(
                    None,
                    None,
                    f"Master at {self.address} is unavailable: no answer within {timeout:.1f} s. "
                    "Is its server started?",
                ) from None
            raise to_op_error(e, f"connecting to the master at {self.address}") from None
        self._discovered = True
        if status.bulk_port:
            host = self.address.rpartition(":")[0].strip("[]")
            self._side = SideChannelClient(host, status.bulk_port, os.environ.get(TOKEN_ENV))

    def _call(self, method, request, doing, timeout=None):
        if not self._discovered:
            self._discover()
        if self._side is not None:
            try:
                return self._side.call(
                    f"MasterService/{method}", request, getattr(pb, f"{method}Response"), timeout
                )
            except errors.UnavailableError as e:
                if not getattr(e, "connection_lost", False):
                    raise  # the master answered: a task behind it is unavailable
                # The master went away; a restarted one listens on a new side-channel port.
                # Look briefly: a server that is gone should fail the call soon, not after
                # the whole startup wait.
                self._side.close()
                self._side, self._discovered = None, False
                try:
                    self._discover(REDISCOVER_S)
                except errors.UnavailableError:
                    raise errors.UnavailableError(
                        None,
                        None,
                        f"Master at {self.address} is unavailable while {doing}: {e.message}",
                    ) from None
                return self._call(method, request, doing, timeout)
            except errors.ResourceExhaustedError as e:
                if not getattr(e, "side_channel_full", False):
                    raise
                # Other clients hold every side-channel connection: gRPC still serves us.
        try:
            call = getattr(self._stub, method).future(request, timeout=timeout, metadata=self._md)
            try:
                return call.result()
            except (KeyboardInterrupt, SystemExit):
                # Ctrl-C in the notebook: cancel the call, and the master cancels the step
                # (its blocked dequeue must not take the next element).
                call.cancel()
                raise
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNAVAILABLE:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"Master at {self.address} is unavailable while {doing}: {e.details()}",
                ) from None
            raise to_op_error(e, doing) from None

    def _tensorflow_master(self):
        """The session on a TensorFlow master when the server is TensorFlow's, else None
        (found out on first use)."""
        if not self._discovered:
            self._discover()
        return self._tensorflow

    def sync_graph(self):
        """Send the nodes the master has not seen yet."""
        ops = self._graph.get_operations()
        if self._handle is not None and len(ops) == self._sent:
            return
        new = ops[self._sent :]
        gd = graphs.graph_def(new, self._graph.version)
        if self._handle is None:
            res = self._call(
                "CreateSession",
                pb.CreateSessionRequest(graph_def=gd, config=self._session_config()),
                "creating a session",
                timeout=self._connect_timeout(),
            )
            self._handle = res.session_handle
        else:
            self._call(
                "ExtendSession",
                pb.ExtendSessionRequest(session_handle=self._handle, graph_def=gd),
                "extending the session's graph",
            )
        self._sent = len(ops)

    def _connect_timeout(self):
        ms = self._config.operation_timeout_in_ms
        return ms / 1000.0 + 30.0 if ms else None

    def run(self, fetch_tensors, target_ops, feed_pairs, options):
        """``feed_pairs``: [(tensor, numpy value)]. Returns (values, response)."""
        tensorflow = self._tensorflow_master()
        if tensorflow is not None:
            return tensorflow.run(fetch_tensors, target_ops, feed_pairs, options)
        self.sync_graph()
        req = pb.RunStepRequest(
            session_handle=self._handle,
            fetch=[t.name for t in fetch_tensors],
            target=[op.name for op in target_ops],
        )
        for t, v in feed_pairs:
            req.feed.add(name=t.name, tensor=tensors.to_proto(v, t.dtype.base_dtype))
        if options is not None:
            req.options.trace_level = options.trace_level
            req.options.timeout_in_ms = options.timeout_in_ms
            req.options.output_partition_graphs = options.output_partition_graphs
            req.options.report_tensor_allocations_upon_oom = (
                options.report_tensor_allocations_upon_oom
            )
        res = self._call("RunStep", req, "running a step")
        values = [tensors.from_proto(t.tensor) for t in res.tensor]
        for r in res.placement:
            self._placement[r.node] = PlacementRecord(
                r.node, r.op_type, r.requested, r.device, PlacementReason.parse(r.reason), r.group
            )
        # Event times are epoch ns, corrected to the master's clock; step stats want them so.
        result = RemoteStep(
            list(res.placement_log),
            [graphs.event_from_proto(e) for e in res.events],
            list(res.partition_graph),
        )
        return values, result

    def placement_records(self) -> list:
        """Every placement the master has reported so far: its placer's records for the
        nodes the steps ran, then the _Send/_Recv nodes it added between tasks."""
        if self._tensorflow is not None:
            return self._tensorflow.placement_records()
        return list(self._placement.values())

    def list_devices(self):
        tensorflow = self._tensorflow_master()
        if tensorflow is not None:
            return tensorflow.list_devices()
        self.sync_graph()
        res = self._call(
            "ListDevices", pb.ListDevicesRequest(session_handle=self._handle), "listing devices"
        )
        return [
            graphs.device_attributes_from_proto(d)
            for d in list(res.local_device) + list(res.remote_device)
        ]

    def close(self):
        if self._tensorflow is not None:
            self._tensorflow.close()
        if self._handle is not None:
            try:
                self._stub.CloseSession(
                    pb.CloseSessionRequest(session_handle=self._handle),
                    timeout=5.0,
                    metadata=self._md,
                )
            except grpc.RpcError:
                pass
            self._handle = None
        self._channel.close()


def reset(target, containers=None, config=None):
    """``tf.Session.reset``: clear resource containers on every task of the cluster."""
    address = parse_target(target)
    with make_channel(address) as channel:
        stub = pb_grpc.MasterServiceStub(channel)
        try:
            stub.Reset(
                pb.ResetRequest(container=list(containers or [])),
                timeout=30.0,
                metadata=auth_metadata(),
            )
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:  # a TensorFlow server
                tf_master.reset(channel, address, containers)
                return
            raise to_op_error(e, f"resetting containers at {address}") from None


def _register():
    from teachflow.runtime.session import register_session_factory

    register_session_factory("grpc://", MasterClient, reset)


_register()
