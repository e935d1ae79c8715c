"""teachflow's ``tf.Session("grpc://...")`` on a real TensorFlow server: TensorFlow's
``MasterService``, called the way TensorFlow's own client (``GrpcSession``) calls it.

`grpc_session.MasterClient` finds out which engine serves a target the first time it
needs the master: teachflow's ``teachflow.WorkerService/GetStatus`` (the call that finds
its side channel) answers UNIMPLEMENTED on a TensorFlow server, and from then on the
session is a `TensorFlowMasterClient`. The steps are TensorFlow's:

- the graph goes as TensorFlow's ``GraphDef`` (`teachflow.framework.codecs.graph_def`, every node's
  attrs completed from TensorFlow's op registry): all of it in ``CreateSession``, then only
  the ops added since in ``ExtendSession`` with the graph version the master returned;
- each ``run`` is one ``RunStep`` (feeds as ``NamedTensorProto``, fetches ``"c:0"``,
  targets ``"init"``, ``RunOptions``, a random ``request_id``,
  ``store_errors_in_response_body``), whose ``RunMetadata`` (TensorFlow's step stats and
  partition graphs) fills teachflow's `RunMetadata`, so the timeline shows TF's step;
- an error comes back as the `tf.errors` class of TensorFlow's status, with its message.

With TensorFlow installed (see `teachflow.distributed.tf_engine`)::

    import teachflow as tf
    from teachflow.cluster import LocalCluster

    with LocalCluster(ps=1, workers=1, engine="tensorflow") as cluster:
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0)
        with tf.Session(cluster.target("worker", 0)) as sess:
            sess.run(a.initializer)
            print(sess.run(a * 3))  # 3.0
"""

from __future__ import annotations

import os
import re

import grpc

from teachflow.distributed.status import to_op_error
from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.methods import MASTER, stub
from teachflow.framework import errors
from teachflow.framework.codecs import graph_def
from teachflow.proto import messages
from teachflow.proto.tf_wire import master_pb2
from teachflow.runtime.devices import DeviceAttributes
from teachflow.runtime.step_stats_proto import from_proto as step_stats_from_proto

__all__ = ["TensorFlowMasterClient", "reset"]

# TensorFlow's client reads the failed node off the message (``[[{{node x}}]]``) and gives
# the error that op of its graph (session.py's _NODEDEF_NAME_RE).
_NODE_IN_MESSAGE = re.compile(r"\[\[(Node: )?(\{\{node )?([^\} ]*)(\}\})?\s*=*")

# TensorFlow's client closes a session with a short deadline too: a gone master must not
# hold up the program's exit.
_CLOSE_TIMEOUT_S = 5.0


def _request_id() -> int:
    # TensorFlow's master drops a RunStep it has already seen (a retried call) by this
    # id; TF draws it at random (random::New64), as a signed int64.
    return int.from_bytes(os.urandom(8), "little", signed=True) or 1


