"""A TensorFlow server as a task of a teachflow cluster: teachflow's master drives it.

teachflow's master and workers call another task through one interface (``get_status``,
``register_graph``, ``run_graph``, ``recv_tensor``... of `worker_client.WorkerClient`).
`TensorFlowTask` offers that interface over TensorFlow's ``WorkerService``:

- ``get_status`` turns TF's ``DeviceAttributes`` into teachflow's (the master places ops
  on the TF task's devices and writes their incarnations into its ``_Send``/``_Recv``);
- a partition is registered with TF when its first step comes, once per set of feeds and
  fetches, because TF's worker feeds and fetches only through client-terminated
  ``_Recv``/``_Send`` nodes named by rendezvous keys (`partition.to_tensorflow`);
- ``run_graph`` sends the feeds under those keys and reads the fetches back by name;
- ``recv_tensor`` is TF's RecvTensor: how a teachflow worker pulls what a TF worker sent.

`PeerClient` is what a teachflow server uses for every other task: teachflow's protocol
(with its side channel) until the task turns out to serve no ``teachflow.WorkerService``
(teachflow's GetStatus is UNIMPLEMENTED there: a TensorFlow server), then TensorFlow's.

    >>> from teachflow.distributed.tf_wire.tf_task import PeerClient
    >>> peer = PeerClient("/job:ps/replica:0/task:0", "127.0.0.1:1")
    >>> type(peer.current).__name__
    'WorkerClient'
    >>> peer.close()

For teachflow's views a TF task publishes no live events; a traced step's events are
made from the step stats TF's worker returns (`events_from_step_stats`).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

from teachflow.distributed.protocol import graphs
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.distributed.tf_wire import convert, partition
from teachflow.distributed.tf_wire.worker_client import TFWorkerClient
from teachflow.distributed.worker_client import WorkerClient
from teachflow.framework import errors
from teachflow.proto.tf_wire import worker_pb2
from teachflow.trace import events as trace_events

__all__ = ["PeerClient", "TensorFlowTask", "events_from_step_stats"]

SHORT_CALL_S = 10.0


@dataclass(slots=True)
class _Partition:
    """A partition teachflow's master registered, and its TF registrations."""

    session: str
    nodes: list  # teachflow NodeDefs, as the master cut them
    # (feeds, fetches) -> (TF's graph handle, ClientKeys)
    variants: dict = field(default_factory=dict)
    # One registration per variant even when steps start together.
    lock: threading.Lock = field(default_factory=threading.Lock)


class TensorFlowTask:
    """A TensorFlow worker task, called as teachflow calls a task (see the module)."""

    def __init__(self, task: str, address: str):
        self.task = task
        self.address = address
        self.client = TFWorkerClient(task, address)
        self._partitions = {}  # our graph handle -> _Partition
        self._incarnations = {}  # device name -> incarnation, from GetStatus
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def get_status(self, timeout):
        # Wait for a task that is still starting, as teachflow's client does.
        status = self.client.call(
            "GetStatus", worker_pb2.GetStatusRequest(), timeout, wait_for_ready=True
        )
        self._incarnations = {d.name: d.incarnation for d in status.device_attributes}
        return pb.GetStatusResponse(
            device_attributes=[
                pb.DeviceAttributes(
                    name=d.name,
                    device_type=d.device_type,
                    memory_limit=d.memory_limit,
                    incarnation=d.incarnation,
                    physical_device_desc=d.physical_device_desc,
                )
                for d in status.device_attributes
            ],
            # TF reports no clock: ours, so the master sees no offset to correct.
            time_ns=time.time_ns(),
            task=self.task,
        )

    def register_graph(self, session_handle, graph_def, config):
        handle = f"{self.task}/tf_graph_{next(self._ids)}"
        with self._lock:
            self._partitions[handle] = _Partition(
                session_handle, [graphs.node_def_from_proto(n) for n in graph_def.node]
            )
        return handle

    def _variant(self, handle, feeds, fetches, timeout):
        with self._lock:
            part = self._partitions.get(handle)
        if part is None:
            raise errors.NotFoundError(None, None, f"Graph handle {handle!r} is not registered")
        found = part.variants.get((feeds, fetches))
        if found is not None:
            return found
        with part.lock:
            found = part.variants.get((feeds, fetches))
            if found is None:
                found = part.variants[(feeds, fetches)] = self._register(
                    part, feeds, fetches, timeout
                )
        return found

    def _register(self, part, feeds, fetches, timeout):
        if not self._incarnations:
            self.get_status(timeout or SHORT_CALL_S)
        graph_def, keys = partition.to_tensorflow(part.nodes, feeds, fetches, self._incarnations)
        # TF's legacy worker session: resources shared by every session, peers found in
        # the TF server's own cluster, as teachflow's workers share theirs.
        request = worker_pb2.RegisterGraphRequest(graph_def=graph_def)
        request.graph_options.SetInParent()
        return self.client.call("RegisterGraph", request).graph_handle, keys

    def run_graph(self, request, timeout):
        feeds = tuple(t.name for t in request.send)
        fetches = tuple(request.recv_key)
        tf_handle, keys = self._variant(request.graph_handle, feeds, fetches, timeout)
        tf_request = worker_pb2.RunGraphRequest(
            graph_handle=tf_handle,
            step_id=request.step_id,
            recv_key=[keys.fetches[n] for n in fetches],
            request_id=random.getrandbits(63),
        )
        for t in request.send:
            tf_request.send.add(
                name=keys.feeds[t.name], tensor=convert.tf_tensor_from_wire(t.tensor)
            )
        opts = request.options
        tf_request.exec_opts.record_timeline = opts.trace_level > 0
        tf_request.exec_opts.record_partition_graphs = opts.output_partition_graphs
        response = self.client.call("RunGraph", tf_request, timeout)
        out = pb.RunGraphResponse()
        by_key = {r.name: r.tensor for r in response.recv}
        for name in fetches:
            out.recv.add(name=name, tensor=convert.wire_tensor_from_tf(by_key[keys.fetches[name]]))
        for g in response.partition_graph:
            out.partition_graph.append(convert.wire_graph_def(g))
        if opts.trace_level > 0:
            out.events.extend(
                graphs.event_to_proto(e, self.task)
                for e in events_from_step_stats(response.step_stats, request.step_id)
            )
        return out

    def cleanup_graph(self, step_id):
        try:
            self.client.call("CleanupGraph", worker_pb2.CleanupGraphRequest(step_id=step_id), 5.0)
        except errors.OpError:
            pass  # a task that is gone has nothing left to clean up

    def cleanup_all(self, containers):
        self.client.call("CleanupAll", worker_pb2.CleanupAllRequest(container=containers))

    def deregister_graph(self, session_handle, graph_handle):
        with self._lock:
            part = self._partitions.pop(graph_handle, None)
        for tf_handle, _ in part.variants.values() if part is not None else ():
            try:
                request = worker_pb2.DeregisterGraphRequest(graph_handle=tf_handle)
                self.client.call("DeregisterGraph", request, 5.0)
            except errors.OpError:
                pass

    def recv_tensor(self, step_id, key, timeout):
        return self.client.recv_tensor(step_id, key, timeout)

    recv_tensor_bulk = recv_tensor

    def close(self):
        self.client.close()


