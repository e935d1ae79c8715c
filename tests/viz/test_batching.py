"""EventBatcher and event_to_dict: driven by a fake clock, no sleeps."""

from __future__ import annotations

import json

import pytest

from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent
from teachflow.viz.widgets.batching import EventBatcher, event_to_dict

DEV = "/job:localhost/replica:0/task:0/device:GPU:0"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def op(i, step=1, start=None):
    start = 1_000 * i if start is None else start
    return OpEvent(step, DEV, f"n{i}", "MatMul", start, start + 500, 7, 16, (f"a{i}:0",))


def make(**kw):
    out = []
    clock = Clock()
    b = EventBatcher(out.append, clock=clock, **kw)
    return b, out, clock


def test_nothing_flushed_before_interval():
    b, out, _ = make(interval=0.1)
    b.add(StepEvent(1, "start", 0))
    b.add(op(1))
    b.tick(0.05)
    assert out == []
    assert b.pending() == 2
    b.tick(0.1)
    assert len(out) == 1 and [d["kind"] for d in out[0]] == ["step", "op"]
    assert b.pending() == 0


def test_at_most_one_flush_per_interval():
    b, out, _ = make(interval=0.1)
    b.add(StepEvent(1, "start", 0))
    b.tick(0.1)
    b.add(op(1))
    b.tick(0.15)  # 0.05 s after the last flush: waits
    assert len(out) == 1
    b.tick(0.2)
    assert len(out) == 2


def test_step_end_flushes_at_once():
    b, out, _ = make(interval=10.0)
    b.add(StepEvent(1, "start", 0))
    b.add(op(1))
    b.tick(0.001)
    assert out == []
    b.add(StepEvent(1, "end", 5_000))
    b.tick(0.002)
    assert [d["kind"] for d in out[0]] == ["step", "op", "step"]
    assert out[0][-1]["phase"] == "end"


def test_empty_tick_does_not_flush():
    b, out, _ = make()
    b.tick(100.0)
    b.flush_now()
    assert out == []


def test_order_kept_and_max_batch_respected():
    b, out, _ = make(max_batch=3)
    b.add(StepEvent(1, "start", 0))
    for i in range(1, 11):
        b.add(op(i))
    b.flush_now()
    assert [len(batch) for batch in out] == [3, 3, 3, 2]
    names = [d["node"] for batch in out for d in batch if d["kind"] == "op"]
    assert names == [f"n{i}" for i in range(1, 11)]


def test_kinds_pass_on_only_the_events_a_view_draws():
    b, out, _ = make(interval=0.1, kinds=("op", "step"))
    b.add(StepEvent(1, "start", 0))
    b.add(MemoryEvent(1, DEV, "gpu", 100, 64, 64, "n1"))
    b.add(op(1))
    b.add(TransferEvent(1, "/cpu:0", DEV, "t:0", 8, 0, 10, 1))
    b.flush_now()
    assert [d["kind"] for d in out[0]] == ["step", "op"]
    assert b.pending() == 0


def test_keep_steps_converts_only_the_newest_steps_but_counts_them_all():
    b, out, _ = make(interval=0.1, keep_steps=2)
    for step in (1, 2, 3):
        b.add(StepEvent(step, "start", step * 10_000))
        b.add(op(step, step=step, start=step * 10_000 + 1))
        b.add(StepEvent(step, "end", step * 10_000 + 900))
    b.flush_now()
    got = [(d["kind"], d["step"]) for d in out[0]]
    assert [g for g in got if g[0] == "op"] == [("op", 2), ("op", 3)]
    assert [g for g in got if g[0] == "step"] == [("step", s) for s in (1, 1, 2, 2, 3, 3)]


def test_add_is_plain_append():
    b, _, _ = make()
    # The bus callback is the deque's own append: no Python code runs per event.
    assert b.add == b._queue.append
    assert type(b.add).__name__ == "builtin_function_or_method"


def test_times_relative_to_first_step_start():
    b, out, _ = make()
    b.add(StepEvent(1, "start", 10_000))
    b.add(op(0, start=12_500))
    b.add(StepEvent(2, "start", 50_000))
    b.add(op(1, step=2, start=51_000))
    b.flush_now()
    ops = [d for d in out[0] if d["kind"] == "op"]
    assert [(d["start_us"], d["end_us"]) for d in ops] == [(2.5, 3.0), (41.0, 41.5)]
    assert b.origin_ns == 10_000
    b.reset_origin()
    b.add(StepEvent(3, "start", 90_000))
    b.flush_now()
    assert out[-1][0]["time_us"] == 0.0


def test_op_dict():
    d = event_to_dict(op(1), 0)
    assert d == {
        "kind": "op",
        "step": 1,
        "device": DEV,
        "node": "n1",
        "op": "MatMul",
        "family": "matrix",
        "start_us": 1.0,
        "end_us": 1.5,
        "bytes": 16,
        "inputs": ["a1:0"],
        "thread": 7,
    }
    json.dumps(d)


def test_transfer_memory_step_dicts():
    t = event_to_dict(TransferEvent(3, "/gpu:0", "/gpu:1", "mul:0", 8, 2_000, 3_000, 1), 1_000)
    assert t["kind"] == "transfer" and t["family"] == "transfer"
    assert (t["src"], t["dst"], t["device"], t["bytes"]) == ("/gpu:0", "/gpu:1", "/gpu:1", 8)
    assert (t["start_us"], t["end_us"], t["node"], t["step"]) == (1.0, 2.0, "mul:0", 3)
    m = event_to_dict(MemoryEvent(3, DEV, "GPU_0_bfc", 4_000, 8, 20, "mul"), 1_000)
    assert (m["kind"], m["time_us"], m["delta"], m["live_bytes"]) == ("memory", 3.0, 8, 20)
    s = event_to_dict(StepEvent(3, "end", 1_500, error="boom"), 1_000)
    assert s == {"kind": "step", "step": 3, "phase": "end", "time_us": 0.5, "error": "boom"}
    for d in (t, m, s):
        json.dumps(d)


def test_dicts_are_deterministic():
    e = op(4)
    assert event_to_dict(e, 123) == event_to_dict(e, 123)


def test_stop_flushes_what_is_left():
    b, out, _ = make(interval=10.0)
    b.start()
    assert b.running
    b.add(StepEvent(1, "start", 0))
    b.stop()
    assert not b.running
    assert [d["kind"] for batch in out for d in batch] == ["step"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="interval"):
        EventBatcher(print, interval=0)
    with pytest.raises(ValueError, match="max_batch"):
        EventBatcher(print, max_batch=0)
