"""Widgets' static pictures where no widget runs: nbconvert's HTML shows their SVG.

A notebook run in a kernel (nbclient, as ``jupyter nbconvert --execute`` does) with a
live timeline and a graph widget, exported to HTML by nbconvert: the page holds each
widget's SVG drawing (as an ``<img>`` of ``image/svg+xml``), so a class's exported or
published notebook still shows the pictures.
"""

from __future__ import annotations

import base64
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")

from teachflow.viz.widgets.static_picture import with_static_picture  # noqa: E402

CELLS = [
    "import teachflow as tf\n"
    "from teachflow import viz\n"
    "with tf.device('/gpu:0'):\n"
    "    y = tf.multiply(tf.constant([1.0, 2.0], name='x'), 2.0, name='y')\n"
    "lt = viz.LiveTimeline()\n"
    "with lt.recording(), tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as s:\n"
    "    s.run(y)\n"
    "lt.flush()\n"
    "lt",
    "viz.GraphWidget(tf.get_default_graph())",
]


def _svgs_in(html: str) -> list:
    """The SVG documents a page shows, inline or as data: images."""
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    for data in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html):
        found.append(base64.b64decode(data).decode("utf-8"))
    return found


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run in a real kernel, without saving widget state (as JupyterLab saves
    a notebook unless asked to)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(
        nb, timeout=90, kernel_name="python3", store_widget_state=False
    )
    client.execute(cwd=str(tmp_path_factory.mktemp("nb")))  # the kernel is shut down after
    return nb


def test_each_widget_output_carries_an_svg(executed):
    for cell in executed.cells:
        (out,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert "application/vnd.jupyter.widget-view+json" in out.data
        assert out.data["image/svg+xml"].startswith("<svg")


def test_nbconvert_html_shows_the_timeline_and_the_graph_as_svg(executed):
    html, _ = nbconvert.HTMLExporter().from_notebook_node(executed)
    svgs = _svgs_in(html)
    graph = [s for s in svgs if 'class="teachflow-graph"' in s]
    assert graph and ">y<" in graph[0].replace("\n", "")
    timeline = [s for s in svgs if "(Mul)" in s and "GPU:0" in s]
    assert timeline, "the live timeline's SVG is not in the exported page"
    # No widget state was saved, so nbconvert draws no empty widget placeholder.
    assert "application/vnd.jupyter.widget-view+json" not in html


def test_with_static_picture_keeps_the_widget_and_adds_the_picture():
    bundle = with_static_picture(
        ({"application/vnd.jupyter.widget-view+json": {}}, {}), "W()", "<svg/>"
    )
    assert bundle == {
        "application/vnd.jupyter.widget-view+json": {},
        "text/plain": "W()",
        "image/svg+xml": "<svg/>",
    }