def events_from_step_stats(step_stats, step_id: int) -> list:
    """A TF worker's ``StepStats`` as teachflow's op events (epoch times, as events
    travel), so a traced step's timeline and RunMetadata show the TF task's nodes too."""
    out = []
    for dev in step_stats.dev_stats:
        for ns in dev.node_stats:
            if ns.node_name == "_SOURCE":
                continue  # TF's executor's start marker, not a node of the graph
            start = ns.all_start_nanos or ns.all_start_micros * 1000
            duration = ns.all_end_rel_nanos or ns.all_end_rel_micros * 1000
            # TF's label: "name = Op(input, ...)".
            op_type = ns.timeline_label.partition(" = ")[2].partition("(")[0]
            out.append(
                trace_events.OpEvent(
                    step_id,
                    dev.device,
                    ns.node_name,
                    op_type,
                    start,
                    start + duration,
                    ns.thread_id,
                    sum(
                        o.tensor_description.allocation_description.requested_bytes
                        for o in ns.output
                    ),
                )
            )
    return out


class PeerClient:
    """Another task of the cluster, in whichever protocol it speaks (see the module)."""

    def __init__(self, task: str, address: str):
        self.task = task
        self.address = address
        self.current = WorkerClient(task, address)
        self._lock = threading.Lock()

    def _call(self, method: str, *args):
        client = self.current
        try:
            return getattr(client, method)(*args)
        except errors.UnimplementedError:
            if isinstance(client, TensorFlowTask) or not self._speaks_only_tensorflow(client):
                raise
        return getattr(self.current, method)(*args)

    def _speaks_only_tensorflow(self, client) -> bool:
        """Whether the task has no teachflow WorkerService (every teachflow server answers
        its GetStatus); if so, talk TensorFlow's protocol to it from now on."""
        try:
            client.get_status(SHORT_CALL_S)
            return False
        except errors.UnimplementedError:
            pass
        with self._lock:
            if self.current is client:
                self.current = TensorFlowTask(self.task, self.address)
                client.close()
        return True

    def get_status(self, timeout):
        return self._call("get_status", timeout)

    def register_graph(self, session_handle, graph_def, config):
        return self._call("register_graph", session_handle, graph_def, config)

    def run_graph(self, request, timeout):
        return self._call("run_graph", request, timeout)

    def cleanup_graph(self, step_id):
        return self._call("cleanup_graph", step_id)

    def cleanup_all(self, containers):
        return self._call("cleanup_all", containers)

    def deregister_graph(self, session_handle, graph_handle):
        return self._call("deregister_graph", session_handle, graph_handle)

    def recv_tensor(self, step_id, key, timeout):
        return self._call("recv_tensor", step_id, key, timeout)

    def recv_tensor_bulk(self, step_id, key, timeout):
        return self._call("recv_tensor_bulk", step_id, key, timeout)

    def close(self):
        self.current.close()