class TensorFlowMasterClient:
    """One session on a TensorFlow master (``tensorflow.MasterService``).

    It has the interface of `grpc_session.MasterClient`, which hands its session over once
    it sees that the server is TensorFlow's: ``run``, ``list_devices``,
    ``placement_records``, ``close``. ``channel`` is the channel the probe used.
    """

    def __init__(self, address, graph, config, channel=None, target=None):
        self.address = address
        self._graph = graph
        self._config = config
        self._own_channel = channel is None
        self._channel = channel or grpc.insecure_channel(address)
        self._calls = {name: stub(self._channel, MASTER, name) for name in MASTER.methods}
        self._target = target or f"grpc://{address}"
        self._handle = None
        self._graph_version = 0  # the master's version of our graph (TF's counter)
        self._sent_id = 0  # ops with a larger id are not on the master yet

    # -- calls ----------------------------------------------------------------------------
    def _call(self, method, request, doing, timeout=None):
        try:
            return self._calls[method](request, timeout=timeout)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNAVAILABLE:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"TensorFlow master at {self.address} is unavailable while {doing}: "
                    f"{e.details()}",
                ) from None
            raise self._at_node(to_op_error(e, doing)) from None

    def _at_node(self, error):
        """``error`` with the op of our graph its message names, as TF's client gives it."""
        m = _NODE_IN_MESSAGE.search(error.message)
        if m is None:
            return error
        try:
            op = self._graph.get_operation_by_name(m.group(3))
        except KeyError:
            return error
        return type(error)(op.node_def, op, error.message)

    def _timeout(self, options=None):
        ms = (options.timeout_in_ms if options is not None else 0) or (
            self._config.operation_timeout_in_ms
        )
        return ms / 1000.0 + 30.0 if ms else None

    # -- the graph ------------------------------------------------------------------------
    def sync_graph(self):
        """Send the ops the master has not seen: the whole graph in ``CreateSession``, the
        ops added since in ``ExtendSession`` (TensorFlow's ``as_graph_def(from_version)``)."""
        last_id = self._graph._last_id
        if self._handle is not None and last_id == self._sent_id:
            return
        gd = graph_def.graph_to_graph_def(self._graph, from_version=self._sent_id)
        # TensorFlow's client sends its (empty) function library as a present field.
        gd.library.SetInParent()
        if self._handle is None:
            request = master_pb2.CreateSessionRequest(
                graph_def=gd, config=self._config.to_proto(), target=self._target
            )
            res = self._call("CreateSession", request, "creating a session", self._timeout())
            self._handle, self._graph_version = res.session_handle, res.graph_version
        else:
            request = master_pb2.ExtendSessionRequest(
                session_handle=self._handle,
                graph_def=gd,
                current_graph_version=self._graph_version,
            )
            res = self._call("ExtendSession", request, "extending the session's graph")
            self._graph_version = res.new_graph_version
        self._sent_id = last_id

    # -- a step ---------------------------------------------------------------------------
    def run(self, fetch_tensors, target_ops, feed_pairs, options):
        """``feed_pairs``: [(tensor, numpy value)]. Returns (values, `RemoteStep`)."""
        from teachflow.distributed.grpc_session import RemoteStep

        self.sync_graph()
        request = master_pb2.RunStepRequest(
            session_handle=self._handle,
            fetch=[t.name for t in fetch_tensors],
            target=[op.name for op in target_ops],
            options=run_options(options),
            store_errors_in_response_body=True,
            request_id=_request_id(),
        )
        for t, value in feed_pairs:
            tensor = convert.to_tensor_proto(value, t.dtype.base_dtype.enum)
            request.feed.add(name=t.name, tensor=tensor)
        res = self._call("RunStep", request, "running a step", self._timeout(options))
        if res.status_code:
            raise self._at_node(
                convert.error_from_status(res.status_code, res.status_error_message)
            )
        by_name = {t.name: t.tensor for t in res.tensor}
        values = [_value(convert.to_numpy(by_name[t.name])) for t in fetch_tensors]
        md = res.metadata
        stats = step_stats_from_proto(md.step_stats) if md.HasField("step_stats") else None
        return values, RemoteStep([], [], list(md.partition_graphs), stats)

    def list_devices(self):
        """The cluster's devices as TensorFlow's master lists them."""
        self.sync_graph()
        res = self._call(
            "ListDevices",
            master_pb2.ListDevicesRequest(session_handle=self._handle),
            "listing devices",
        )
        return [
            DeviceAttributes(
                d.name, d.device_type, d.memory_limit, d.incarnation, d.physical_device_desc
            )
            for d in list(res.local_device) + list(res.remote_device)
        ]

    def placement_records(self) -> list:
        """TensorFlow's master does not say why it placed a node; its partition graphs
        (``RunOptions(output_partition_graphs=True)``) show where each one ran."""
        return []

    def close(self):
        if self._handle is not None:
            try:
                self._calls["CloseSession"](
                    master_pb2.CloseSessionRequest(session_handle=self._handle),
                    timeout=_CLOSE_TIMEOUT_S,
                )
            except grpc.RpcError:
                pass  # the session is gone with its master; nothing is left to free
            self._handle = None
        if self._own_channel:
            self._channel.close()


def run_options(options) -> messages.RunOptions:
    """teachflow's `RunOptions` as TensorFlow's message (present, empty when None, as TF's
    client always sends it)."""
    if options is None:
        return messages.RunOptions()
    return messages.RunOptions(
        trace_level=options.trace_level,
        timeout_in_ms=options.timeout_in_ms,
        output_partition_graphs=options.output_partition_graphs,
        report_tensor_allocations_upon_oom=options.report_tensor_allocations_upon_oom,
    )


def _value(arr):
    # What a session run returns: numpy's scalar (or bytes) for a 0-d tensor, as TF does.
    return arr[()] if arr.ndim == 0 else arr


def reset(channel, address, containers=None):
    """``tf.Session.reset`` on a TensorFlow master: clear ``containers`` on every task."""
    try:
        stub(channel, MASTER, "Reset")(
            master_pb2.ResetRequest(container=list(containers or [])), timeout=30.0
        )
    except grpc.RpcError as e:
        raise to_op_error(e, f"resetting containers at {address}") from None
