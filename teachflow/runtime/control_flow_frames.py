"""While loops in the executor: TF1's frames and iterations.

A v1 ``tf.while_loop`` is a *frame*: the ops between its ``Enter`` and ``Exit`` nodes (all
tagged with one ``frame_name``), with one back edge per loop variable, ``NextIteration`` ->
``Merge``. TensorFlow's executor keeps a ``FrameState`` per running frame and an
``IterationState`` per iteration: each iteration has its own copy of every tensor of the
frame. This module does the same with one frame at a time:

* the plan (`teachflow.runtime.plan`) sees a whole top-level frame as one step, a `LoopFrame`,
  that reads the tensors its ``Enter`` nodes bring in and writes its ``Exit`` tensors;
* running that step runs the frame's ops one *iteration* after another, each in a topological
  order of the frame without its back edges: a loop variable's ``Enter`` is live in iteration
  0 only, a constant ``Enter`` (a captured tensor) in every iteration, a ``NextIteration``'s
  value goes to the next iteration's ``Merge``; deadness is as in the rest of the executor
  (`teachflow.runtime.control_flow`), so when ``LoopCond`` is false the body is dead, every
  ``NextIteration`` is dead, the ``Exit`` nodes are live, and the frame is done;
* a loop inside a loop is a `LoopFrame` inside the outer frame's order, run once per outer
  iteration.

TF runs up to ``parallel_iterations`` iterations at once; here they run one after another
(the same values: iterations only overlap where nothing depends on the previous one). The
frame is one step of the plan: a trace shows it as one node (named after the frame, type
``Frame``) and, within its time, each op of each iteration that ran (TF's step stats list
every execution of a loop's nodes).

>>> import teachflow as tf
>>> r = tf.while_loop(lambda i: i < 10, lambda i: i + 4, [tf.constant(1)])
>>> with tf.Session() as sess:
...     print(sess.run(r))
13
"""

from __future__ import annotations

import contextvars
import heapq
import threading
import time
from dataclasses import dataclass

from teachflow.framework import errors, registry
from teachflow.ops.control_flow_primitives import DEAD, MERGE_TYPES
from teachflow.ops.kernel_context import step_deadline
from teachflow.runtime.kernel_errors import annotate_error
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import OpEvent

# Set by the executor around a traced step: ``(step_id, emit)``. A frame then reports each
# op of each iteration, as TF's step stats list every execution of a loop's nodes.
inner_events: contextvars.ContextVar = contextvars.ContextVar(
    "teachflow_frame_inner_events", default=None
)

ENTER_TYPES = frozenset({"Enter", "RefEnter"})
EXIT_TYPES = frozenset({"Exit", "RefExit"})
NEXT_TYPES = frozenset({"NextIteration", "RefNextIteration"})
FRAME_TYPE = "Frame"  # the type a LoopFrame step shows in traces
_TRANSFER_TYPES = frozenset({"_Send", "_Recv", "_HostSend", "_HostRecv"})


def has_loops(ops) -> bool:
    return any(op.type in ENTER_TYPES for op in ops)


def frame_of_ops(needed) -> dict:
    """Each op's frame name ("" outside every loop) and each frame's parent (TF's
    ``BuildControlFlowInfo``): an Enter is in its ``frame_name``, what an Exit feeds is in
    the parent frame, everything else in its producer's frame."""
    frame = {}
    parent = {"": None}
    stack = [op for op in needed if not any(t.op in needed for t in op._inputs)]
    stack = [op for op in stack if not any(c in needed for c in op._control_inputs)]
    for op in stack:
        frame[op] = _enter_frame(op, "", parent) if op.type in ENTER_TYPES else ""
    while stack:
        src = stack.pop()
        # What an Exit feeds is in the parent frame (an Enter there starts a frame whose
        # parent is that one: a gradient's backward loop reads the forward loop's count).
        here = parent[frame[src]] if src.type in EXIT_TYPES else frame[src]
        for dst in _consumers(src, needed):
            if dst in frame or (src.type in NEXT_TYPES and dst.type in MERGE_TYPES):
                continue  # (a back edge: the Merge takes its frame from its Enter)
            if dst.type in ENTER_TYPES:
                frame[dst] = _enter_frame(dst, here, parent)
            else:
                frame[dst] = here
            stack.append(dst)
    return frame, parent


