"""What a widget shows where no widget runs (nbconvert, nbmake, a terminal, GitHub).

A notebook keeps every form of an output it was given; a front end that cannot run the
widget's JavaScript falls back to the next form it understands. So each widget adds a
plain-text summary and an SVG drawing of its current state to its mime bundle.

    >>> bundle = with_static_picture({"application/vnd.jupyter.widget-view+json": {}},
    ...                              "Demo()", "<svg/>")
    >>> sorted(bundle)
    ['application/vnd.jupyter.widget-view+json', 'image/svg+xml', 'text/plain']
"""

from __future__ import annotations

__all__ = ["with_static_picture"]


def with_static_picture(bundle, text: str, svg: str) -> dict:
    """The widget's own mime ``bundle`` (a dict, a ``(data, metadata)`` pair or None: only
    its data is kept) plus ``text`` as ``text/plain`` and ``svg`` as ``image/svg+xml``."""
    data = bundle or {}
    if isinstance(data, tuple):
        data = data[0]
    data = dict(data)
    data["text/plain"] = text
    data["image/svg+xml"] = svg
    return data
