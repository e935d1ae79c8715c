"""A timeline that grows while a session runs: a Jupyter widget (anywidget).

One lane per device; each op a bar coloured by its op family, transfers in the reserved
red (the colours of `teachflow.viz.palette`, as in `plot_timeline`). The widget listens
to the event bus through an `EventBatcher`, so the run only pays for a list append per
event; the page gets a batch at most ten times a second and at every step end, as an
"append" message holding only the new events (the page keeps its own copy; a view that
opens later asks for everything once). It keeps the last ``keep_steps`` steps. In the
page: hover for an op's details, click to select it (``selected`` holds its name; `link`
shares it with a `GraphWidget`), wheel to zoom the time axis, drag to pan, pause, and
download the held events as Chrome-trace JSON or as a standalone HTML page.

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
import json
import threading
from importlib import resources

import anywidget
import traitlets

from teachflow.trace.events import bus
from teachflow.viz import palette, step_numbers
from teachflow.viz.widgets.batching import EventBatcher
from teachflow.viz.widgets.static_picture import with_static_picture
from teachflow.viz.widgets.timeline_export import chrome_trace, standalone_html, timeline_svg

__all__ = ["LiveTimeline"]

_SHOWN_KINDS = ("op", "transfer")
_MAX_ACTIVE = 200  # names a linked graph flashes per batch: more would be a blur anyway


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


class LiveTimeline(anywidget.AnyWidget):
    """Ops and transfers of the last ``keep_steps`` steps, per device, updated live.

    Use ``with lt.recording(): sess.run(...)``, or `attach`/`detach` around several
    cells, or `attach_cluster` for the tasks of a cluster. Display ``lt`` in a notebook
    cell to see it grow; ``lt.events`` holds what it shows.
    """

    _esm = traitlets.Unicode(_asset("live_timeline.js")).tag(sync=True)
    _css = traitlets.Unicode(_asset("live_timeline.css")).tag(sync=True)

    steps = traitlets.List(traitlets.Int()).tag(sync=True)
    devices = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # Each lane's device colour, from the session's palette (as the graph and cluster views).
    device_colors = traitlets.Dict().tag(sync=True)
    paused = traitlets.Bool(False).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    keep_steps = traitlets.Int(5).tag(sync=True)
    # Step ids are random in a cluster: the page names each step by its number in the
    # session (`teachflow.viz.step_numbers`, as every view does), ``numbers[i]`` for
    # ``steps[i]``.
    numbers = traitlets.List(traitlets.Int()).tag(sync=True)
    export_request = traitlets.Int(0).tag(sync=True)  # bumped by the page at each download
    palette = traitlets.Dict().tag(sync=True)

    def __init__(self, keep_steps: int = 5, *, interval: float = 0.1, **kwargs):
        if keep_steps < 1:
            raise ValueError(f"keep_steps must be >= 1, got {keep_steps}")
        super().__init__(keep_steps=keep_steps, palette=_palette(), **kwargs)
        self._lock = threading.Lock()
        self._held = []  # shown events, oldest first
        self._buffered = []  # batches that came while paused
        self._batcher = EventBatcher(
            self._on_batch,
            interval=interval,
            kinds=(*_SHOWN_KINDS, "step"),
            keep_steps=self.keep_steps,
        )
        self._attached = False
        self._remote = None  # a RemoteEventStream while attached to a cluster
        self._links = []  # (GraphWidget, the jslink between the two ``selected`` traits)
        self.on_msg(self._on_page_message)

    @property
    def events(self) -> list:
        """The events shown (dicts of `event_to_dict`), oldest first."""
        return list(self._held)

    # -- recording --------------------------------------------------------------------
    @property
    def attached(self) -> bool:
        return self._attached

    def attach(self) -> LiveTimeline:
        """Listen to the event bus: every session run from now on is recorded."""
        if not self._attached:
            bus.subscribe(self._batcher.add, kinds=self._batcher.kinds)
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
        (`RemoteEventStream`); this waits at most ``timeout`` seconds until every task
        listens, so that no event of a step run afterwards is missed (``remote.errors``
        says which task could not be reached). This does not listen to the local bus (call `attach` as well for local sessions;
        with in-process servers that would draw their ops twice). `detach` stops it.
        """
        from teachflow.distributed.event_stream import RemoteEventStream, addresses_from

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
            self._publish([])

    # -- batches in ---------------------------------------------------------------------
    def _on_batch(self, batch) -> None:
        with self._lock:
            if self.paused:
                self._buffered.extend(batch)
                return
            self._apply(batch)

    def _apply(self, batch) -> None:
        steps = list(self.steps)
        new = []
        for d in batch:
            kind = d["kind"]
            if kind == "step":
                if d["phase"] == "start" and d["step"] not in steps:
                    steps.append(d["step"])
            elif kind in _SHOWN_KINDS:
                if d["step"] not in steps:
                    steps.append(d["step"])
                new.append(d)
        for step in steps:  # numbered as they came, before any is trimmed away
            step_numbers.SESSION.number(step)
        self._held.extend(new)
        self._publish(steps, new)
        if self._links and new:
            ran = sorted({d["node"] for d in new if d["kind"] == "op"})[:_MAX_ACTIVE]
            for graph, _ in self._links:
                graph.active = ran

    def _publish(self, steps, new=None) -> None:
        """Trim to the last ``keep_steps`` steps and tell the page: the ``new`` events
        only (an "append" message), or, with ``new`` None, everything (a "reset")."""
        keep = steps[-self.keep_steps :]
        kept = set(keep)
        trimmed = len(keep) < len(steps)
        if trimmed:
            self._held = [d for d in self._held if d["step"] in kept]
        if new is None or trimmed:  # devices of what is left
            devices, added = set(), self._held
        else:  # only the new events can add a device
            devices, added = set(self.devices), new
        for d in added:
            devices.add(d["device"])
            if d["kind"] == "transfer":
                devices.add(d["src"])
        # One message to the page for the two traits: they change together.
        with self.hold_sync():
            self.devices = sorted(devices, key=palette.device_sort_key)
            self.device_colors = palette.color_table(self.devices)
            self.numbers = [step_numbers.SESSION.number(s) for s in keep]
            self.steps = keep
        if new is None:
            self.send({"type": "reset", "events": self._held, "steps": keep})
        else:
            shown = [d for d in new if d["step"] in kept]
            self.send({"type": "append", "events": shown, "steps": keep})

    def _on_page_message(self, _widget, content, _buffers) -> None:
        # A view that opens (or reopens) asks once for everything held.
        if isinstance(content, dict) and content.get("type") == "sync":
            with self._lock:
                self._publish(list(self.steps))

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
        self._batcher.keep_steps = change["new"]
        with lock:
            self._publish(list(self.steps))

    # -- a graph that follows -------------------------------------------------------------
    def link(self, graph_widget):
        """Share the selection with ``graph_widget`` (a `GraphWidget`), both ways.

        Clicking an op here highlights it in the graph, and clicking a node there
        outlines its bars here, in the page itself (an ``ipywidgets.jslink``: it works
        while the kernel is busy running steps). While this timeline receives events,
        the graph also flashes the ops of each batch as they run. Returns the link;
        `unlink` undoes it.
        """
        import ipywidgets

        from teachflow.viz.widgets.graph_widget import GraphWidget

        if not isinstance(graph_widget, GraphWidget):
            raise TypeError(
                f"LiveTimeline.link needs a GraphWidget, got {type(graph_widget).__name__}"
            )
        for graph, existing in self._links:
            if graph is graph_widget:
                return existing
        link = ipywidgets.jslink((self, "selected"), (graph_widget, "selected"))
        self._links.append((graph_widget, link))
        return link

    def unlink(self, graph_widget=None) -> None:
        """Undo `link` for ``graph_widget`` (every linked graph when None)."""
        keep = []
        for graph, link in self._links:
            if graph_widget is None or graph is graph_widget:
                link.unlink()
            else:
                keep.append((graph, link))
        self._links = keep

    @property
    def linked(self) -> list:
        """The graph widgets `link` connected."""
        return [graph for graph, _ in self._links]

    # -- out ----------------------------------------------------------------------------
    def to_chrome_trace(self) -> dict:
        """The held events as a Chrome-trace dict (chrome://tracing, ui.perfetto.dev).

        One process per device, one thread per executor thread, an ``"X"`` event per op
        and per transfer (transfers on the receiving device, in the reserved red).
        """
        return chrome_trace(self._held, list(self.devices))

    def save_chrome_trace(self, path) -> str:
        """Write `to_chrome_trace` as JSON (what the page's button downloads); returns path."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_chrome_trace(), f)
        return str(path)

    def save_html(self, path) -> str:
        """Write a standalone page (script and events inlined, works offline); returns path."""
        state = {
            "events": self._held,
            "steps": list(self.steps),
            "devices": list(self.devices),
            "palette": dict(self.palette),
            "keep_steps": self.keep_steps,
            "numbers": list(self.numbers),
            "device_colors": dict(self.device_colors),
            "paused": False,
            "selected": "",
            "export_request": 0,
        }
        with open(path, "w", encoding="utf-8") as f:
            f.write(standalone_html(self._css, self._esm, state))
        return str(path)

    # -- a static picture where no widget runs (nbconvert, nbmake, a terminal) ----------
    def __repr__(self) -> str:
        n_ops = sum(1 for d in self._held if d["kind"] == "op")
        n_tr = len(self._held) - n_ops
        return (
            f"LiveTimeline(steps={list(self.numbers)}, devices={len(self.devices)}, "
            f"ops={n_ops}, transfers={n_tr})"
        )

    def _repr_mimebundle_(self, **kwargs):
        return with_static_picture(super()._repr_mimebundle_(**kwargs), repr(self), self.to_svg())

    def to_svg(self, width: int = 720) -> str:
        """The held steps as a small SVG: one row per device, bars by op family."""
        return timeline_svg(
            self._held,
            list(self.devices),
            self.palette.get("families", {}),
            width=width,
            device_colors=dict(self.device_colors),
        )