def _enter_frame(op, here, parent):
    name = op._attrs["frame_name"]
    name = name.decode() if isinstance(name, bytes) else name
    parent.setdefault(name, here)
    return name


def _consumers(op, needed):
    out = []
    for t in op._outputs:
        out.extend(c for c in dict.fromkeys(t._consumers) if c in needed)
    out.extend(c for c in op._control_outputs if c in needed)
    return out


class _LoopOpDef:
    """What the plan reads of a step's op definition, for a whole frame."""

    __slots__ = ("cheap", "blocking", "ref_inputs")

    def __init__(self, blocking, n_inputs):
        self.cheap = False
        self.blocking = blocking
        self.ref_inputs = tuple(range(n_inputs))  # refs pass through to the frame's Enters


class LoopFrame:
    """A whole loop frame as one step of a plan: it reads ``_inputs`` (what its Enter nodes
    bring in) and writes ``_outputs`` (its Exit tensors). Looks enough like an `Operation`
    for the plan, the placer's records and the trace."""

    type = FRAME_TYPE

    def __init__(self, name, ops, frame, parent):
        self.name = name
        self.ops = ops  # the frame's own ops and its inner frames' ops
        self.frame = frame
        self.parent = parent
        mine = set(ops)
        self._inputs = tuple(dict.fromkeys(t for op in ops for t in op._inputs if t.op not in mine))
        self._control_inputs = list(
            dict.fromkeys(c for op in ops for c in op._control_inputs if c not in mine)
        )
        exits = [op for op in ops if op.type in EXIT_TYPES and frame[op] == name]
        exits.sort(key=lambda op: op._id)
        self.exits = exits
        self._outputs = tuple(op._outputs[0] for op in exits)
        self._id = min(op._id for op in ops)
        self._op_def = _LoopOpDef(
            any(registry.get(op.type).blocking for op in ops), len(self._inputs)
        )
        self._attrs = {}
        self.device = exits[0].device if exits else ""
        self.program = None  # the FrameProgram, built with the kernels

    def __repr__(self):
        return f"<LoopFrame {self.name}: {len(self.ops)} ops>"


def units_in_order(needed, fed, frame, parent, outer=""):
    """The ops of frame ``outer`` with each loop frame directly inside it as one
    `LoopFrame`, in a topological order that ignores the loops' back edges."""
    unit_of = {}
    loops = {}
    for op in needed:
        f = frame.get(op, "")
        if f == outer:
            unit_of[op] = op
            continue
        top = f  # the frame directly inside `outer` that holds op
        while top is not None and parent.get(top) != outer:
            top = parent.get(top)
        if top is None:
            continue
        loops.setdefault(top, []).append(op)
    for name, ops in loops.items():
        unit = LoopFrame(name, ops, frame, parent)
        for op in ops:
            unit_of[op] = unit
    return _kahn(set(unit_of.values()), unit_of, fed)


