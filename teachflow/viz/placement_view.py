"""The placement table: which device each node ran on, and why.

The placer records every decision (`teachflow.runtime.placer.PlacementRecord`): the node,
its op type, the device it asked for, the device it got and the reason ("explicit",
"colocated with ...", "default", a soft-placement fallback). This view lays them out as a
table that a notebook renders as HTML and a terminal as text, filtered by a substring or
a predicate.

    >>> import teachflow as tf
    >>> from teachflow.viz import show_placement
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     y = tf.identity(tf.constant(1.0, name="x"), name="y")
    >>> sess = tf.Session(graph=g); _ = sess.run(y)
    >>> [(r.node, r.op_type, r.reason) for r in show_placement(sess, filter="y").rows]
    [('y', 'Identity', 'default')]
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from teachflow.viz import palette
from teachflow.viz.step_records import read_steps, short_device
from teachflow.viz.tensorflow_sources import run_metadata_of

__all__ = ["PlacementRow", "PlacementTable", "show_placement"]

_COLUMNS = ("node", "op_type", "requested", "device", "reason")
_HEADERS = ("node", "op", "requested", "device", "reason")


@dataclass(frozen=True)
class PlacementRow:
    """One node's placement, as the table shows it."""

    node: str
    op_type: str
    requested: str
    device: str
    reason: str
    group: str = ""  # the colocation group's root node


class PlacementTable:
    """Placement rows with a text and an HTML rendering; ``rows`` holds every row, the
    renderings show the first ``max_rows``."""

    max_rows = 200

    def __init__(self, rows, total=None, colors=None):
        self.rows = list(rows)
        self.total = len(self.rows) if total is None else total
        # Colours of every device placed on, filtered out or not, as in the other views.
        self.colors = colors or palette.color_table(r.device for r in self.rows)

    def by_device(self) -> dict:
        """``{device: number of nodes}``, in the order devices first appear."""
        return dict(Counter(r.device for r in self.rows))

    def summary(self) -> str:
        shown = (
            f"{len(self.rows)} of {self.total}" if len(self.rows) != self.total else str(self.total)
        )
        per = ", ".join(f"{short_device(d)}: {n}" for d, n in self.by_device().items())
        return f"{shown} nodes" + (f" ({per})" if per else "")

    def to_dataframe(self):
        """The rows as a pandas DataFrame (needs pandas, which teachflow does not require)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install pandas") from None
        return pd.DataFrame(
            [[getattr(r, c) for c in _COLUMNS] for r in self.rows], columns=_HEADERS
        )

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        shown = self.rows[: self.max_rows]
        cells = [_HEADERS] + [tuple(getattr(r, c) for c in _COLUMNS) for r in shown]
        widths = [max(len(row[i]) for row in cells) for i in range(len(_HEADERS))]
        lines = [self.summary()]
        for i, row in enumerate(cells):
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        if len(self.rows) > len(shown):
            lines.append(f"... {len(self.rows) - len(shown)} more rows (all are in .rows)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th style='text-align:left'>{esc(h)}</th>" for h in _HEADERS)
        body = []
        for r in self.rows[: self.max_rows]:
            color = self.colors.get(r.device, palette.UNPLACED)
            swatch = (
                f"<span style='display:inline-block;width:0.8em;height:0.8em;"
                f"background:{esc(color)};margin-right:0.4em;border-radius:2px'></span>"
            )
            body.append(
                "<tr>"
                f"<td><code>{esc(r.node)}</code></td><td>{esc(r.op_type)}</td>"
                f"<td>{esc(r.requested)}</td><td>{swatch}{esc(r.device)}</td>"
                f"<td>{esc(r.reason)}</td></tr>"
            )
        more = ""
        if len(self.rows) > self.max_rows:
            more = f"<p>… {len(self.rows) - self.max_rows} more rows (all are in <code>.rows</code>)</p>"
        return (
            "<div class='teachflow-placement'>"
            f"<p><b>Placement</b>: {esc(self.summary())}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{more}</div>"
        )


def show_placement(session_or_records, *, filter=None) -> PlacementTable:
    """A `PlacementTable` of node / op / requested device / device / reason.

    ``session_or_records``: a ``tf.Session`` (its placer's records, for every node placed
    so far; a remote session's come from its master, with the _Send/_Recv nodes it added
    between tasks), a list of placement records, or a traced run's ``RunMetadata`` (where
    each node ran; the reason is then "ran here"). ``filter``: keep rows where a substring
    appears in the node, op type, device or reason (any case), or rows for which a
    callable returns true.

    Raises TypeError for other arguments.
    """
    rows = [_row(r) for r in _records_of(session_or_records)]
    total = len(rows)
    colors = palette.color_table(r.device for r in rows)
    if filter is not None:
        keep = filter if callable(filter) else _contains(str(filter))
        rows = [r for r in rows if keep(r)]
    return PlacementTable(rows, total, colors)


def _records_of(x):
    x = run_metadata_of(x)  # TensorFlow's RunMetadata, its bytes or a Chrome trace
    if hasattr(x, "placement_records"):
        # A remote session's records are its master's, reported with each step.
        return x.placement_records()
    if hasattr(x, "step_stats") or hasattr(x, "dev_stats"):
        seen = {}
        for trace in read_steps(x):
            for o in trace.ops:
                seen.setdefault(o.node, PlacementRow(o.node, o.op_type, "", o.device, "ran here"))
        return list(seen.values())
    if isinstance(x, (list, tuple)):
        return x
    raise TypeError(
        "show_placement expects a Session, a list of placement records or a RunMetadata; "
        f"got {type(x).__name__}"
    )


def _row(r) -> PlacementRow:
    if isinstance(r, PlacementRow):
        return r
    get = r.get if isinstance(r, dict) else (lambda k, d="": getattr(r, k, d))
    return PlacementRow(*(str(get(c, "") or "") for c in _COLUMNS + ("group",)))


def _contains(text):
    needle = text.lower()

    def keep(row):
        return any(
            needle in getattr(row, c).lower() for c in ("node", "op_type", "device", "reason")
        )

    return keep
