"""What the live timeline's events become outside a live notebook: Chrome-trace JSON, a
standalone HTML page, and a small static SVG for nbconvert, nbmake and GitHub previews.

The events are the dicts of `teachflow.viz.widgets.batching.event_to_dict`.

    >>> ev = {"kind": "op", "step": 1, "device": "/cpu:0", "node": "a", "op": "Const",
    ...       "family": "array", "start_us": 0.0, "end_us": 2.5, "inputs": [], "thread": 0}
    >>> [e["ph"] for e in chrome_trace([ev], ["/cpu:0"])["traceEvents"]]
    ['M', 'X']
    >>> timeline_svg([ev], ["/cpu:0"], {}).count("<rect")
    1
"""

from __future__ import annotations

import html
import json

from teachflow.viz import palette

__all__ = ["chrome_trace", "standalone_html", "timeline_svg"]


def _short(device: str) -> str:
    return device.rsplit("device:", 1)[-1] if "device:" in device else device


def chrome_trace(events, devices) -> dict:
    """A Chrome-trace dict (chrome://tracing, ui.perfetto.dev) of timeline events.

    One process per device, one thread per executor thread, an ``"X"`` event per op
    and per transfer (transfers on the receiving device, in the reserved red). The
    page's "Chrome trace JSON" button builds the same trace in JavaScript.
    """
    trace = []
    pids = {d: i for i, d in enumerate(devices)}
    for device, pid in pids.items():
        trace.append({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": device}})
    tids = {}
    for d in events:
        pid = pids.setdefault(d["device"], len(pids))
        tid = tids.setdefault((pid, d.get("thread", 0)), len(tids))
        ev = {
            "name": d["op"],
            "ph": "X",
            "ts": d["start_us"],
            "dur": max(d["end_us"] - d["start_us"], 0.0),
            "pid": pid,
            "tid": tid,
            "cat": "Op",
            "args": {"name": d["node"], "op": d["op"], "step": d["step"]},
        }
        for k, inp in enumerate(d.get("inputs", ())):
            ev["args"][f"input{k}"] = inp
        if d["kind"] == "transfer":
            ev["cat"] = "Transfer"
            ev["cname"] = "terrible"  # Chrome's red: the reserved transfer colour
            ev["args"].update(src=d["src"], dst=d["dst"], bytes=d["bytes"])
        trace.append(ev)
    return {"traceEvents": trace, "displayTimeUnit": "ms"}


def script_text(text: str) -> str:
    """``text`` made safe inside a ``<script>`` element."""
    # Inside <script> only "</" can end the element early; "<\/" means the same to JS/JSON.
    return text.replace("</", "<\\/")


def standalone_html(css: str, esm: str, state: dict) -> str:
    """A page that runs the widget's own script on ``state`` (events inlined): no kernel,
    no network. The page's "HTML" button writes the same page from the browser."""
    return _HTML.format(
        css=css,
        esm=script_text(esm),
        state=script_text(json.dumps(state, separators=(",", ":"))),
    )


# A stand-in for the widget model: the get/set/on/send the module uses. The module asks
# for its events with a "sync" message; the page answers with a "reset" of all of them.
_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>teachflow timeline</title>
<style>{css}</style></head>
<body><div id="timeline"></div>
<script type="text/plain" id="tf-esm">{esm}</script>
<script type="application/json" id="tf-state">{state}</script>
<script type="module">
const state = JSON.parse(document.getElementById("tf-state").textContent);
const handlers = {{}};
const fire = (name, ...args) => (handlers[name] || []).forEach((f) => f(...args));
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; fire("change:" + k); }},
  on: (name, f) => {{ (handlers[name] = handlers[name] || []).push(f); }},
  off: () => {{}},
  save_changes: () => {{}},
  send: (msg) => {{
    if (msg.type === "sync") setTimeout(() => fire("msg:custom", {{ type: "reset", events: state.events }}), 0);
  }},
}};
const src = document.getElementById("tf-esm").textContent;
const url = URL.createObjectURL(new Blob([src], {{ type: "text/javascript" }}));
const mod = await import(url);
mod.default.render({{ model, el: document.getElementById("timeline") }});
</script></body></html>
"""


def timeline_svg(events, devices, colors, width: int = 720, device_colors=None) -> str:
    """The events as a small SVG: one row per device, bars by op family (``colors``),
    transfers in the reserved red; each lane's name beside its device's colour
    (``device_colors``, the session palette's) when given."""
    lane_h, left, top = 18, 70, 6
    devices = list(devices)
    height = top * 2 + lane_h * max(len(devices), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="10">'
    ]
    if not events:
        parts.append(f'<text x="4" y="{top + 12}">LiveTimeline: no events yet</text></svg>')
        return "".join(parts)
    t0 = min(d["start_us"] for d in events)
    t1 = max(d["end_us"] for d in events)
    scale = (width - left - 4) / max(t1 - t0, 1e-9)
    rows = {dev: i for i, dev in enumerate(devices)}
    for dev, i in rows.items():
        y = top + i * lane_h + 12
        if device_colors and dev in device_colors:
            parts.append(
                f'<rect class="device-swatch" x="0" y="{y - 10}" width="4" height="{lane_h - 6}" '
                f'fill="{device_colors[dev]}"/>'
            )
        parts.append(f'<text x="6" y="{y}">{html.escape(_short(dev))}</text>')
    for d in events:
        x = left + (d["start_us"] - t0) * scale
        w = max((d["end_us"] - d["start_us"]) * scale, 1.0)
        y = top + rows.get(d["device"], 0) * lane_h + 2
        if d["kind"] == "transfer":
            fill = palette.TRANSFER
        else:
            fill = colors.get(d["family"], palette.UNPLACED)
        parts.append(
            f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{lane_h - 4}" '
            f'fill="{fill}"><title>{html.escape(d["node"])} ({html.escape(d["op"])})'
            f"</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
