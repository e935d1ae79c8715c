"""A cluster's step in virtual time: every task's cut of the graph, stitched back together.

A remote session's plans live on its workers; each ran its own *partition* of the graph.
A run with ``tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE,
output_partition_graphs=True)`` brings them all back: one ``GraphDef`` per device, in which
every edge that crossed devices is a ``_Send`` on one side and a ``_Recv`` on the other,
both carrying the rendezvous key's parts (``tensor_name``, ``send_device``,
``recv_device``), and the step's events from every task (the bytes each op allocated).
Matching each ``_Send`` to its ``_Recv`` gives back the step's dependency graph:

- a pair between two *tasks* is a network transfer: ``latency + bytes / bandwidth`` of the
  cluster's `NetworkProfile`, sent on the sending task's one outgoing link, so N workers
  pulling from one ps take turns on the ps's link (the chapter's bandwidth saturation);
- a pair between two devices of one task is a PCIe or peer copy, as in a local session;
- every other node is an op, costed by the roofline model from its tensors' shapes. The
  shapes come from the graph itself: with each ``_Recv`` replaced by the tensor it carries,
  the partitions are one graph again and static shape inference runs through it (fed
  values give their shapes; an op whose shape only the run knew is read off the bytes it
  allocated, `teachflow.sim.observed`).

The result is the plan structure a local session runs (`teachflow.runtime.plan.Plan`),
ordered the same way whichever task answered first, so the scheduler of
`teachflow.sim.virtual_time` replays it on the hardware profiles and the timeline is the
same on every laptop. `teachflow.sim.virtual_timeline` calls this for a cluster's
``RunMetadata``; ``tf.ConfigProto(virtual_time=True)`` does it for every traced run of a
remote session:

    >>> import teachflow as tf
    >>> from teachflow import sim
    >>> from teachflow.cluster import LocalCluster
    >>> with tf.device("/job:ps/task:0"):
    ...     v = tf.Variable(tf.ones([1_000_000]), name="v")       # 4 MB on the ps
    >>> with tf.device("/job:worker/task:0"):
    ...     total = tf.reduce_sum(v, name="total")
    >>> opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    >>> md = tf.RunMetadata()
    >>> with LocalCluster(ps=1, workers=1) as cluster:
    ...     with tf.Session(cluster.target("worker", 0)) as sess:
    ...         sess.run(v.initializer)
    ...         _ = sess.run(total, options=opts, run_metadata=md)
    >>> vt = sim.virtual_timeline(md)
    >>> [(e.tensor, (e.end_ns - e.start_ns) / 1e6) for e in vt if e.kind == "transfer"]
    [('v/read:0', 3.25)]

(3.25 ms: 50 µs of latency and 4 MB at 10 GbE's 1.25 GB/s.)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from teachflow.framework.codecs import graph_def, wire_graph_def
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.graph import Graph
from teachflow.framework.importer import import_nodes
from teachflow.framework.operation import NodeDef
from teachflow.framework.shapes import TensorShape
from teachflow.runtime.plan import Plan, Transfer
from teachflow.runtime.step import Step
from teachflow.sim.cost_model import task_of

__all__ = ["NO_PARTITION_GRAPHS", "TracedClusterStep", "cluster_plan"]

NO_PARTITION_GRAPHS = (
    "This RunMetadata comes from a cluster's run without its partition graphs (each task's "
    "plan lives on that task): run with options=tf.RunOptions(trace_level="
    "tf.RunOptions.FULL_TRACE, output_partition_graphs=True)"
)


class TracedClusterStep:
    """What a remote session keeps of a traced run for the model: the partition graphs
    (``GraphDef`` messages, one per device), the events of every task, the fed values
    (client tensor name -> (shape, dtype)), the fetched tensor names, each device's
    physical description (device name -> ``physical_device_desc``: it names the GPU
    card) and the session's ``inter_op_parallelism_threads``."""

    __slots__ = ("partition_graphs", "events", "feeds", "fetches", "devices", "inter_op_threads")

    def __init__(
        self, partition_graphs, events, feeds=None, fetches=(), devices=None, inter_op_threads=0
    ):
        self.partition_graphs = list(partition_graphs or ())
        self.events = events
        self.feeds = dict(feeds or {})
        self.fetches = tuple(fetches)
        self.devices = dict(devices or {})
        self.inter_op_threads = inter_op_threads


