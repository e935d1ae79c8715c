"""Four labs in JupyterLab, run top to bottom in Chromium, and a picture of what each shows.

Each lab notebook (00, 03, 04, 09) is copied into the JupyterLab root of the `jupyter_lab`
fixture, opened, and run with "Run All Cells"; the test waits (bounded) for the command to
finish and the kernel to be idle, fails on any cell that printed a traceback, and then
checks that the page shows what the lesson is about:

- lab 00: the cluster's partitioned graph (an inline SVG, coloured by device), the
  timeline of the same run as an image, and the live timeline widget of ``%%teachflow
  trace``;
- lab 03: the two GPU timelines (one GPU against two, in virtual time) and the table of
  the lab's claims, every row marked ✓;
- lab 04: the two memory plots (as soon as ready, and with the control dependency) and
  the lab's claims, every row marked ✓;
- lab 09: the in-graph replication graph with its towers folded ("(N ops)" nodes), drawn
  whole at the cell's width for the picture.

The picture of each lesson's output goes to ``artifacts/e2e/labNN.png`` and, with
``TEACHFLOW_SCREENSHOTS_DIR`` set (``make screenshots``), to that folder: the README's
"What the labs show" gallery. No console error and no uncaught exception is allowed. The
four take about 75 s on a 2-core laptop, lab 09 the longest (about 25 s).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, missing_tools
from tests.e2e.test_notebook_browser import _KERNEL_IDLE, _TRACEBACK

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(150),
    pytest.mark.skipif(bool(missing_tools()), reason=missing_tools() or "ok"),
]

NOTEBOOKS = REPO / "notebooks"
# The slowest lab (09: three trainings and a bandwidth sweep on a five-task cluster) runs in
# about a minute on a busy 2-core laptop; the bound leaves room for a slower one.
RUN_ALL_S = 120

# "Run All Cells" started, not awaited: its promise settles after the last cell (false when a
# cell failed and the run stopped there), recorded on the window for a bounded wait.
_RUN_ALL = """() => {
  window.__tfRunAll = 'running';
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    (ok) => { window.__tfRunAll = ok === false ? 'stopped' : 'done'; },
    (err) => { window.__tfRunAll = 'failed: ' + err; });
}"""
_RUN_ALL_SETTLED = "() => window.__tfRunAll !== 'running' && window.__tfRunAll"

# A cell still queued or running shows "[*]" as its prompt.
_PENDING = """() => [...document.querySelectorAll('.jp-InputPrompt')]
  .filter((p) => (p.textContent || '').includes('*')).length"""


@dataclass(frozen=True, slots=True)
class LabShot:
    """What to check and photograph in one lab: the cells (found by a line of their code)
    whose outputs, top to bottom, make the picture."""

    lab: str
    first: str  # a line of the first pictured cell's code
    last: str  # a line of the last pictured cell's code
    fit_graph: bool = False  # draw a graph's SVG at the cell's width, not its own size


LABS = {
    "00": LabShot(
        "00", "viz.show_graph(run_metadata=run_metadata)", "viz.plot_timeline(run_metadata)"
    ),
    "03": LabShot("03", "gpu_traces = {}", "claims = lab03.claims("),
    "04": LabShot("04", "viz.plot_memory(runs[delay]", "viz.plot_memory(runs[delay]"),
    "09": LabShot("09", 'color_by="task"', 'color_by="task"', fit_graph=True),
}


def _notebook(lab: str) -> Path:
    (path,) = NOTEBOOKS.glob(f"{lab}_*.ipynb")
    return path


def _cell_index(path: Path, line: str) -> int:
    """The index of the first cell whose source holds ``line`` (JupyterLab draws one
    ``.jp-Cell`` per notebook cell, in order)."""
    cells = json.loads(path.read_text())["cells"]
    for i, cell in enumerate(cells):
        if line in "".join(cell["source"]):
            return i
    raise AssertionError(f"{path.name}: no cell holds {line!r}")


@pytest.mark.parametrize("lab", sorted(LABS))
def test_lab_screenshots_in_jupyterlab(lab, jupyter_lab, browser, artifacts):
    source = _notebook(lab)
    shutil.copy(source, jupyter_lab.root / source.name)
    page = browser.page
    # Room for a lesson's figures side by side with their text in one picture.
    page.set_viewport_size({"width": 1000, "height": 1400})
    page.goto(f"{jupyter_lab.url}/lab/tree/{source.name}?token={jupyter_lab.token}")
    page.wait_for_function(_KERNEL_IDLE)
    # The notebook alone on the page, as wide as it goes: no file browser beside it.
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); }")
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    cells.first.wait_for()
    try:
        page.evaluate(_RUN_ALL)
        settled = page.wait_for_function(_RUN_ALL_SETTLED, timeout=RUN_ALL_S * 1000)
        if page.evaluate(f"() => !!{_TRACEBACK}"):
            tb = page.evaluate(f"() => {_TRACEBACK}.textContent")
            pytest.fail(f"A cell of lab {lab} failed:\n{tb}")
        assert settled.json_value() == "done", settled.json_value()
        page.wait_for_function(_KERNEL_IDLE, timeout=10_000)
        assert page.evaluate(_PENDING) == 0
        CHECKS[lab](page, cells, source)
    finally:
        page.screenshot(path=str(artifacts / f"lab{lab}-page.png"))
    shot = _picture(page, cells, source, LABS[lab], artifacts / f"lab{lab}.png")
    assert shot.stat().st_size < 400_000, f"{shot} is {shot.stat().st_size} bytes"
    _publish(shot)
    assert not browser.errors, "JavaScript errors on the page:\n" + "\n".join(browser.errors)


def _outputs(cells, source: Path, line: str):
    """The output areas of the cell holding ``line``."""
    return cells.nth(_cell_index(source, line)).locator(".jp-OutputArea-output")


def _check_lab00(page, cells, source):
    graph = _outputs(cells, source, "viz.show_graph(run_metadata=run_metadata)")
    svg = graph.locator(".teachflow-graph-view svg")
    svg.wait_for()
    text = svg.text_content()
    # One box per task: ps and worker 1 ran parts of the step.
    assert "job:ps" in text and "job:worker" in text, text[:400]
    fills = svg.locator("g.node polygon, g.node path, g.node ellipse").evaluate_all(
        "els => [...new Set(els.map((e) => e.getAttribute('fill')))]"
    )
    assert len([f for f in fills if f and f != "none"]) >= 2, fills  # coloured by device
    timeline = _outputs(cells, source, "viz.plot_timeline(run_metadata)")
    assert timeline.locator("img").count() == 1
    live = _outputs(cells, source, "%%teachflow trace").locator(".tf-lt")
    live.wait_for(timeout=10_000)
    lanes = json.loads(live.get_attribute("data-lanes") or "{}")
    assert {d.split("/device:")[0] for d in lanes} >= {"/job:ps/replica:0/task:0"}, lanes
    # One device, one colour: the live timeline's lanes wear the graph's device colours.
    colours = live.locator("canvas").first.evaluate("c => Object.values(c.tfColors || {})")
    assert colours and {c.lower() for c in colours} <= {f.lower() for f in fills}, (colours, fills)


def _check_lab03(page, cells, source):
    gpus = _outputs(cells, source, "gpu_traces = {}")
    assert gpus.locator("img").count() >= 1  # one GPU against two, in virtual time
    table = _outputs(cells, source, "claims = lab03.claims(").locator("table")
    table.wait_for()
    rows = table.locator("tbody tr")
    marks = rows.evaluate_all("trs => trs.map((r) => r.cells[0].textContent.trim())")
    assert len(marks) >= 3 and set(marks) == {"✓"}, marks
    assert "two GPUs" in table.text_content()


def _check_lab04(page, cells, source):
    plot = _outputs(cells, source, "viz.plot_memory(runs[delay]")
    img = plot.locator("img")
    img.wait_for()
    width = img.evaluate("i => i.naturalWidth")
    assert width > 300, width
    claims = _outputs(cells, source, "claims = lab04.claims(").locator("table tbody tr")
    marks = claims.evaluate_all("trs => trs.map((r) => r.cells[0].textContent.trim())")
    assert marks and set(marks) == {"✓"}, marks


def _check_lab09(page, cells, source):
    graph = _outputs(cells, source, 'color_by="task"')
    svg = graph.locator(".teachflow-graph-view svg")
    svg.wait_for()
    text = svg.text_content()
    # The towers' gradients are folded: a scope drawn as one node says how many ops it holds.
    assert " ops)" in text, text[:400]
    assert "tower_0" in text and "tower_1" in text, text[:400]


CHECKS = {"00": _check_lab00, "03": _check_lab03, "04": _check_lab04, "09": _check_lab09}


def _picture(page, cells, source, shot: LabShot, path: Path) -> Path:
    """A picture from the top of the first pictured cell's output to the bottom of the last
    one's (the lesson's views with the text between them), cut to the notebook's visible
    area."""
    first = _outputs(cells, source, shot.first).first
    last = _outputs(cells, source, shot.last).last
    if shot.fit_graph:
        # A big graph is drawn at its own size in a scrolling box (legible when explored);
        # the picture shows all of it at once, fitted to the cell's width.
        first.locator(".teachflow-graph-view").evaluate(_FIT_GRAPH)
    # Instant, not the notebook's smooth scrolling: the boxes are read right after.
    first.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
    page.wait_for_function(_STILL, arg=_SCROLLER, timeout=5_000)
    top, bottom = first.bounding_box(), last.bounding_box()
    area = page.locator(_SCROLLER).first.bounding_box()
    x = max(min(top["x"], bottom["x"]), area["x"])
    right = min(
        max(top["x"] + top["width"], bottom["x"] + bottom["width"]), area["x"] + area["width"]
    )
    y = max(top["y"], area["y"])
    low = min(bottom["y"] + bottom["height"], area["y"] + area["height"])
    page.screenshot(path=str(path), clip={"x": x, "y": y, "width": right - x, "height": low - y})
    return path


_FIT_GRAPH = """(box) => {
  box.style.maxHeight = 'none';
  box.style.overflow = 'visible';
  const svg = box.querySelector('svg');
  svg.style.width = '100%';
  svg.style.height = 'auto';
}"""
# The notebook's own scrolling box (JupyterLab 4 draws the cells in a windowed panel).
_SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"
# The scroller has not moved for two animation frames: the boxes read now stay true.
_STILL = """async (sel) => {
  const el = document.querySelector(sel);
  if (!el) return true;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const before = el.scrollTop;
  await frame(); await frame();
  return el.scrollTop === before;
}"""


def _publish(path: Path) -> None:
    """Copy a lab's picture to ``TEACHFLOW_SCREENSHOTS_DIR`` (the README's gallery)."""
    target = os.environ.get("TEACHFLOW_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
