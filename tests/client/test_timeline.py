"""Timeline: TensorFlow's chrome-trace export of a traced step."""

import json

import teachflow as tf
from teachflow.client import timeline

TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def traced(config=None):
    with tf.device("/gpu:0"):
        a = tf.constant([1.0, 2.0], name="a") * 2.0
    with tf.device("/gpu:1"):
        b = tf.add(a, 1.0, name="b")
    md = tf.RunMetadata()
    with tf.Session(config=config or tf.ConfigProto(simulated_gpus=2)) as sess:
        sess.run(b, options=TRACE, run_metadata=md)
    return md


def test_chrome_trace_has_processes_ops_flows_and_memory():
    md = traced()
    trace = json.loads(
        timeline.Timeline(md.step_stats).generate_chrome_trace_format(
            show_dataflow=True, show_memory=True
        )
    )
    events = trace["traceEvents"]
    processes = {e["args"]["name"] for e in events if e.get("name") == "process_name"}
    assert any(p.endswith("device:GPU:0 Compute") for p in processes)
    assert any(p.endswith("device:GPU:1 Compute") for p in processes)
    ops = [e for e in events if e["ph"] == "X"]
    b = next(e for e in ops if e["args"]["name"] == "b")
    assert b["name"] == "AddV2" and b["dur"] >= 0 and "input0" in b["args"]
    recv = [e for e in ops if e["name"] == "_Recv"]
    assert recv and recv[0]["cname"] == "terrible" and recv[0]["cat"] == "Transfer"
    starts = [e for e in events if e["ph"] == "s"]
    ends = [e for e in events if e["ph"] == "f"]
    assert starts and {e["id"] for e in starts} == {e["id"] for e in ends}
    counters = [e for e in events if e["ph"] == "C"]
    assert any(e["name"] == "Memory/GPU_1_bfc" for e in counters)


def test_without_dataflow_or_memory():
    md = traced()
    events = json.loads(
        timeline.Timeline(md.step_stats).generate_chrome_trace_format(show_dataflow=False)
    )["traceEvents"]
    assert not [e for e in events if e["ph"] in ("s", "f", "C")]