@dataclass
class _Allocator:
    name: str
    persistent_bytes: int = 0  # the step's events say what was in use when it began


@dataclass
class _Physical:
    name: str  # the device's description: "device: 0, name: simulated Tesla K80, ..."
    profile: object = None  # found by name (sim.virtual_time._profile_of)


@dataclass(eq=False)
class TaskDevice:
    """A device of some task as the model sees it: its name, type and physical card."""

    name: str
    device_type: str
    physical: _Physical
    allocator: _Allocator
    incarnation: int = 0


def _parse(text):
    """``"x"`` -> ("x", 0); ``"x:2"`` -> ("x", 2); ``"^x"`` -> ("x", None)."""
    if text.startswith("^"):
        return text[1:], None
    name, sep, index = text.rpartition(":")
    if sep and index.isdigit():
        return name, int(index)
    return text, 0


def _device_key(name):
    d = DeviceSpec.from_string(name)
    return (d.job or "", d.replica or 0, d.task or 0, d.device_type or "", d.device_index or 0)


def _client_name(feed_node):
    """The partitioner names a fed tensor ``x:1``'s placeholder ``x/_feed_1``."""
    op, _, index = feed_node.rpartition("/_feed_")
    return f"{op}:{index}"


def cluster_plan(traced: TracedClusterStep):
    """The step's plan rebuilt from its partition graphs: ``(plan, feed_shapes)`` for
    `teachflow.sim.virtual_time.simulate_step`. Raises ValueError when there are no
    partition graphs, or they do not fit together (a ``_Recv`` with no ``_Send``)."""
    if not traced.partition_graphs:
        raise ValueError(NO_PARTITION_GRAPHS)
    return _Stitcher(traced).plan()


def _node_defs(partition_graph) -> list:
    """A partition graph's nodes: TensorFlow's GraphDef (a local run's RunMetadata), or the
    cluster's wire GraphDef (a worker's answer)."""
    if graph_def.is_tensorflow_graph_def(partition_graph):
        return graph_def.node_defs_from_graph_def(partition_graph)
    return wire_graph_def.node_defs(partition_graph)


