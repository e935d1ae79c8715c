"""Reading a traced step back from RunMetadata or from events, the same either way."""

import pytest

from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent
from teachflow.viz.step_records import match_device, read_steps, short_device, task_of

from .conftest import GPU0, GPU1


def test_run_metadata_and_events_tell_the_same_step(traced_run):
    (from_stats,) = read_steps(traced_run.md)
    first = traced_run.events[0].step_id
    (from_events,) = read_steps(traced_run.events, steps=first)
    assert sorted((o.device, o.node, o.op_type) for o in from_stats.ops) == sorted(
        (o.device, o.node, o.op_type) for o in from_events.ops
    )
    for step in (from_stats, from_events):
        (move,) = step.transfers
        assert (move.src_device, move.dst_device, move.tensor) == (GPU0, GPU1, "h:0")
        assert step.start_ns <= min(o.start_ns for o in step.ops)
        assert step.end_ns >= max(o.end_ns for o in step.ops)
    ops = {o.node: o for o in from_stats.ops}
    assert ops["y"].inputs == ("h:0", "h:0")


def test_events_are_grouped_by_step_and_bounded_by_the_step_events():
    dev = "/job:localhost/replica:0/task:0/device:CPU:0"
    events = [
        StepEvent(2, "start", 100),
        OpEvent(2, dev, "a", "Add", 150, 300, 1, 8, ()),
        MemoryEvent(2, dev, "cpu", 290, 8, 8, "a"),
        StepEvent(3, "start", 1000),
        TransferEvent(3, dev, dev.replace("CPU", "GPU"), "a:0", 8, 1100, 1200, 1),
        StepEvent(3, "end", 1500, error="boom"),
        StepEvent(2, "end", 400),
    ]
    two, three = read_steps(events)
    assert (two.step_id, two.start_ns, two.end_ns) == (2, 100, 400)
    assert two.memory[0].before == 0 and two.memory[0].live_bytes == 8
    assert two.peaks == {dev: 8}
    assert (three.step_id, three.duration_ns, three.error) == (3, 500, "boom")
    assert [s.step_id for s in read_steps(events, steps=[3])] == [3]
    with pytest.raises(ValueError, match="No step with id"):
        read_steps(events, steps=9)


def test_a_mix_of_records_is_refused(traced_run):
    with pytest.raises(TypeError, match="not a mix"):
        read_steps([traced_run.md, traced_run.events[0]])


def test_device_names():
    full = "/job:worker/replica:0/task:1/device:GPU:0"
    assert short_device(full) == "GPU:0"
    assert task_of(full) == "/job:worker/replica:0/task:1"
    assert match_device(full, "/gpu:0") and match_device(full, "GPU:0")
    assert match_device(full, "/device:GPU:0") and match_device(full, full)
    assert match_device(full, "/job:worker/replica:0/task:1")
    assert not match_device(full, "/gpu:1") and not match_device(full, "/job:ps/replica:0")
