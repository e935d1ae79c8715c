"""Chrome-trace (Perfetto) JSON from a step's stats: the format chrome://tracing and
ui.perfetto.dev open.

One *process* per device, one *thread* (lane) per executor thread on it, one complete
event (``"ph": "X"``) per node, flow arrows (``"s"``/``"f"``) along data edges, and memory
counters (``"C"``) per allocator. Colours follow the reserved palette: transfers red.
"""

from __future__ import annotations

import json
import re

_LABEL = re.compile(r"^(?P<node>[^=]+?) = (?P<type>[^(]+)\((?P<inputs>.*)\)$")


def _parse_label(label: str):
    m = _LABEL.match(label or "")
    if not m:
        return None, label, []
    inputs = [i.strip() for i in m.group("inputs").split(",") if i.strip()]
    return m.group("node"), m.group("type"), inputs


def _tensor_op(name: str) -> str:
    name = name.lstrip("^")
    return name.rsplit(":", 1)[0] if ":" in name else name


def chrome_trace(step_stats, show_dataflow=True, show_memory=False) -> dict:
    """The trace as a dict with ``traceEvents`` (see `json.dumps`)."""
    events = []
    pids = {}
    producers = {}  # node name -> (pid, tid, ts_end_us)
    consumers = []  # (node, pid, tid, ts_us, [input op names])
    for dev in step_stats.dev_stats:
        pid = pids.setdefault(dev.device, len(pids))
        events.append(
            {
                "name": "process_name",
                "ph": "M",
                "pid": pid,
                "args": {"name": f"{dev.device} Compute"},
            }
        )
        events.append(
            {"name": "process_sort_index", "ph": "M", "pid": pid, "args": {"sort_index": pid}}
        )
        lanes = {}
        for ns in dev.node_stats:
            tid = lanes.setdefault(ns.thread_id, len(lanes))
            node, op_type, inputs = _parse_label(ns.timeline_label)
            ts = ns.all_start_micros
            dur = max(ns.all_end_rel_micros, 0)
            if ns.all_start_nanos:
                ts = ns.all_start_nanos / 1000.0
                dur = max(ns.all_end_rel_nanos, 0) / 1000.0
            args = {"name": ns.node_name, "op": op_type}
            for k, inp in enumerate(inputs):
                args[f"input{k}"] = inp
            ev = {
                "name": op_type,
                "ph": "X",
                "ts": ts,
                "dur": dur,
                "pid": pid,
                "tid": tid,
                "cat": "Op",
                "args": args,
            }
            if op_type == "_Recv":
                ev["cname"] = "terrible"  # the reserved transfer colour (red)
                ev["cat"] = "Transfer"
            events.append(ev)
            producers[ns.node_name] = (pid, tid, ts + dur)
            consumers.append((ns.node_name, pid, tid, ts, inputs, op_type))
        for thread, lane in lanes.items():
            events.append(
                {
                    "name": "thread_name",
                    "ph": "M",
                    "pid": pid,
                    "tid": lane,
                    "args": {"name": f"thread {thread}"},
                }
            )
    if show_dataflow:
        flow_id = 0
        for _node, pid, tid, ts, inputs, op_type in consumers:
            sources = [_tensor_op(i) for i in inputs]
            if op_type == "_Recv":
                sources = []
            for src in sources:
                p = producers.get(src)
                if p is None:
                    continue
                flow_id += 1
                events.append(
                    {
                        "name": "dataflow",
                        "cat": "DataFlow",
                        "ph": "s",
                        "id": flow_id,
                        "pid": p[0],
                        "tid": p[1],
                        "ts": p[2],
                    }
                )
                events.append(
                    {
                        "name": "dataflow",
                        "cat": "DataFlow",
                        "ph": "f",
                        "bp": "e",
                        "id": flow_id,
                        "pid": pid,
                        "tid": tid,
                        "ts": ts,
                    }
                )
    if show_memory:
        for dev in step_stats.dev_stats:
            pid = pids[dev.device]
            for ns in dev.node_stats:
                for mem in ns.memory:
                    ts = ns.all_start_nanos / 1000.0 if ns.all_start_nanos else ns.all_start_micros
                    events.append(
                        {
                            "name": f"Memory/{mem.allocator_name}",
                            "ph": "C",
                            "pid": pid,
                            "ts": ts,
                            "args": {mem.allocator_name: mem.live_bytes},
                        }
                    )
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def chrome_trace_json(step_stats, show_dataflow=True, show_memory=False, indent=None) -> str:
    return json.dumps(chrome_trace(step_stats, show_dataflow, show_memory), indent=indent)
