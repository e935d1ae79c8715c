"""Views over real TensorFlow runs: what TensorFlow hands you, as what the views read.

A TensorFlow job leaves three kinds of record a person wants to look at:

* its graph: a ``GraphDef`` message, its bytes (a ``.pb`` file) or its text (``.pbtxt``);
* a traced step: a ``RunMetadata`` message from a ``FULL_TRACE`` run (step stats per device,
  partition graphs) or its bytes;
* a Chrome trace: the JSON ``timeline.Timeline(...).generate_chrome_trace_format()`` wrote.

`run_metadata_of` and `graph_def_of` turn each into what `show_graph`, `plot_timeline`,
`plot_memory`, `show_placement` and ``client.timeline.Timeline`` read, so the same views
work over teachflow's runs and TensorFlow's.

    >>> from teachflow.proto import messages
    >>> from teachflow.viz import tensorflow_sources
    >>> pb = messages.RunMetadata()
    >>> pb.step_stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:GPU:0")
    ... # doctest: +ELLIPSIS
    device: ...
    >>> md = tensorflow_sources.run_metadata_of(pb.SerializeToString())
    >>> [d.device for d in md.step_stats.dev_stats]
    ['/job:localhost/replica:0/task:0/device:GPU:0']
"""

from __future__ import annotations

import json
import os
import re

from google.protobuf import text_format

from teachflow.proto import messages
from teachflow.runtime import step_stats as ss
from teachflow.runtime import step_stats_proto
from teachflow.runtime.config import RunMetadata

__all__ = [
    "run_metadata_of",
    "graph_def_of",
    "is_graph_def_source",
    "step_stats_from_chrome_trace",
]


def _full_name(x) -> str:
    descriptor = getattr(x, "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", "") if descriptor is not None else ""


def _read_path(x):
    """The content of a file path (str or PathLike), else ``x`` itself."""
    if isinstance(x, os.PathLike) or (
        isinstance(x, str) and "\n" not in x and len(x) < 4096 and os.path.isfile(x)
    ):
        path = os.fspath(x)
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith((".json", ".pbtxt", ".txt")):
            return data.decode("utf-8")
        return data
    return x


def _chrome_trace(x):
    """The parsed Chrome trace in ``x`` (JSON text or dict), or None."""
    if isinstance(x, dict) and "traceEvents" in x:
        return x
    if isinstance(x, str) and x.lstrip().startswith("{"):
        try:
            parsed = json.loads(x)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) and "traceEvents" in parsed else None
    return None


def run_metadata_of(x):
    """``x`` as a teachflow `RunMetadata` when it is one of TensorFlow's forms (a
    ``RunMetadata`` or ``StepStats`` message, ``RunMetadata`` bytes, a Chrome trace as JSON
    text or dict, or the path of such a file); anything else is returned unchanged."""
    x = _read_path(x)
    name = _full_name(x)
    if name.endswith(".RunMetadata"):
        return RunMetadata.FromString(x)
    if name.endswith(".StepStats"):
        return RunMetadata(step_stats=step_stats_proto.from_proto(x))
    if isinstance(x, (bytes, bytearray, memoryview)):
        return RunMetadata.FromString(bytes(x))
    trace = _chrome_trace(x)
    if trace is not None:
        return RunMetadata(step_stats=step_stats_from_chrome_trace(trace))
    return x


def is_graph_def_source(x) -> bool:
    """True for a ``GraphDef`` message, its bytes, or a ``.pb``/``.pbtxt`` path."""
    if _full_name(x).endswith(".GraphDef") or isinstance(x, (bytes, bytearray)):
        return True
    return isinstance(x, (str, os.PathLike)) and os.fspath(x).endswith((".pb", ".pbtxt"))


def graph_def_of(x) -> messages.GraphDef:
    """TensorFlow's ``GraphDef`` from a message, its bytes, its text, or a file of either."""
    x = _read_path(x)
    if _full_name(x).endswith(".GraphDef"):
        return x
    if isinstance(x, (bytes, bytearray, memoryview)):
        return messages.GraphDef.FromString(bytes(x))
    if isinstance(x, str):
        return text_format.Parse(x, messages.GraphDef())
    raise TypeError(f"Expected a GraphDef, its bytes or text, or a file; got {type(x).__name__}")


# -- Chrome traces ------------------------------------------------------------------------
_LANE_SUFFIX = re.compile(r" (Compute|Tensors|Memcpy)$")


def step_stats_from_chrome_trace(trace) -> ss.StepStats:
    """The step stats a Chrome trace (TensorFlow's ``timeline`` JSON) records: one node per
    complete ("X") op event, on the device its process is named after. A trace keeps times
    in microseconds, op types and inputs; memory counters are not per device, so a trace's
    step stats carry no memory."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    devices = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "process_name":
            devices[e.get("pid")] = _LANE_SUFFIX.sub("", str(e.get("args", {}).get("name", "")))
    by_device = {}
    for e in events:
        if e.get("ph") != "X":
            continue
        args = e.get("args") or {}
        device = devices.get(e.get("pid"), str(e.get("pid")))
        node = str(args.get("name", e.get("name", "")))
        op_type = str(args.get("op", e.get("name", "")))
        inputs = [str(args[k]) for k in sorted(args) if re.fullmatch(r"input\d+", k)]
        start = int(round(float(e.get("ts", 0))))
        dur = int(round(float(e.get("dur", 0))))
        stats = by_device.setdefault(device, ss.DeviceStepStats(device=device))
        stats.node_stats.append(
            ss.NodeExecStats(
                node_name=node,
                all_start_micros=start,
                op_end_rel_micros=dur,
                all_end_rel_micros=dur,
                timeline_label=f"{node} = {op_type}({', '.join(inputs)})",
                scheduled_micros=start,
                thread_id=int(e.get("tid", 0) or 0),
                all_start_nanos=start * 1000,
                op_end_rel_nanos=dur * 1000,
                all_end_rel_nanos=dur * 1000,
            )
        )
    if not by_device:
        raise ValueError("The Chrome trace has no op events (ph 'X') to read step stats from")
    return ss.StepStats(dev_stats=list(by_device.values()))