def _kahn(units, unit_of, fed):
    def deps(u):
        ops = u.ops if isinstance(u, LoopFrame) else [u]
        found = set()
        for op in ops:
            for t in op._inputs:
                if t in fed or (op.type in MERGE_TYPES and t.op.type in NEXT_TYPES):
                    continue  # fed, or a loop's back edge
                d = unit_of.get(t.op)
                if d is not None and d is not u:
                    found.add(d)
            for c in op._control_inputs:
                d = unit_of.get(c)
                if d is not None and d is not u:
                    found.add(d)
        return found

    waits = {u: deps(u) for u in units}
    users = {u: [] for u in units}
    for u, ds in waits.items():
        for d in ds:
            users[d].append(u)
    count = {u: len(ds) for u, ds in waits.items()}
    ready = [(u._id, id(u), u) for u, n in count.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, u = heapq.heappop(ready)
        order.append(u)
        for v in users[u]:
            count[v] -= 1
            if count[v] == 0:
                heapq.heappush(ready, (v._id, id(v), v))
    if len(order) != len(units):
        stuck = sorted(getattr(u, "name", "?") for u, n in count.items() if n > 0)
        raise errors.InvalidArgumentError(
            None, None, f"Graph has a cycle; these nodes never become ready: {stuck[:10]}"
        )
    return order


# -- running a frame ---------------------------------------------------------------------
@dataclass(slots=True)
class FrameNode:
    """One op (or inner frame) of a frame's iteration, ready to run."""

    op: object
    run: object  # kernel(*args), or an inner FrameProgram's run
    ins: tuple  # tensors it reads
    outs: tuple  # tensors it writes
    control: tuple  # ops (or inner frames) whose deadness it inherits
    kind: str | None  # "enter", "const_enter", "merge", "loop_merge", "next", "exit", ...
    device: str = ""  # where the op was placed (the events name it)


class FrameProgram:
    """A `LoopFrame`'s ops as `FrameNode` records, run one iteration after another."""

    def __init__(self, loop, kernel_for, device_for, fed):
        self.loop = loop
        self.device_name = ""
        crossing = sorted(op.name for op in loop.ops if op.type in _TRANSFER_TYPES)
        if crossing:
            # TF's partitioner gives such a frame "control loops" and keys its sends by
            # frame and iteration; a frame here runs whole, in one task.
            raise errors.UnimplementedError(
                None,
                None,
                f"While loop frame {loop.name} spans tasks: its ops {crossing[:3]} send or "
                "receive inside the loop, which teachflow does not run yet; place the "
                "loop's ops on one task (tf.device around the tf.while_loop).",
            )
        units = units_in_order(set(loop.ops), fed, loop.frame, loop.parent, loop.name)
        node_of = {}
        self.nodes = []
        for u in units:
            node = self._node(u, kernel_for, device_for, fed)
            node_of[u] = node
            self.nodes.append(node)
        self.inputs = loop._inputs
        self.exits = loop.exits

    def _node(self, u, kernel_for, device_for, fed):
        if isinstance(u, LoopFrame):
            u.program = FrameProgram(u, kernel_for, device_for, fed)
            control = tuple(u._control_inputs)
            return FrameNode(u, u.program.run, u._inputs, u._outputs, control, None)
        device = device_for(u)
        name = getattr(device, "name", "")
        kernel = _reading_refs(u, kernel_for(u, device))
        kind = None
        if u.type in ENTER_TYPES:
            kind = "const_enter" if u._attrs.get("is_constant") else "enter"
        elif u.type in MERGE_TYPES:
            back = any(t.op.type in NEXT_TYPES for t in u._inputs)
            kind = "loop_merge" if back else "merge"
        elif u.type in NEXT_TYPES:
            kind = "next"
        elif u.type in EXIT_TYPES:
            kind = "exit"
        elif u.type == "ControlTrigger":
            kind = "trigger"
        return FrameNode(u, kernel, u._inputs, u._outputs, tuple(u._control_inputs), kind, name)

    def run(self, *values):
        """The Exit values of the loop started with ``values`` (its inputs)."""
        outer = dict(zip(self.inputs, values))
        deadline = step_deadline.get()
        carried = {}  # NextIteration op -> its value, for the next iteration's Merge
        exits = {}
        iteration = 0
        while True:
            carried = self._iteration(outer, carried, exits, iteration)
            if not carried:
                return tuple(exits.get(op, DEAD) for op in self.exits)
            iteration += 1
            if deadline is not None and time.monotonic() > deadline:
                raise errors.DeadlineExceededError(
                    None,
                    None,
                    f"Timed out in while loop frame {self.loop.name} (iteration {iteration})",
                )

    def _iteration(self, outer, carried, exits, iteration):
        vals = {}
        dead = set()
        live_next = {}
        traced = inner_events.get()
        for node in self.nodes:
            kind = node.kind
            args = [self._arg(t, node, vals, outer, carried) for t in node.ins]
            if kind == "merge" or kind == "loop_merge":
                is_dead = all(a is DEAD for a in args)
            elif kind == "trigger":
                is_dead = False
            else:
                is_dead = any(a is DEAD for a in args) or any(c in dead for c in node.control)
                # A loop variable enters once; then its NextIteration feeds the Merge.
                is_dead = is_dead or (kind == "enter" and iteration > 0)
            if is_dead:
                dead.add(node.op)
                for t in node.outs:
                    vals[t] = DEAD
                continue
            t0 = time.perf_counter_ns()
            try:
                r = node.run(*args)
            except Exception as exc:  # noqa: BLE001 - becomes an OpError naming the op
                raise annotate_error(exc, node.op, node.device) from None
            if traced is not None and not isinstance(node.op, LoopFrame):
                _report(traced, node, t0)
            if not node.outs:
                pass  # an op run for its effect (an Assert, an assignment's NoOp group)
            elif len(node.outs) == 1:
                vals[node.outs[0]] = r[0] if isinstance(node.op, LoopFrame) else r
            else:
                for t, x in zip(node.outs, r):
                    vals[t] = x
            if kind == "next":
                live_next[node.op] = args[0]
            elif kind == "exit":
                exits[node.op] = vals[node.outs[0]]
        return live_next

    @staticmethod
    def _arg(t, node, vals, outer, carried):
        if node.kind == "loop_merge" and t.op.type in NEXT_TYPES:
            return carried.get(t.op, DEAD)
        if t in vals:
            return vals[t]
        return outer[t]


def _report(traced, node, t0):
    """One execution of an op of the frame, as the reference loop's event for a step."""
    step_id, emit = traced
    op = node.op
    names = tuple(t.name for t in op._inputs)
    t1 = time.perf_counter_ns()
    emit(OpEvent(step_id, node.device, op.name, op.type, t0, t1, threading.get_ident(), 0, names))


def _reading_refs(op, kernel):
    """The kernel, reading variables at inputs that take a value, not a reference."""
    positions = [
        i
        for i, t in enumerate(op._inputs)
        if t.dtype.is_ref_dtype and i not in op._op_def.ref_inputs
    ]
    if not positions:
        return kernel

    def kernel_reading_refs(*args):
        args = list(args)
        for p in positions:
            if type(args[p]) is VariableState:
                args[p] = args[p].read()
        return kernel(*args)

    return kernel_reading_refs


def frame_kernel(loop, kernel_for, device_for, fed):
    """The plan's kernel for a `LoopFrame` step: its Exit values, as one or a tuple."""
    program = loop.program = FrameProgram(loop, kernel_for, device_for, fed)
    if len(loop._outputs) == 1:
        return lambda *values: program.run(*values)[0]
    return program.run


def plan_order(needed, fed) -> list:
    """The plan's units for ``needed``: ops outside every loop, and each top-level loop
    frame as one `LoopFrame`, in a topological order."""
    frame, parent = frame_of_ops(needed)
    _refuse_transfers_inside_frames(needed, frame)
    return units_in_order(needed, fed, frame, parent, "")


def _refuse_transfers_inside_frames(needed, frame):
    """A send or receive inside a loop frame (a loop split over tasks) is TF's "control
    loop" case, which needs per-iteration rendezvous keys: refused, not left to hang."""
    crossing = []
    for op in needed:
        if op.type in NEXT_TYPES and not frame.get(op, ""):
            crossing.append(op.name)  # its input comes from another task
        elif op.type in ("_Send", "_HostSend"):
            src = op._inputs[0].op if op._inputs else None
            if src is not None and frame.get(src, "") and src.type not in EXIT_TYPES:
                crossing.append(op.name)
        elif op.type in ("_Recv", "_HostRecv"):
            users = _consumers(op, needed)
            if any(frame.get(u, "") and u.type not in ENTER_TYPES for u in users):
                crossing.append(op.name)
    if crossing:
        name = next((f for f in frame.values() if f), "?")
        raise errors.UnimplementedError(
            None,
            None,
            f"While loop frame {name} spans tasks: {sorted(crossing)[:3]} send or receive "
            "inside the loop, which teachflow does not run yet; place the loop's ops on one "
            "task (tf.device around the tf.while_loop).",
        )


def with_frames(kernel_for, device_for, fed):
    """``kernel_for`` and ``device_for`` that also answer for a `LoopFrame` (placed with
    its first Exit; its kernel runs the frame's iterations)."""

    def frame_device_for(op):
        if isinstance(op, LoopFrame):
            return device_for(op.exits[0] if op.exits else op.ops[0])
        return device_for(op)

    def frame_kernel_for(op, device):
        if isinstance(op, LoopFrame):
            return frame_kernel(op, kernel_for, device_for, fed)
        return kernel_for(op, device)

    return frame_kernel_for, frame_device_for