class _Stitcher:
    """Partition graphs -> one plan. Nodes are keyed by (task, name): a task's partition
    names are unique, and a fed tensor's placeholder has the same name on every task that
    reads it."""

    def __init__(self, traced):
        self.traced = traced
        parts = [_node_defs(g) for g in traced.partition_graphs]
        # One GraphDef per device, in the order the tasks answered: sort them by device.
        parts = sorted((p for p in parts if p), key=lambda p: _device_key(p[0].device))
        self.nodes = {}  # (task, name) -> NodeDef
        self.position = {}  # (task, name) -> (device rank, index in its partition)
        sends, self.recvs = {}, {}
        for rank, part in enumerate(parts):
            for i, nd in enumerate(part):
                key = (task_of(nd.device), nd.name)
                if key in self.nodes:
                    raise ValueError(
                        f"Node {nd.name!r} appears twice in the partition graphs of {key[0]}: "
                        "pass the RunMetadata of one run"
                    )
                self.nodes[key] = nd
                self.position[key] = (rank, i)
                if nd.op in ("_Send", "_Recv"):
                    a = nd.attr
                    pair = (a["tensor_name"], a["send_device"], a["recv_device"])
                    if nd.op == "_Send":
                        sends[pair] = key
                    else:
                        self.recvs[key] = pair
        self.send_of = {}  # recv key -> send key
        for key, pair in self.recvs.items():
            send = sends.get(pair)
            if send is None:
                raise ValueError(
                    f"_Recv {key[1]!r} on {self.nodes[key].device} has no matching _Send "
                    f"(tensor_name {pair[0]!r} from {pair[1]}) in the partition graphs"
                )
            self.send_of[key] = send
        self.devices = [p[0].device for p in parts]

    # -- what each input is ---------------------------------------------------------------
    def _producer(self, task, text):
        """What an input names: ``("op", key, index)``, ``("transfer", recv key)`` or
        ``("feed", key)`` (a fed placeholder: no node, its value arrives with the step)."""
        name, index = _parse(text)
        key = (task, name)
        nd = self.nodes.get(key)
        if nd is None:
            return ("feed", key)
        if nd.op == "_Recv":
            return ("transfer", key)
        return ("op", key, index or 0)

    def _origin(self, task, text):
        """The graph tensor an input carries, through any chain of sends and receives."""
        found = self._producer(task, text)
        while found[0] == "transfer":
            send = self.nodes[self.send_of[found[1]]]
            found = self._producer(task_of(send.device), send.input[0])
        if found[0] == "feed":
            return f"{found[1][1]}:0", found
        return f"{found[1][1]}:{found[2]}", found

    # -- the graph again, for shapes --------------------------------------------------------
    def _shape_graph(self):
        """The partitions as one graph, each receive replaced by the tensor it carries,
        so that static shape inference runs through the whole step."""
        nodes, placeholders = [], {}
        for key, nd in self.nodes.items():
            if nd.op in ("_Send", "_Recv"):
                continue
            task = key[0]
            inputs = []
            for text in nd.input:
                if text.startswith("^"):
                    found = self._producer(task, text[1:])
                    if found[0] == "op":
                        inputs.append(text)
                    continue
                origin, found = self._origin(task, text)
                inputs.append(origin)
                if found[0] == "feed":
                    placeholders.setdefault(found[1][1], nd.device)
            nodes.append(NodeDef(nd.name, nd.op, inputs, nd.device, dict(nd.attr)))
        for key in self.recvs:
            _, found = self._origin(key[0], f"{key[1]}:0")
            if found[0] == "feed":
                placeholders.setdefault(found[1][1], self.nodes[key].device)
        for name, device in placeholders.items():
            client = _client_name(name)
            feed = self.traced.feeds.get(client)
            if feed is None:
                raise ValueError(
                    f"The partition graphs read {name!r}, a fed value, but the run's feeds "
                    f"have no {client!r}"
                )
            shape, dtype = feed
            attrs = {"dtype": dtype, "shape": TensorShape(list(shape))}
            nodes.append(NodeDef(name, "Placeholder", [], device, attrs))
        graph = Graph()
        return {op.name: op for op in import_nodes(graph, nodes)}

    # -- the plan ---------------------------------------------------------------------------
    def plan(self):
        ops = self._shape_graph()
        devices = self._devices()
        dev_index = {d.name: i for i, d in enumerate(devices)}
        items = [k for k, nd in self.nodes.items() if nd.op != "_Send"]

        # Slots: one per op output, per transfer, per fed value a task reads; one junk slot.
        slot_device, slots, feed_slots = [], {}, {}

        def new_slot(device):
            slot_device.append(dev_index[device])
            return len(slot_device) - 1

        for key in items:
            nd = self.nodes[key]
            if nd.op == "_Recv":
                slots[key] = (new_slot(nd.device),)
            else:
                slots[key] = tuple(new_slot(nd.device) for _ in ops[nd.name]._outputs)

        def slot_of(task, text, reader_device):
            found = self._producer(task, text)
            if found[0] == "feed":
                s = feed_slots.get(found[1])
                if s is None:
                    s = feed_slots[found[1]] = new_slot(reader_device)
                return s, None
            if found[0] == "transfer":
                return slots[found[1]][0], found[1]
            return slots[found[1]][found[2]], found[1]

        # Each item's input slots and the items it waits for: a transfer waits for what
        # its _Send reads (and the pair's control inputs), an op for its inputs' producers.
        ins_of, preds_of, op_of = {}, {}, {}
        for n, key in enumerate(items):
            nd = self.nodes[key]
            task = key[0]
            if nd.op == "_Recv":
                send_key = self.send_of[key]
                send = self.nodes[send_key]
                s, producer = slot_of(send_key[0], send.input[0], send.device)
                ins, preds = (s,), [producer]
                controls = [(send_key[0], t) for t in send.input[1:]]
                controls += [(task, t) for t in nd.input]
                op_of[key] = self._transfer(key, send, ops, devices, dev_index, n)
            else:
                ins, preds, controls = [], [], []
                for text in nd.input:
                    if text.startswith("^"):
                        controls.append((task, text))
                        continue
                    s, producer = slot_of(task, text, nd.device)
                    ins.append(s)
                    preds.append(producer)
                op_of[key] = ops[nd.name]
            for t, text in controls:
                found = self._producer(t, text.lstrip("^"))
                if found[0] != "feed":
                    preds.append(found[1])
            ins_of[key] = tuple(ins)
            preds_of[key] = [p for p in dict.fromkeys(preds) if p is not None]
        junk = new_slot(self.devices[0])

        # The executor's steps, in a topological order independent of the tasks'.
        order = self._topological(items, preds_of)
        index = {key: j for j, key in enumerate(order)}
        succ = [[] for _ in order]
        for key in order:
            for p in preds_of[key]:
                succ[index[p]].append(index[key])
        plan = Plan()
        steps = []
        for j, key in enumerate(order):
            nd = self.nodes[key]
            outs = slots[key]
            multi = len(outs) > 1
            out = outs if multi else (outs[0] if outs else junk)
            steps.append(
                Step(
                    kernel=None,  # a replayed plan is simulated, never run
                    ins=ins_of[key],
                    out=out,
                    multi=multi,
                    op=op_of[key],
                    successors=tuple(succ[j]),
                    device_index=dev_index[nd.device],
                    expensive=False,
                    num_predecessors=len(preds_of[key]),
                )
            )
            if nd.op == "_Recv":
                plan.transfers.append(op_of[key])
            else:
                plan.ops.append(op_of[key])
                plan.placement[nd.name] = nd.device
        # Readers per slot, +1 for a fetched value: it is freed after its last reader.
        consumers = [0] * len(slot_device)
        for step in steps:
            for s in step.ins:
                consumers[s] += 1
        fetch_slots = []
        by_name = {k[1]: k for k in items if self.nodes[k].op != "_Recv"}
        for name in self.traced.fetches:
            op_name, index_ = _parse(name)
            key = by_name.get(op_name)
            if key is not None and index_ is not None and index_ < len(slots[key]):
                fetch_slots.append(slots[key][index_])
        for s in fetch_slots:
            consumers[s] += 1
        plan.steps = steps
        plan.pending = [len(preds_of[k]) for k in order]
        plan.roots = [j for j, n in enumerate(plan.pending) if not n]
        plan.num_slots = len(slot_device)
        plan.slot_device = slot_device
        plan.devices = devices
        plan.feed_slots = list(feed_slots.values())
        plan.fetch_slots = fetch_slots
        plan.consumers = consumers
        feed_shapes = tuple(tuple(self.traced.feeds[_client_name(key[1])][0]) for key in feed_slots)
        return plan, feed_shapes

    def _transfer(self, recv_key, send, ops, devices, dev_index, n):
        origin, found = self._origin(recv_key[0], f"{recv_key[1]}:0")
        if found[0] == "feed":
            tensor = ops[found[1][1]]._outputs[0]
        else:
            tensor = ops[found[1][1]]._outputs[found[2]]
        recv = self.nodes[recv_key]
        x = Transfer(tensor, devices[dev_index[send.device]], devices[dev_index[recv.device]], n)
        # The name the run's memory events give this value: a cross-task receive is an op
        # of its own; a copy inside a task is the worker plan's transfer (its tensor_name).
        same_task = task_of(send.device) == task_of(recv.device)
        x.name = recv.attr["tensor_name"] if same_task else recv.name
        return x

    def _topological(self, items, preds_of):
        """Kahn's algorithm; among ready items the one earlier in the sorted partitions
        goes first, so the plan does not depend on which task answered first."""
        pending = {k: len(preds_of[k]) for k in items}
        succ = {k: [] for k in items}
        for k in items:
            for p in preds_of[k]:
                succ[p].append(k)
        ready = [(self.position[k], k) for k in items if not pending[k]]
        heapq.heapify(ready)
        order = []
        while ready:
            _, k = heapq.heappop(ready)
            order.append(k)
            for s in succ[k]:
                pending[s] -= 1
                if not pending[s]:
                    heapq.heappush(ready, (self.position[s], s))
        if len(order) != len(items):
            stuck = sorted(k[1] for k in items if pending[k])
            raise ValueError(f"The partition graphs wait for each other in a cycle: {stuck[:10]}")
        return order

    def _devices(self):
        alloc_names = {}
        for e in self.traced.events:
            if e.kind == "memory":
                alloc_names.setdefault(e.device, e.allocator)
        out = []
        for name in self.devices:
            d = DeviceSpec.from_string(name)
            kind = (d.device_type or "CPU").upper()
            default = f"GPU_{d.device_index or 0}_bfc" if kind == "GPU" else "cpu"
            out.append(
                TaskDevice(
                    name,
                    kind,
                    _Physical(self.traced.devices.get(name, "")),
                    _Allocator(alloc_names.get(name, default)),
                )
            )
        return out
