"""LiveTimeline, Python side: traits after real runs, trimming, pause, exports. No browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import teachflow as tf
from teachflow.trace.events import bus
from teachflow.viz import LiveTimeline

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


@pytest.fixture
def two_gpu_run():
    with tf.device("/gpu:0"):
        a = tf.constant([1.0, 2.0])
        b = a * 2.0
    with tf.device("/gpu:1"):
        c = b + 1.0
    sess = tf.Session(config=tf.ConfigProto(simulated_gpus=2))
    return lambda: sess.run(c)


def test_recording_a_run_fills_the_traits(two_gpu_run):
    lt = LiveTimeline()
    with lt.recording():
        out = two_gpu_run()
    lt.flush()
    assert list(out) == [3.0, 5.0]
    assert lt.devices == [GPU0, GPU1]
    ops = {(e["node"], e["device"], e["op"]) for e in lt.events if e["kind"] == "op"}
    assert ("mul", GPU0, "Mul") in ops and ("add", GPU1, "AddV2") in ops
    transfers = [e for e in lt.events if e["kind"] == "transfer"]
    assert [(t["src"], t["dst"], t["node"]) for t in transfers] == [(GPU0, GPU1, "mul:0")]
    assert len(lt.steps) == 1
    assert all(e["step"] == lt.steps[0] for e in lt.events)
    assert all(e["end_us"] >= e["start_us"] >= 0 for e in lt.events)
    mul = next(e for e in lt.events if e["node"] == "mul")
    assert mul["family"] == "math" and mul["inputs"] == ["Const:0", "mul/y:0"]
    assert lt.palette["transfer"] == "#d62728"


def test_detach_leaves_no_subscriber(two_gpu_run):
    before = bus.active
    lt = LiveTimeline().attach()
    assert bus.active and lt.attached
    lt.detach()
    assert not lt.attached and bus.active == before
    assert lt._batcher.add not in bus._subscribers
    assert not lt._batcher.running
    two_gpu_run()
    lt.flush()
    assert lt.events == []


def test_bus_callback_is_a_plain_append():
    lt = LiveTimeline()
    with lt.recording():
        (callback,) = [s for s in bus._subscribers if s == lt._batcher.add]
        assert callback == lt._batcher._queue.append


def test_keep_steps_trims_old_steps(two_gpu_run):
    lt = LiveTimeline(keep_steps=2)
    with lt.recording():
        for _ in range(4):
            two_gpu_run()
    lt.flush()
    assert len(lt.steps) == 2
    assert {e["step"] for e in lt.events} == set(lt.steps)
    first_kept = lt.steps[0]
    lt.keep_steps = 1
    assert len(lt.steps) == 1 and lt.steps[0] > first_kept
    assert {e["step"] for e in lt.events} == set(lt.steps)
    with pytest.raises(ValueError, match="keep_steps"):
        LiveTimeline(keep_steps=0)


def test_pause_buffers_until_resumed(two_gpu_run):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
        lt.flush()
        shown = list(lt.events)
        lt.paused = True
        two_gpu_run()
        lt.flush()
        assert lt.events == shown and len(lt.steps) == 1
    lt.paused = False
    assert len(lt.steps) == 2
    assert len(lt.events) == 2 * len(shown)


def test_clear_empties(two_gpu_run):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    lt.clear()
    assert (lt.events, lt.steps, lt.devices) == ([], [], [])
    with lt.recording():
        two_gpu_run()
    # Times start again at the new first step.
    assert min(e["start_us"] for e in lt.events) < 1e6


def test_to_chrome_trace_has_an_x_event_per_op(two_gpu_run):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    trace = lt.to_chrome_trace()
    json.dumps(trace)
    xs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    ops = [e for e in lt.events if e["kind"] == "op"]
    assert sorted(e["args"]["name"] for e in xs if e["cat"] == "Op") == sorted(
        e["node"] for e in ops
    )
    (transfer,) = [e for e in xs if e["cat"] == "Transfer"]
    assert transfer["cname"] == "terrible"
    names = {e["pid"]: e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert names == {0: GPU0, 1: GPU1}
    assert names[transfer["pid"]] == GPU1


def test_save_html_is_standalone(two_gpu_run, tmp_path):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    path = tmp_path / "t.html"
    assert lt.save_html(path) == str(path)
    page = path.read_text(encoding="utf-8")
    assert "export default { render }" in page
    assert "function render({ model, el })" in page
    assert '"node":"mul"' in page and GPU1 in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    state = page.split('id="tf-state">', 1)[1].split("</script>", 1)[0]
    assert len(json.loads(state)["events"]) == len(lt.events)


def test_assets_are_read_from_the_package():
    lt = LiveTimeline()
    assert "export default" in lt._esm and ".tf-lt" in lt._css
    assert "https://" not in lt._esm


def test_static_fallback(two_gpu_run):
    lt = LiveTimeline()
    empty = lt._repr_mimebundle_()
    assert "no events yet" in empty["image/svg+xml"]
    with lt.recording():
        two_gpu_run()
    bundle = lt._repr_mimebundle_()
    assert bundle["text/plain"].startswith("LiveTimeline(steps=[")
    assert "transfers=1" in bundle["text/plain"]
    svg = bundle["image/svg+xml"]
    assert svg.startswith("<svg") and svg.count("</title></rect>") == len(lt.events)
    # Each lane beside its device's session colour, as in the live page.
    for device in lt.devices:
        assert f'fill="{lt.device_colors[device]}"/>' in svg
    assert svg.count('class="device-swatch"') == len(lt.devices)
    assert "#d62728" in svg and ">GPU:1<" in svg
    assert "application/vnd.jupyter.widget-view+json" in bundle


@pytest.fixture
def page_messages(monkeypatch):
    """A timeline whose messages to the page are recorded instead of sent."""
    lt = LiveTimeline()
    sent = []
    monkeypatch.setattr(lt, "send", sent.append)
    return lt, sent


def test_each_update_sends_only_the_new_events(two_gpu_run, page_messages):
    lt, sent = page_messages
    with lt.recording():
        two_gpu_run()
        lt.flush()
        two_gpu_run()
    appends = [m for m in sent if m["type"] == "append"]
    assert len(appends) >= 2 and all(m["type"] == "append" for m in sent)
    delivered = [e for m in appends for e in m["events"]]
    # Every held event went to the page once, none twice, in order.
    assert delivered == lt.events
    assert appends[-1]["steps"] == lt.steps and len(lt.steps) == 2
    json.dumps(sent)


def test_a_view_that_opens_asks_for_everything_once(two_gpu_run, page_messages):
    lt, sent = page_messages
    with lt.recording():
        two_gpu_run()
    sent.clear()
    lt._on_page_message(lt, {"type": "sync"}, [])
    (reset,) = sent
    assert reset["type"] == "reset" and reset["events"] == lt.events
    assert reset["steps"] == lt.steps
    lt._on_page_message(lt, {"type": "something else"}, [])
    assert len(sent) == 1


def test_trimming_steps_tells_the_page(two_gpu_run, page_messages):
    lt, sent = page_messages
    lt.keep_steps = 3
    with lt.recording():
        for _ in range(4):
            two_gpu_run()
    assert len(lt.steps) == 3
    assert lt.numbers == [2, 3, 4]  # the session's numbers of the kept steps
    last = sent[-1]
    assert last["steps"] == lt.steps
    assert {e["step"] for e in last["events"]} <= set(lt.steps)
    sent.clear()
    lt.keep_steps = 1
    (reset,) = sent
    assert reset["type"] == "reset" and {e["step"] for e in reset["events"]} == set(lt.steps)
    assert lt.numbers == [4]
    sent.clear()
    lt.clear()
    assert sent == [{"type": "reset", "events": [], "steps": []}]
    assert lt.numbers == []


def test_save_chrome_trace_writes_json(two_gpu_run, tmp_path):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    path = lt.save_chrome_trace(tmp_path / "t.json")
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == lt.to_chrome_trace()


def test_the_saved_page_answers_the_module_s_sync(two_gpu_run, tmp_path):
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    page = Path(lt.save_html(tmp_path / "t.html")).read_text(encoding="utf-8")
    # The page stands in for the kernel: it answers "sync" with a "reset" of its events.
    assert 'msg.type === "sync"' in page and 'type: "reset", events: state.events' in page
    assert 'model.send({ type: "sync" })' in page


def test_lanes_take_the_sessions_device_colours(two_gpu_run, tmp_path):
    from teachflow.viz import palette

    # A view shown before (say the cluster view) coloured GPU:1 first.
    earlier = palette.color_table([GPU1])
    lt = LiveTimeline()
    with lt.recording():
        two_gpu_run()
    lt.flush()
    assert lt.device_colors[GPU1] == earlier[GPU1] == palette.QUALITATIVE[0]
    assert lt.device_colors == palette.color_table([GPU0, GPU1])
    page = Path(lt.save_html(tmp_path / "t.html")).read_text(encoding="utf-8")
    assert f'"{GPU1}":"{earlier[GPU1]}"' in page
