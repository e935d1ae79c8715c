"""A timeline that grows while a session runs: a Jupyter widget (anywidget).

One lane per device; each op a bar coloured by its op family, transfers in the reserved
red (the colours of `teachflow.viz.palette`, as in `plot_timeline`). The widget listens
to the event bus through an `EventBatcher`, so the run only pays for a list append per
event; the browser gets a batch at most ten times a second and at every step end. It
keeps the last ``keep_steps`` steps. In the browser: hover for an op's details, click to
select it (``selected`` holds its name), wheel to zoom the time axis, pause, and download
the held events as Chrome-trace JSON or as a standalone HTML page.

    >>> import teachflow as tf
    >>> from teachflow.viz import LiveTimeline
    >>> lt = LiveTimeline(keep_steps=2)
    >>> with lt.recording():
    ...     _ = tf.Session().run(tf.constant(2.0) * 3.0)
    >>> sorted({e["op"] for e in lt.events})
    ['Const', 'Mul']
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
from importlib import resources

import anywidget
import traitlets

from teachflow.trace.events import bus
from teachflow.viz import palette
from teachflow.viz.widgets.batching import EventBatcher

__all__ = ["LiveTimeline"]

_SHOWN_KINDS = ("op", "transfer")


def _asset(name: str) -> str:
    # Read from the installed package: no CDN, so the widget works offline.
    return resources.files("teachflow.viz.widgets").joinpath(name).read_text(encoding="utf-8")


def _palette() -> dict:
    return {
        "families": dict(palette.OP_FAMILY_COLORS),
        "transfer": palette.TRANSFER,
        "error": palette.ERROR,
        "text": palette.TEXT,
    }


def _short(device: str) -> str:
    return device.rsplit("device:", 1)[-1] if "device:" in device else device


class LiveTimeline(anywidget.AnyWidget):
    """Ops and transfers of the last ``keep_steps`` steps, per device, updated live.

    Use ``with lt.recording(): sess.run(...)``, or `attach`/`detach` around several
    cells. Display ``lt`` in a notebook cell to see it grow.
    """

    _esm = traitlets.Unicode(_asset("live_timeline.js")).tag(sync=True)
    _css = traitlets.Unicode(_asset("live_timeline.css")).tag(sync=True)

    events = traitlets.List(traitlets.Dict()).tag(sync=True)
    steps = traitlets.List(traitlets.Int()).tag(sync=True)
    devices = traitlets.List(traitlets.Unicode()).tag(sync=True)
    paused = traitlets.Bool(False).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    keep_steps = traitlets.Int(5).tag(sync=True)
    export_request = traitlets.Int(0).tag(sync=True)  # bumped by the page at each download
    palette = traitlets.Dict().tag(sync=True)

    def __init__(self, keep_steps: int = 5, *, interval: float = 0.1, **kwargs):
        if keep_steps < 1:
            raise ValueError(f"keep_steps must be >= 1, got {keep_steps}")
        super().__init__(keep_steps=keep_steps, palette=_palette(), **kwargs)
        self._lock = threading.Lock()
        self._held = []  # shown events, oldest first
        self._buffered = []  # batches that came while paused
        self._batcher = EventBatcher(self._on_batch, interval=interval)
        self._attached = False
        self._remote = None  # a RemoteEventStream while attached to a cluster

    # -- recording --------------------------------------------------------------------
    @property
    def attached(self) -> bool:
        return self._attached

    def attach(self) -> LiveTimeline:
        """Listen to the event bus: every session run from now on is recorded."""
        if not self._attached:
            bus.subscribe(self._batcher.add)
            self._batcher.start()
            self._attached = True
        return self

    def detach(self) -> LiveTimeline:
        """Stop listening; what already arrived is flushed to the view."""
        if self._attached:
            bus.unsubscribe(self._batcher.add)
            self._attached = False
        remote, self._remote = self._remote, None
        if remote is not None:
            remote.stop()
        self._batcher.stop()
        return self

    def attach_cluster(self, cluster_or_targets, timeout: float = 10.0) -> LiveTimeline:
        """Show the events of every task of a cluster, on this process's clock.

        ``cluster_or_targets``: a `LocalCluster`, a `ClusterSpec` or ``{job: [address]}``
        dict, or a list of ``grpc://`` targets. Each task streams its events
        (`RemoteEventStream`); waits at most ``timeout`` seconds for the streams to open.
        This does not listen to the local bus (call `attach` as well for local sessions;
        with in-process servers that would draw their ops twice). `detach` stops it.
        """
        from teachflow.viz.widgets.remote_events import RemoteEventStream, addresses_from

        if self._remote is not None:
            self._remote.stop()
        self._remote = RemoteEventStream(addresses_from(cluster_or_targets), self._batcher.add)
        self._remote.start()
        self._batcher.start()
        self._remote.wait_ready(timeout)
        return self

    @property
    def remote(self):
        """The `RemoteEventStream` of `attach_cluster`, or None."""
        return self._remote

    @contextlib.contextmanager
    def recording(self):
        """Record the runs inside the ``with`` block; the view is complete on exit."""
        self.attach()
        try:
            yield self
        finally:
            self.detach()

    def flush(self) -> None:
        """Show everything received so far now, without waiting for the next batch."""
        self._batcher.flush_now()

    def clear(self) -> None:
        """Forget every held event and step; times start again at the next step."""
        self._batcher.flush_now()
        with self._lock:
            self._held = []
            self._buffered = []
            self._batcher.reset_origin()
            self._publish([], [])

    # -- batches in ---------------------------------------------------------------------
    def _on_batch(self, batch) -> None:
        with self._lock:
            if self.paused:
                self._buffered.extend(batch)
                return
            self._apply(batch)

    def _apply(self, batch) -> None:
        steps = list(self.steps)
        held = self._held
        for d in batch:
            kind = d["kind"]
            if kind == "step":
                if d["phase"] == "start" and d["step"] not in steps:
                    steps.append(d["step"])
            elif kind in _SHOWN_KINDS:
                if d["step"] not in steps:
                    steps.append(d["step"])
                held.append(d)
        self._publish(held, steps)

    def _publish(self, held, steps) -> None:
        keep = steps[-self.keep_steps :]
        kept = set(keep)
        self._held = [d for d in held if d["step"] in kept]
        devices = set()
        for d in self._held:
            devices.add(d["device"])
            if d["kind"] == "transfer":
                devices.add(d["src"])
        # One message to the page for the three traits: they change together.
        with self.hold_sync():
            self.devices = sorted(devices, key=palette.device_sort_key)
            self.steps = keep
            self.events = list(self._held)

    @traitlets.observe("paused")
    def _on_pause(self, change) -> None:
        if change["new"]:
            return
        with self._lock:
            buffered, self._buffered = self._buffered, []
            if buffered:
                self._apply(buffered)

    @traitlets.observe("keep_steps")
    def _on_keep_steps(self, change) -> None:
        if change["new"] < 1:
            raise traitlets.TraitError(f"keep_steps must be >= 1, got {change['new']}")
        lock = getattr(self, "_lock", None)
        if lock is None:  # set by __init__ before the widget holds anything
            return
        with lock:
            self._publish(self._held, list(self.steps))

    # -- out ----------------------------------------------------------------------------
    def to_chrome_trace(self) -> dict:
        """The held events as a Chrome-trace dict (chrome://tracing, ui.perfetto.dev).

        One process per device, one thread per executor thread, an ``"X"`` event per op
        and per transfer (transfers on the receiving device, in the reserved red).
        """
        trace = []
        pids = {d: i for i, d in enumerate(self.devices)}
        for device, pid in pids.items():
            trace.append({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": device}})
        tids = {}
        for d in self._held:
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

    def save_html(self, path) -> str:
        """Write a standalone page (script and events inlined, works offline); returns path."""
        state = {
            "events": self._held,
            "steps": list(self.steps),
            "devices": list(self.devices),
            "palette": dict(self.palette),
            "keep_steps": self.keep_steps,
            "paused": False,
            "selected": "",
            "export_request": 0,
        }
        page = _HTML.format(
            css=self._css,
            esm=_script_text(self._esm),
            state=_script_text(json.dumps(state, separators=(",", ":"))),
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        return str(path)

    # -- a static picture where no widget runs (nbconvert, nbmake, a terminal) ----------
    def __repr__(self) -> str:
        n_ops = sum(1 for d in self._held if d["kind"] == "op")
        n_tr = len(self._held) - n_ops
        return (
            f"LiveTimeline(steps={list(self.steps)}, devices={len(self.devices)}, "
            f"ops={n_ops}, transfers={n_tr})"
        )

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs) or {}
        if isinstance(data, tuple):
            data = data[0]
        data = dict(data)
        data["text/plain"] = repr(self)
        data["image/svg+xml"] = self.to_svg()
        return data

    def to_svg(self, width: int = 720) -> str:
        """The held steps as a small SVG: one row per device, bars by op family."""
        lane_h, left, top = 18, 70, 6
        devices = list(self.devices)
        height = top * 2 + lane_h * max(len(devices), 1)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="10">'
        ]
        if not self._held:
            parts.append(f'<text x="4" y="{top + 12}">LiveTimeline: no events yet</text></svg>')
            return "".join(parts)
        t0 = min(d["start_us"] for d in self._held)
        t1 = max(d["end_us"] for d in self._held)
        scale = (width - left - 4) / max(t1 - t0, 1e-9)
        rows = {dev: i for i, dev in enumerate(devices)}
        colors = self.palette.get("families", {})
        for dev, i in rows.items():
            y = top + i * lane_h + 12
            parts.append(f'<text x="2" y="{y}">{html.escape(_short(dev))}</text>')
        for d in self._held:
            x = left + (d["start_us"] - t0) * scale
            w = max((d["end_us"] - d["start_us"]) * scale, 1.0)
            y = top + rows.get(d["device"], 0) * lane_h + 2
            fill = (
                palette.TRANSFER
                if d["kind"] == "transfer"
                else colors.get(d["family"], palette.UNPLACED)
            )
            parts.append(
                f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{lane_h - 4}" '
                f'fill="{fill}"><title>{html.escape(d["node"])} ({html.escape(d["op"])})'
                f"</title></rect>"
            )
        parts.append("</svg>")
        return "".join(parts)


def _script_text(text: str) -> str:
    # Inside <script> only "</" can end the element early; "<\/" means the same to JS/JSON.
    return text.replace("</", "<\\/")


_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>teachflow timeline</title>
<style>{css}</style></head>
<body><div id="timeline"></div>
<script type="text/plain" id="tf-esm">{esm}</script>
<script type="application/json" id="tf-state">{state}</script>
<script type="module">
// A stand-in for the widget model: the same get/set/on/save_changes the module uses.
const state = JSON.parse(document.getElementById("tf-state").textContent);
const handlers = {{}};
const model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; (handlers["change:" + k] || []).forEach((f) => f()); }},
  on: (name, f) => {{ (handlers[name] = handlers[name] || []).push(f); }},
  off: () => {{}},
  save_changes: () => {{}},
}};
const src = document.getElementById("tf-esm").textContent;
const url = URL.createObjectURL(new Blob([src], {{ type: "text/javascript" }}));
const mod = await import(url);
mod.default.render({{ model, el: document.getElementById("timeline") }});
</script></body></html>
"""
